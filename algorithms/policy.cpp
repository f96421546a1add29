// Policy: MLP trunk plus normalisation. predict() normalises in a copy of the observations, runs the
// tape-free inference path and maps the chunk back to action units.
#include "algorithms/policy.hpp"

#include <stdexcept>

namespace imitate {

static std::vector<int> layer_sizes(const PolicyConfig& c) {
    if (c.obs_dim < 1 || c.act_dim < 1 || c.chunk < 1)
        throw std::invalid_argument("policy: obs_dim, act_dim and chunk must be >= 1 (got " + std::to_string(c.obs_dim) +
                                    ", " + std::to_string(c.act_dim) + ", " + std::to_string(c.chunk) + ")");
    std::vector<int> s{c.obs_dim};
    s.insert(s.end(), c.hidden.begin(), c.hidden.end());
    s.push_back(c.act_dim * c.chunk);
    return s;
}

Policy::Policy(const PolicyConfig& c, Rng& rng) : cfg(c), net(layer_sizes(c), c.activation, rng) {}

void Policy::predict(const Mat& obs, Mat& out, MLPScratch& s) const {
    if (obs.cols() != cfg.obs_dim)
        throw std::invalid_argument("policy: observations have shape " + shape_str(obs) + ", expected (B," +
                                    std::to_string(cfg.obs_dim) + ")");
    if (!norm.enabled) {
        net.infer(obs, out, s);
        return;
    }
    // s.h[0] and s.h[1] are the MLP's own buffers; the normalised input needs a third.
    Mat& xn = s.in;
    xn = (obs.rowwise() - norm.obs_mean.row(0)).array().rowwise() / norm.obs_std.row(0).array();
    net.infer(xn, out, s);
    const int A = cfg.act_dim;
    for (int h = 0; h < cfg.chunk; ++h) {
        auto blk = out.middleCols(h * A, A);
        blk = (blk.array().rowwise() * norm.act_std.row(0).array()).rowwise() + norm.act_mean.row(0).array();
    }
}

BatchPolicy Policy::as_batch_policy() const {
    auto scratch = std::make_shared<MLPScratch>();
    return [this, scratch](const Mat& obs, Mat& out) { predict(obs, out, *scratch); };
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
