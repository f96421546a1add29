// Decision Transformer training, top to bottom, in the shape of train_bc: every minibatch has the full batch
// shape (the last one of an epoch repeats a real window with its mask zeroed), so the tape and the kernels
// see the same shapes at every step and 1 and 2 threads give the same bytes.
#include "algorithms/decision_transformer.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "algorithms/heads/dt.hpp"

namespace imitate {

BCResult train_dt(const Dataset& data, const BCConfig& cfg, const std::function<void(int, float)>& on_epoch,
                  const Policy* warm_start) {
    if (data.size() == 0) throw std::invalid_argument("dt: the dataset is empty");
    if (cfg.policy.chunk != 1)
        throw std::invalid_argument("dt: chunk must be 1 (the Decision Transformer predicts one action per step), got " +
                                    std::to_string(cfg.policy.chunk));
    if (cfg.batch < 1) throw std::invalid_argument("dt: batch must be >= 1, got " + std::to_string(cfg.batch));
    if (!(cfg.lr > 0)) throw std::invalid_argument("dt: lr must be > 0, got " + std::to_string(cfg.lr));
    if (cfg.epochs < 0 || cfg.steps < 0) throw std::invalid_argument("dt: epochs and steps must be >= 0");
    const Eigen::Index N = data.size(), S = data.observations.cols(), A = data.actions.cols();

    // 1. returns-to-go per row (undiscounted, per episode) and the settings the data decides
    const std::vector<double> rtg = returns_to_go(data);
    const std::vector<int64_t> starts = episode_starts(data);
    HeadConfig head = cfg.policy.head;
    double best = -INFINITY, largest = 0;
    int64_t longest = 0;
    for (int64_t e = 0; e < data.num_episodes(); ++e) {
        const auto [b, end] = data.episode_range(e);
        best = std::max(best, rtg[b]), largest = std::max(largest, std::abs(rtg[b])), longest = std::max(longest, end - b);
    }
    if (head.max_timestep == 0) head.max_timestep = static_cast<int>(std::min<int64_t>(longest, 1 << 20));
    if (head.return_scale == 0) head.return_scale = largest > 0 ? static_cast<float>(largest) : 1.0f;
    head.target_return = static_cast<float>(best);
    validate_head(head, "dt", false);

    // 2. the policy (fresh or warm-started) and the data in its working space
    Rng rng(cfg.seed);
    PolicyConfig pc{static_cast<int>(S), static_cast<int>(A), 1, cfg.policy.hidden, cfg.policy.activation, head};
    BCResult res{warm_start ? *warm_start : Policy(pc, rng), {}, 0, 0};
    Policy& pi = res.policy;
    if (warm_start && (pi.cfg.head.kind != HeadKind::DT || pi.cfg.obs_dim != S || pi.cfg.act_dim != A))
        throw std::invalid_argument("dt: the warm-start policy is not a Decision Transformer of the data's sizes");
    if (!warm_start && cfg.normalize) pi.norm = fit_normalizer(data.observations, data.actions);
    pi.env = data.env;
    pi.data_seeds = data.seeds;
    Mat obs = data.observations, act = data.actions;
    if (pi.norm.enabled) {
        obs = (obs.rowwise() - pi.norm.obs_mean.row(0)).array().rowwise() / pi.norm.obs_std.row(0).array();
        act = (act.rowwise() - pi.norm.act_mean.row(0)).array().rowwise() / pi.norm.act_std.row(0).array();
    }
    DecisionTransformer& dt = dt_model(*pi.model);

    // 3. Adam over the transformer's parameters; one tape and one batch, reused
    Adam opt(pi.parameters(), {.lr = cfg.lr, .weight_decay = cfg.weight_decay});
    const Eigen::Index B = cfg.batch, K = dt.cfg.context;
    EpochOrder order(cfg, N);
    std::vector<int64_t> ends(B);
    DTBatch batch;
    Tape<float> tape;

    // 4. epochs over the steps of the data in shuffled order, each the last step of one window: forward,
    //    masked MSE on the real steps, backward, (clip), guarded Adam step
    for (int epoch = 0; res.steps < order.total; ++epoch) {
        order.shuffle(rng);
        EpochLosses losses;
        for (Eigen::Index first = 0; first < N && res.steps < order.total; first += B) {
            const Eigen::Index n = std::min(B, N - first);
            for (Eigen::Index b = 0; b < B; ++b) ends[b] = order.perm[b < n ? first + b : first];  // padding repeats a real one
            dt_batch(dt.cfg, obs, act, rtg, starts, ends, batch);
            if (n < B) batch.mask.bottomRows((B - n) * K).setZero();
            tape.reset();
            Var<float> loss = dt_loss(dt, tape, batch);
            tape.backward(loss);
            const float l = loss.value()(0, 0);
            losses.step(opt, cfg.clip_norm, l, res);
        }
        losses.end(res, epoch, on_epoch);
    }
    res.refused = opt.refused;
    return res;
}

}  // namespace imitate
