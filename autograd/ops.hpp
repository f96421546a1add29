// The differentiable ops. Every op works on float (training) and double (gradient checks); each is
// defined in ops.cpp as a backward rule (with its derivative in one comment) directly above the forward
// computation that installs it on the node: read each pair bottom-up, forward first.
// Shapes use R rows, C cols. Broadcasting (add, sub, mul): b is (R,C), (1,C) (one row, repeated down
// the rows) or (R,1) (one column, repeated across). Shape errors throw std::invalid_argument naming both
// shapes. Every op declared here must be in the gradient-check registry (tests/test_gradcheck.cpp).
#pragma once
#include "autograd/tape.hpp"

namespace imitate {

// x (B,I), W (O,I), b (1,O) -> (B,O) = x·Wᵀ + b   (the linear layer: one fused op around the engine kernel)
template <class T> Var<T> linear(Var<T> x, Var<T> W, Var<T> b);
// a (R,C), b broadcastable -> (R,C)
template <class T> Var<T> add(Var<T> a, Var<T> b);
template <class T> Var<T> sub(Var<T> a, Var<T> b);
template <class T> Var<T> mul(Var<T> a, Var<T> b);
// x (R,C) -> (R,C): s·x and x + s for a constant scalar s
template <class T> Var<T> scale(Var<T> x, T s);
template <class T> Var<T> add_scalar(Var<T> x, T s);
// elementwise, x (R,C) -> (R,C). log requires x > 0.
template <class T> Var<T> relu(Var<T> x);
template <class T> Var<T> tanh(Var<T> x);
template <class T> Var<T> sigmoid(Var<T> x);
template <class T> Var<T> softplus(Var<T> x);
template <class T> Var<T> exp(Var<T> x);
template <class T> Var<T> log(Var<T> x);
template <class T> Var<T> square(Var<T> x);
// reductions: x (R,C) -> (1,1) over all elements, or -> (R,1) over each row
template <class T> Var<T> sum(Var<T> x);
template <class T> Var<T> mean(Var<T> x);
template <class T> Var<T> sum_rows(Var<T> x);
template <class T> Var<T> mean_rows(Var<T> x);
// x (R,C) -> (r,c) with r·c = R·C, same row-major element order
template <class T> Var<T> reshape(Var<T> x, Eigen::Index r, Eigen::Index c);
// x (R,C) -> (R,w): columns [c0, c0+w)
template <class T> Var<T> slice_cols(Var<T> x, Eigen::Index c0, Eigen::Index w);
// a (R,Ca), b (R,Cb) -> (R,Ca+Cb)
template <class T> Var<T> concat_cols(Var<T> a, Var<T> b);
// x (R,C) -> (R,C): x − logsumexp of its row (stable: shifts by the row max)
template <class T> Var<T> log_softmax(Var<T> x);
// x (R,C) -> (R,1): log Σ_c exp(x[r,c]) (stable)
template <class T> Var<T> logsumexp(Var<T> x);

}  // namespace imitate
