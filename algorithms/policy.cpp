// Policy: the networks, normalisation, and the head's row (heads/head.hpp) for sizes, predict() and loss().
// predict() normalises in a copy of the observations, runs the head's tape-free inference path and maps the
// chunk back to action units.
#include "algorithms/policy.hpp"

#include <cmath>
#include <stdexcept>

namespace imitate {

// The acting MLP for the configured head (see policy.hpp): sizes {inputs, hidden..., outputs}, or none when
// the head builds its own model.
static MLP make_net(const PolicyConfig& c, Rng& rng) {
    if (c.obs_dim < 1 || c.act_dim < 1 || c.chunk < 1)
        throw std::invalid_argument("policy: obs_dim, act_dim and chunk must be >= 1 (got " + std::to_string(c.obs_dim) +
                                    ", " + std::to_string(c.act_dim) + ", " + std::to_string(c.chunk) + ")");
    validate_head(c.head, "policy", true);
    if (head_of(c.head.kind).model) return MLP();
    const HeadWidths w = head_of(c.head.kind).widths(c.head, c.obs_dim, c.act_dim * c.chunk);
    std::vector<int> s{static_cast<int>(w.in)};
    s.insert(s.end(), c.hidden.begin(), c.hidden.end());
    s.push_back(static_cast<int>(w.out));
    return MLP(s, c.activation, rng);
}

Policy::Policy(const PolicyConfig& c, Rng& rng) : cfg(c), net(make_net(c, rng)) {
    if (const auto build = head().model) model = HeadModelBox(build(c.head, c.obs_dim, c.act_dim, c.chunk, rng));
    else if (const auto sizes = head().encoder_sizes)
        encoder.emplace(sizes(c.head, c.obs_dim, c.act_dim * c.chunk, c.hidden), c.activation, rng, "encoder.");
}

std::vector<Param*> Policy::parameters() {
    std::vector<Param*> ps = net.parameters();
    if (encoder)
        for (Param* p : encoder->parameters()) ps.push_back(p);
    if (model)
        for (Param* p : model->parameters()) ps.push_back(p);
    return ps;
}

ActionRange Policy::action_range() const {
    ActionRange r{cfg.head.low, cfg.head.high, cfg.act_dim};
    if (norm.enabled) r.act_mean = &norm.act_mean, r.act_std = &norm.act_std;
    return r;
}

// Observations into working space (s.obs when normalising), the head, then the chunk back to action units.
static void predict_impl(const Policy& p, const Mat& obs, Mat& out, PolicyScratch& s, Rng* rng) {
    const PolicyConfig& cfg = p.cfg;
    const Normalizer& norm = p.norm;
    if (obs.cols() != cfg.obs_dim)
        throw std::invalid_argument("policy: observations have shape " + shape_str(obs) + ", expected (B," +
                                    std::to_string(cfg.obs_dim) + ")");
    const Mat* x = &obs;
    if (norm.enabled) {
        s.obs = (obs.rowwise() - norm.obs_mean.row(0)).array().rowwise() / norm.obs_std.row(0).array();
        x = &s.obs;
    }
    if (p.model) p.head().model_predict(cfg.head, p.action_range(), *p.model, *x, out, s.head, rng);
    else p.head().predict(cfg.head, p.action_range(), p.net, *x, out, s.net, s.head, rng);
    if (!norm.enabled) return;
    const int A = cfg.act_dim;
    for (int h = 0; h < cfg.chunk; ++h) {
        auto blk = out.middleCols(h * A, A);
        blk = (blk.array().rowwise() * norm.act_std.row(0).array()).rowwise() + norm.act_mean.row(0).array();
    }
}

void Policy::predict(const Mat& obs, Mat& out, PolicyScratch& s) const { predict_impl(*this, obs, out, s, nullptr); }
void Policy::predict(const Mat& obs, Mat& out, PolicyScratch& s, Rng& rng) const { predict_impl(*this, obs, out, s, &rng); }

Var<float> Policy::loss(Tape<float>& tape, const Mat& obs, const Mat& target, const Mat& mask, Rng& rng) {
    if (model) return head().model_loss(cfg.head, action_range(), tape, *model, obs, target, mask, rng);
    return head().loss(cfg.head, action_range(), tape, net, encoder ? &*encoder : nullptr, obs, target, mask, rng);
}

BatchPolicy Policy::as_batch_policy() const {
    auto scratch = std::make_shared<PolicyScratch>();
    return [this, scratch](const Mat& obs, Mat& out) { predict(obs, out, *scratch); };
}

void Policy::start(PolicyScratch& s, int B, double target) const {
    if (B < 1) throw std::invalid_argument("policy: start needs B >= 1, got " + std::to_string(B));
    if (!std::isnan(target) && !std::isfinite(target))
        throw std::invalid_argument("policy: the target return must be finite, got " + std::to_string(target));
    if (head().start) head().start(cfg.head, *model, s.head, B, target);
}

void Policy::reward(PolicyScratch& s, const double* rewards, int B) const {
    if (head().reward) head().reward(s.head, rewards, B);
}

BatchPolicy Policy::as_batch_policy(PolicyFeedback& fb, double target) const {
    auto scratch = std::make_shared<PolicyScratch>();
    fb = {};
    if (stateful()) {
        fb.start = [this, scratch, target](int N) { start(*scratch, N, target); };
        fb.reward = [this, scratch](const std::vector<double>& r) { reward(*scratch, r.data(), static_cast<int>(r.size())); };
    }
    return [this, scratch](const Mat& obs, Mat& out) { predict(obs, out, *scratch); };
}

BatchPolicy Policy::as_sampling_policy(uint64_t seed) const {
    auto scratch = std::make_shared<PolicyScratch>();
    auto rng = std::make_shared<Rng>(seed);
    return [this, scratch, rng](const Mat& obs, Mat& out) { predict(obs, out, *scratch, *rng); };
}

DeployedPolicy::DeployedPolicy(Policy p)
    : policy_(std::make_unique<const Policy>(std::move(p))), packed_(policy_->net) {}

namespace {
// The scratch points at the packed weights for this call only: a scratch used afterwards with another
// policy (or this one's training copy) must not find them.
struct PackedFor {
    MLPScratch& s;
    PackedFor(MLPScratch& s, const PackedMLP& p) : s(s) { s.packed = &p; }
    ~PackedFor() { s.packed = nullptr; }
};
}  // namespace

void DeployedPolicy::predict(const Mat& obs, Mat& out, PolicyScratch& s) const {
    PackedFor use(s.net, packed_);
    policy_->predict(obs, out, s);
}
void DeployedPolicy::predict(const Mat& obs, Mat& out, PolicyScratch& s, Rng& rng) const {
    PackedFor use(s.net, packed_);
    policy_->predict(obs, out, s, rng);
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
