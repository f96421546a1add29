// Elementwise kernels in forward/backward pairs (the Adam update is engine/adam.hpp). Header-only: each is
// one loop that the compiler vectorises. Shapes: all arguments have the same shape; backward kernels accumulate (+=).
#pragma once
#include <cmath>

#include "engine/tensor.hpp"

namespace imitate {

// out = max(x, 0);  dx += dout * [x > 0]  (assign: dx = dout * [x > 0], dx's old contents unread)
template <class T>
void relu_forward(MatT<T>& out, const MatT<T>& x) { out = x.cwiseMax(T(0)); }
template <class T>
void relu_backward(MatT<T>& dx, const MatT<T>& dout, const MatT<T>& x, bool assign = false) {
    // A plain loop whose loads are unconditional, so the compiler turns the choice into a vector mask at any
    // x86-64 level. Eigen's select has no SSE2 packet and branched on every element (a fifth of a training
    // step in a default build).
    T* __restrict d = dx.data();
    const T* __restrict g = dout.data();
    const T* __restrict v = x.data();
    const Eigen::Index n = dx.size();
    if (assign)
        for (Eigen::Index i = 0; i < n; ++i) {
            const T gi = g[i], keep = v[i] > T(0) ? gi : T(0);  // (g[i] inside the ?: is a branch at SSE2)
            d[i] = keep;
        }
    else
        for (Eigen::Index i = 0; i < n; ++i) {
            const T gi = g[i], keep = v[i] > T(0) ? gi : T(0);
            d[i] += keep;
        }
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

// True when every element is finite (neither NaN nor ±inf).
template <class T>
bool all_finite(const MatT<T>& x) { return x.allFinite(); }

}  // namespace imitate
