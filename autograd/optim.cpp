// Adam, clipping and the finite-step guard. The arithmetic of one update is the engine's adam_update.
#include "autograd/optim.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engine/adam.hpp"

namespace imitate {

Adam::Adam(std::vector<Param*> ps, AdamConfig c) : cfg(c), params(std::move(ps)) {
    for (Param* p : params) {
        m.push_back(Mat::Zero(p->value.rows(), p->value.cols()));
        v.push_back(Mat::Zero(p->value.rows(), p->value.cols()));
        if (p->grad.rows() != p->value.rows() || p->grad.cols() != p->value.cols())
            p->grad.setZero(p->value.rows(), p->value.cols());
    }
}

void Adam::step() {
    ++t;
    for (size_t i = 0; i < params.size(); ++i)
        adam_update(params[i]->value, params[i]->grad, m[i], v[i], cfg.lr, cfg.beta1, cfg.beta2, cfg.eps,
                    cfg.weight_decay, t);
}

std::vector<ParamBlock> param_blocks(const std::vector<Param*>& params, Eigen::Index max_size) {
    std::vector<ParamBlock> blocks;
    for (size_t i = 0; i < params.size(); ++i)
        for (Eigen::Index o = 0, n = params[i]->value.size(); o < n; o += max_size)
            blocks.push_back({static_cast<int>(i), o, std::min(max_size, n - o)});
    return blocks;
}

bool Adam::guarded_step(float loss) {
    bool finite = std::isfinite(loss);
    for (size_t i = 0; finite && i < params.size(); ++i) finite = params[i]->grad.allFinite();
    if (!finite) {
        ++refused;
        if (++refused_in_a_row >= cfg.max_refusals)
            throw std::runtime_error("training diverged: " + std::to_string(refused_in_a_row) +
                                     " consecutive steps with a non-finite loss or gradient (lower the learning rate?)");
        return false;
    }
    refused_in_a_row = 0;
    step();
    return true;
}

void Adam::zero_grad() {
    for (Param* p : params) p->grad.setZero();
}

float clip_grad_norm(const std::vector<Param*>& params, float max_norm) {
    double sq = 0.0;
    for (const Param* p : params) sq += p->grad.cast<double>().squaredNorm();
    const float norm = static_cast<float>(std::sqrt(sq));
    const float coef = max_norm / (norm + 1e-6f);
    if (coef < 1.0f)
        for (Param* p : params) p->grad *= coef;
    return norm;
}

}  // namespace imitate
