// Policy: the networks, normalisation, and one switch over the head in each of predict() and loss().
// predict() normalises in a copy of the observations, runs the tape-free inference path and maps the chunk
// back to action units.
#include "algorithms/policy.hpp"

#include <stdexcept>

#include "algorithms/heads/cvae.hpp"
#include "algorithms/heads/diffusion.hpp"
#include "algorithms/heads/gmm.hpp"
#include "algorithms/heads/tokens.hpp"
#include "autograd/losses.hpp"

namespace imitate {

// The acting network's sizes {inputs, hidden..., outputs} for the configured head (see policy.hpp).
static std::vector<int> layer_sizes(const PolicyConfig& c) {
    if (c.obs_dim < 1 || c.act_dim < 1 || c.chunk < 1)
        throw std::invalid_argument("policy: obs_dim, act_dim and chunk must be >= 1 (got " + std::to_string(c.obs_dim) +
                                    ", " + std::to_string(c.act_dim) + ", " + std::to_string(c.chunk) + ")");
    validate_head(c.head, "policy", true);
    const int S = c.obs_dim, D = c.act_dim * c.chunk;
    int in = S, out = D;
    switch (c.head.kind) {
        case HeadKind::MSE: break;
        case HeadKind::GMM: out = gmm_outputs(D, c.head.components); break;
        case HeadKind::Tokens: out = token_outputs(D, c.head); break;
        case HeadKind::CVAE: in = S + c.head.latent; break;
        case HeadKind::Diffusion: in = diffusion_inputs(S, D, c.head.embed); break;
    }
    std::vector<int> s{in};
    s.insert(s.end(), c.hidden.begin(), c.hidden.end());
    s.push_back(out);
    return s;
}

Policy::Policy(const PolicyConfig& c, Rng& rng) : cfg(c), net(layer_sizes(c), c.activation, rng) {
    if (c.head.kind == HeadKind::CVAE)
        encoder.emplace(cvae_encoder_sizes(c.obs_dim, c.act_dim * c.chunk, c.hidden, c.head.latent), c.activation, rng, "encoder.");
}

std::vector<Param*> Policy::parameters() {
    std::vector<Param*> ps = net.parameters();
    if (encoder)
        for (Param* p : encoder->parameters()) ps.push_back(p);
    return ps;
}

ActionRange Policy::action_range() const {
    ActionRange r{cfg.head.low, cfg.head.high, cfg.act_dim};
    if (norm.enabled) r.act_mean = &norm.act_mean, r.act_std = &norm.act_std;
    return r;
}

// Observations into working space (s.in when normalising), the head, then the chunk back to action units.
static void predict_impl(const Policy& p, const Mat& obs, Mat& out, MLPScratch& s, Rng* rng) {
    const PolicyConfig& cfg = p.cfg;
    const Normalizer& norm = p.norm;
    if (obs.cols() != cfg.obs_dim)
        throw std::invalid_argument("policy: observations have shape " + shape_str(obs) + ", expected (B," +
                                    std::to_string(cfg.obs_dim) + ")");
    // s.h[0] and s.h[1] are the MLP's own buffers; the normalised input needs a third.
    const Mat* x = &obs;
    if (norm.enabled) {
        s.in = (obs.rowwise() - norm.obs_mean.row(0)).array().rowwise() / norm.obs_std.row(0).array();
        x = &s.in;
    }
    switch (cfg.head.kind) {
        case HeadKind::MSE: p.net.infer(*x, out, s); break;
        case HeadKind::GMM:
            p.net.infer(*x, s.aux[1], s);
            gmm_decode(cfg.head, s.aux[1], out, rng);
            break;
        case HeadKind::Tokens:
            p.net.infer(*x, s.aux[1], s);
            token_decode(cfg.head, p.action_range(), s.aux[1], out, rng);
            break;
        case HeadKind::CVAE: cvae_predict(cfg.head, p.net, *x, out, s, rng); break;
        case HeadKind::Diffusion: diffusion_predict(cfg.head, p.action_range(), p.net, *x, out, s, rng); break;
    }
    if (!norm.enabled) return;
    const int A = cfg.act_dim;
    for (int h = 0; h < cfg.chunk; ++h) {
        auto blk = out.middleCols(h * A, A);
        blk = (blk.array().rowwise() * norm.act_std.row(0).array()).rowwise() + norm.act_mean.row(0).array();
    }
}

void Policy::predict(const Mat& obs, Mat& out, MLPScratch& s) const { predict_impl(*this, obs, out, s, nullptr); }
void Policy::predict(const Mat& obs, Mat& out, MLPScratch& s, Rng& rng) const { predict_impl(*this, obs, out, s, &rng); }

Var<float> Policy::loss(Tape<float>& tape, const Mat& obs, const Mat& target, const Mat& mask, Rng& rng) {
    switch (cfg.head.kind) {
        case HeadKind::MSE: return mse(net.forward(tape.input(obs)), tape.input(target), tape.input(mask));
        case HeadKind::GMM: return gmm_loss(cfg.head, net.forward(tape.input(obs)), target, mask);
        case HeadKind::Tokens: return token_loss(cfg.head, action_range(), net.forward(tape.input(obs)), target, mask);
        case HeadKind::CVAE: return cvae_loss(cfg.head, tape, net, *encoder, obs, target, mask, rng);
        case HeadKind::Diffusion: return diffusion_loss(cfg.head, action_range(), tape, net, obs, target, mask, rng);
    }
    throw std::logic_error("policy: unknown head");
}

BatchPolicy Policy::as_batch_policy() const {
    auto scratch = std::make_shared<MLPScratch>();
    return [this, scratch](const Mat& obs, Mat& out) { predict(obs, out, *scratch); };
}

BatchPolicy Policy::as_sampling_policy(uint64_t seed) const {
    auto scratch = std::make_shared<MLPScratch>();
    auto rng = std::make_shared<Rng>(seed);
    return [this, scratch, rng](const Mat& obs, Mat& out) { predict(obs, out, *scratch, *rng); };
}

Normalizer fit_normalizer(const Mat& obs, const Mat& actions) {
    if (obs.rows() == 0) throw std::invalid_argument("normalizer: no observations");
    auto stats = [](const Mat& x, Mat& mean, Mat& std) {
        Eigen::RowVectorXd m = x.cast<double>().colwise().mean();
        Eigen::RowVectorXd v = (x.cast<double>().rowwise() - m).array().square().colwise().mean();
        mean = m.cast<float>();
        std = v.array().sqrt().cast<float>();
        for (Eigen::Index j = 0; j < std.cols(); ++j)
            if (!(std(0, j) >= 1e-6f)) std(0, j) = 1.0f;
    };
    Normalizer n;
    n.enabled = true;
    stats(obs, n.obs_mean, n.obs_std);
    stats(actions, n.act_mean, n.act_std);
    return n;
}

}  // namespace imitate
