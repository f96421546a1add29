// Adam, clipping and the finite-step guard. The arithmetic of one update is the engine's adam_update.
#include "autograd/optim.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
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
    for (size_t i = 0; i < params.size(); ++i) update_block(static_cast<int>(i), 0, params[i]->value.size());
    ++t;
}

void Adam::update_block(int i, Eigen::Index offset, Eigen::Index n) {
    const auto k = static_cast<size_t>(i);
    adam_update(params[k]->value.data() + offset, params[k]->grad.data() + offset, m[k].data() + offset,
                v[k].data() + offset, n, cfg.lr, cfg.beta1, cfg.beta2, cfg.eps, cfg.weight_decay, t + 1);
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
    for (size_t i = 0; finite && i < params.size(); ++i) finite = all_finite(params[i]->grad.data(), params[i]->grad.size());
    if (!finite) {
        record(false);
        return false;
    }
    for (size_t i = 0; i < params.size(); ++i) update_block(static_cast<int>(i), 0, params[i]->value.size());
    record(true);
    return true;
}

void Adam::record(bool taken) {
    if (taken) {
        ++t;
        refused_in_a_row = 0;
        return;
    }
    ++refused;
    if (++refused_in_a_row >= cfg.max_refusals)
        throw std::runtime_error("training diverged: " + std::to_string(refused_in_a_row) +
                                 " consecutive steps with a non-finite loss or gradient (lower the learning rate?)");
}

void Adam::zero_grad() {
    for (Param* p : params) p->grad.setZero();
}

// Compiled per x86-64 level like engine/adam.cpp's update (a default build's SSE2 loop was 3% of a step).
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
bool all_finite(const float* g, Eigen::Index n) {
    uint32_t bad = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        uint32_t bits;
        std::memcpy(&bits, g + i, sizeof bits);
        bad |= (bits & 0x7f800000u) == 0x7f800000u;  // exponent all ones: inf or NaN
    }
    return bad == 0;
}

double sum_squares(const float* g, Eigen::Index n) {
    double s[8] = {};
    Eigen::Index i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) s[j] += double(g[i + j]) * double(g[i + j]);
    for (; i < n; ++i) s[i % 8] += double(g[i]) * double(g[i]);
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

float clip_coefficient(double norm, float max_norm) {
    const float coef = max_norm / (static_cast<float>(norm) + 1e-6f);
    return coef < 1.0f ? coef : 1.0f;
}

float clip_grad_norm(const std::vector<Param*>& params, float max_norm) {
    double sq = 0.0;
    for (const ParamBlock& b : param_blocks(params))
        sq += sum_squares(params[static_cast<size_t>(b.param)]->grad.data() + b.offset, b.size);
    const double norm = std::sqrt(sq);
    const float coef = clip_coefficient(norm, max_norm);
    if (coef < 1.0f)
        for (Param* p : params) p->grad *= coef;
    return static_cast<float>(norm);
}

bool update_step(Adam& opt, float clip_norm, float loss) {
    if (clip_norm > 0) clip_grad_norm(opt.params, clip_norm);
    const bool taken = opt.guarded_step(loss);
    opt.zero_grad();
    return taken;
}

}  // namespace imitate
