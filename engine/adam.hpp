// The Adam update, one fused loop over a parameter's elements (autograd/optim.cpp calls it per parameter, or
// per block of one when a data-parallel step spreads the update over threads). The loop vectorises
// (restrict pointers, -fno-math-errno) and its arithmetic is PyTorch's.
#pragma once

#include "engine/tensor.hpp"

namespace imitate {

// Adam with PyTorch's semantics (torch.optim.Adam, not AdamW): step t >= 1,
//   g ← g + wd·p;  m ← b1·m + (1-b1)·g;  v ← b2·v + (1-b2)·g²
//   p ← p − lr · (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
// n elements from p, g, m, v. Runs the x86-64 level the CPU has (engine/adam.cpp).
void adam_update(float* p, const float* g, float* m, float* v, Eigen::Index n, float lr, float b1, float b2, float eps,
                 float wd, long t);
// p, g, m, v: the same shape.
inline void adam_update(Mat& p, const Mat& g, Mat& m, Mat& v, float lr, float b1, float b2, float eps, float wd, long t) {
    adam_update(p.data(), g.data(), m.data(), v.data(), p.size(), lr, b1, b2, eps, wd, t);
}

}  // namespace imitate
