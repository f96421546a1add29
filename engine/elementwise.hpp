// Elementwise kernels in forward/backward pairs, and the Adam update. Header-only: each is one loop that
// the compiler vectorises. Shapes: all arguments have the same shape; backward kernels accumulate (+=).
#pragma once
#include <cmath>

#include "engine/tensor.hpp"

namespace imitate {

// out = max(x, 0);  dx += dout * [x > 0]
template <class T>
void relu_forward(MatT<T>& out, const MatT<T>& x) { out = x.cwiseMax(T(0)); }
template <class T>
void relu_backward(MatT<T>& dx, const MatT<T>& dout, const MatT<T>& x) {
    dx.array() += (x.array() > T(0)).select(dout.array(), T(0));
}

// out = tanh(x);  dx += dout * (1 - out²)
template <class T>
void tanh_forward(MatT<T>& out, const MatT<T>& x) { out = x.array().tanh().matrix(); }
template <class T>
void tanh_backward(MatT<T>& dx, const MatT<T>& dout, const MatT<T>& out) {
    dx.array() += dout.array() * (T(1) - out.array().square());
}

// out = 1 / (1 + e^-x);  dx += dout * out * (1 - out)
template <class T>
void sigmoid_forward(MatT<T>& out, const MatT<T>& x) { out = (T(1) / (T(1) + (-x.array()).exp())).matrix(); }
template <class T>
void sigmoid_backward(MatT<T>& dx, const MatT<T>& dout, const MatT<T>& out) {
    dx.array() += dout.array() * out.array() * (T(1) - out.array());
}

// out = log(1 + e^x), computed as max(x,0) + log1p(e^-|x|) so it never overflows;  dx += dout * sigmoid(x)
template <class T>
void softplus_forward(MatT<T>& out, const MatT<T>& x) {
    out = (x.array().max(T(0)) + (-x.array().abs()).exp().log1p()).matrix();
}
template <class T>
void softplus_backward(MatT<T>& dx, const MatT<T>& dout, const MatT<T>& x) {
    dx.array() += dout.array() / (T(1) + (-x.array()).exp());
}

// Adam with PyTorch's semantics (torch.optim.Adam, not AdamW): step t >= 1,
//   g ← g + wd·p;  m ← b1·m + (1-b1)·g;  v ← b2·v + (1-b2)·g²
//   p ← p − lr · (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
// n elements from p, g, m, v; t is the step number (>= 1). The Mat overload updates whole matrices.
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

// True when every element is finite (neither NaN nor ±inf).
template <class T>
bool all_finite(const MatT<T>& x) { return x.allFinite(); }

}  // namespace imitate
