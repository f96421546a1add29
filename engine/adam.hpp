// The Adam update, one fused loop over a parameter's elements (autograd/optim.cpp calls it per parameter).
// Header-only: the loop vectorises (restrict pointers, -fno-math-errno) and its arithmetic is PyTorch's.
#pragma once
#include <cmath>

#include "engine/tensor.hpp"

namespace imitate {

// Adam with PyTorch's semantics (torch.optim.Adam, not AdamW): step t >= 1,
//   g ← g + wd·p;  m ← b1·m + (1-b1)·g;  v ← b2·v + (1-b2)·g²
//   p ← p − lr · (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
// n elements from p, g, m, v (a whole parameter, or a block of one: Adam::update); t is the step number.
inline void adam_update(float* __restrict pp, const float* __restrict gp, float* __restrict mp, float* __restrict vp,
                        Eigen::Index n, float lr, float b1, float b2, float eps, float wd, long t) {
    // Scalars in double, then rounded once, exactly as torch.optim.Adam (1.13, single-tensor path) does.
    const double bc1 = 1.0 - std::pow(double(b1), double(t));
    const double bc2 = 1.0 - std::pow(double(b2), double(t));
    const float step = static_cast<float>(double(lr) / bc1), bc2_sqrt = static_cast<float>(std::sqrt(bc2));
    // restrict + -fno-math-errno: the loop vectorises (sqrt and all)
    for (Eigen::Index i = 0; i < n; ++i) {
        float gi = wd != 0.0f ? gp[i] + wd * pp[i] : gp[i];
        mp[i] = b1 * mp[i] + (1.0f - b1) * gi;
        vp[i] = b2 * vp[i] + (1.0f - b2) * gi * gi;
        pp[i] -= step * (mp[i] / (std::sqrt(vp[i]) / bc2_sqrt + eps));
    }
}
inline void adam_update(Mat& p, const Mat& g, Mat& m, Mat& v, float lr, float b1, float b2, float eps, float wd,
                        long t) {
    adam_update(p.data(), g.data(), m.data(), v.data(), p.size(), lr, b1, b2, eps, wd, t);
}

}  // namespace imitate
