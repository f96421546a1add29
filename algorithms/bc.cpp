// Behaviour cloning, top to bottom. Every minibatch has the full batch shape: the last one of an epoch
// is padded with rows whose loss mask is 0, which gives exactly the gradient of the shorter batch (the
// masked MSE divides by the number of real elements) while every buffer keeps its shape, so the training
// loop never allocates. A minibatch of 256 rows or more runs as parts on both cores
// (autograd/data_parallel.hpp), each part's loss weighted by its share of the minibatch's loss terms.
#include "algorithms/bc.hpp"

#include <optional>
#include <numeric>
#include <stdexcept>

#include "algorithms/chunking.hpp"
#include "autograd/data_parallel.hpp"
#include "autograd/losses.hpp"
#include "autograd/optim.hpp"

namespace imitate {

BCStep::BCStep(Policy& pi, Eigen::Index B) {
    // CVAE and ACT average their two loss terms over different counts (elements, rows): their minibatch is not cut
    const HeadKind k = pi.cfg.head.kind;
    const int P = k == HeadKind::CVAE || k == HeadKind::ACT ? 1 : batch_parts(B);
    if (P == 1) return;
    parted.emplace(pi.parameters(), P);
    const Eigen::Index S = pi.cfg.obs_dim, HA = Eigen::Index(pi.cfg.act_dim) * pi.cfg.chunk;
    x.resize(P), y.resize(P), m.resize(P), w.resize(P + 1);
    for (int p = 0; p < P; ++p) {
        const Eigen::Index n = part_begin(B, P, p + 1) - part_begin(B, P, p);
        x[p].resize(n, S), y[p].resize(n, HA), m[p].resize(n, HA);
    }
}

float BCStep::run(Policy& pi, const Mat& xb, const Mat& yb, const Mat& mb, Rng& head_rng, Adam& opt, float clip_norm) {
    if (!parted) {  // one tape: head mse is the masked MSE of net(xb) and yb
        tape.reset();
        Var<float> loss = pi.loss(tape, xb, yb, mb, head_rng);
        tape.backward(loss);
        const float l = loss.value()(0, 0);
        update_step(opt, clip_norm, l);
        return l;
    }
    // parts: each part's loss is the head's loss of its rows times its share of the terms the head averages
    // over: elements of the mask (mse, tokens, diffusion) or real rows (gmm)
    const bool by_rows = pi.cfg.head.kind == HeadKind::GMM;
    const double whole = by_rows ? real_rows(mb, w.back()) : double(mb.sum());  // real_rows: heads/head.hpp
    const int P = parted->parts();
    for (int p = 0; p < P; ++p) {
        const Eigen::Index r0 = part_begin(xb.rows(), P, p), n = x[p].rows();
        x[p] = xb.middleRows(r0, n), y[p] = yb.middleRows(r0, n), m[p] = mb.middleRows(r0, n);
    }
    const uint64_t step_seed = head_rng.next_u64();  // part p's noise: derive_seed(step_seed, p)
    return parted->run([&](Tape<float>& t, int p) {
        const double mine = by_rows ? real_rows(m[p], w[p]) : double(m[p].sum());
        Rng rng(derive_seed(step_seed, static_cast<uint64_t>(p)));
        return scale(pi.loss(t, x[p], y[p], m[p], rng), static_cast<float>(whole > 0 ? mine / whole : 0.0));
    }, &opt, clip_norm);
}

void EpochLosses::end(BCResult& res, int epoch, const EpochCallback& on_epoch) {
    res.epoch_loss.push_back(static_cast<float>(sum / std::max<long>(batches, 1)));
    if (on_epoch) on_epoch(epoch, res.epoch_loss.back());
}

EpochOrder::EpochOrder(const BCConfig& cfg, Eigen::Index N) : perm(N) {
    std::iota(perm.begin(), perm.end(), 0);
    const long steps_per_epoch = (N + cfg.batch - 1) / cfg.batch;
    total = cfg.steps > 0 ? cfg.steps : steps_per_epoch * cfg.epochs;
}

void EpochOrder::shuffle(Rng& rng) {
    for (Eigen::Index i = Eigen::Index(perm.size()) - 1; i > 0; --i) std::swap(perm[i], perm[rng.below(i + 1)]);
}

void EpochLosses::step(Adam& opt, float clip_norm, float loss, BCResult& res) {
    update_step(opt, clip_norm, loss);
    count(loss, res);
}

BCResult train_bc(const Dataset& data, const BCConfig& cfg, const EpochCallback& on_epoch, const Policy* warm_start) {
    if (data.observations.rows() == 0) throw std::invalid_argument("bc: the dataset is empty");
    if (cfg.batch < 1) throw std::invalid_argument("bc: batch must be >= 1, got " + std::to_string(cfg.batch));
    if (!(cfg.lr > 0)) throw std::invalid_argument("bc: lr must be > 0, got " + std::to_string(cfg.lr));
    if (cfg.epochs < 0 || cfg.steps < 0) throw std::invalid_argument("bc: epochs and steps must be >= 0");
    if (const auto train = head_of(cfg.policy.head.kind).train) return train(data, cfg, on_epoch, warm_start);  // dt: windows

    // 1. cut the episodes into (observation, H-action chunk) windows, H the policy's
    const int H = cfg.policy.chunk;
    ChunkSet w = make_chunks(data, H, cfg.stride);
    const Eigen::Index N = w.obs.rows(), S = w.obs.cols(), A = data.actions.cols(), HA = w.targets.cols();

    // 2. the policy: fresh (PyTorch init) or warm-started; normalisation statistics from the data; the
    //    action range of tokens and diffusion from the data unless configured
    Rng rng(cfg.seed);
    PolicyConfig pc = cfg.policy;
    pc.obs_dim = static_cast<int>(S), pc.act_dim = static_cast<int>(A);
    HeadConfig& head = pc.head;
    if (head.low == head.high && !warm_start) {
        head.low = data.actions.minCoeff(), head.high = data.actions.maxCoeff();
        if (head.low == head.high) head.low -= 1, head.high += 1;  // one constant action: any range holding it
    }
    if (!warm_start) validate_head(head, "bc", true);
    BCResult res{warm_start ? *warm_start : Policy(pc, rng), {}, 0, 0};
    Policy& pi = res.policy;
    if (warm_start && (pi.cfg.obs_dim != S || pi.cfg.act_dim != A || pi.cfg.chunk != H))
        throw std::invalid_argument("bc: warm-start policy's dimensions do not match the data");
    if (warm_start && pi.cfg.head.kind != head.kind)
        throw std::invalid_argument(std::string("bc: warm-start policy has head ") + head_name(pi.cfg.head.kind) +
                                    ", the config asks for " + head_name(head.kind));
    if (!warm_start && cfg.normalize) pi.norm = fit_normalizer(data.observations, data.actions);
    pi.env = data.env;
    pi.data_seeds = data.seeds;
    if (pi.norm.enabled) {
        w.obs = (w.obs.rowwise() - pi.norm.obs_mean.row(0)).array().rowwise() / pi.norm.obs_std.row(0).array();
        for (int h = 0; h < H; ++h) {
            auto blk = w.targets.middleCols(h * A, A);
            blk = (blk.rowwise() - pi.norm.act_mean.row(0)).array().rowwise() / pi.norm.act_std.row(0).array();
        }
        w.targets.array() *= w.mask.array();  // padding stays exactly 0
    }

    // 3. Adam over the policy's parameters; minibatch buffers allocated once; the heads' noise (CVAE ε,
    //    diffusion steps) from a stream of its own, so the MSE head's init and shuffles stay the seed's
    Adam opt(pi.parameters(), {.lr = cfg.lr, .weight_decay = cfg.weight_decay});
    Rng head_rng(derive_seed(cfg.seed, 1));
    const Eigen::Index B = cfg.batch;
    Mat xb(B, S), yb(B, HA), mb(B, HA);
    EpochOrder order(cfg, N);
    BCStep step(pi, B);

    // 4. epochs of shuffled minibatches: forward, masked loss (MSE or the head's), backward, (clip),
    //    guarded Adam step. Padded chunk elements have mask 0 in every head's loss (see each head's header).
    for (int epoch = 0; res.steps < order.total; ++epoch) {
        order.shuffle(rng);
        EpochLosses losses;
        for (Eigen::Index start = 0; start < N && res.steps < order.total; start += B) {
            const Eigen::Index n = std::min(B, N - start);
            for (Eigen::Index r = 0; r < B; ++r) {  // (rows are contiguous: plain copies, no Eigen block per row)
                const Eigen::Index src = order.perm[r < n ? start + r : start];  // padding rows repeat a real one
                std::copy_n(w.obs.data() + src * S, S, xb.data() + r * S);
                std::copy_n(w.targets.data() + src * HA, HA, yb.data() + r * HA);
                if (r < n) std::copy_n(w.mask.data() + src * HA, HA, mb.data() + r * HA);
                else std::fill_n(mb.data() + r * HA, HA, 0.0f);
            }
            losses.count(step.run(pi, xb, yb, mb, head_rng, opt, cfg.clip_norm), res);  // forward, backward, update
        }
        losses.end(res, epoch, on_epoch);
    }
    res.refused = opt.refused;
    return res;
}

}  // namespace imitate
