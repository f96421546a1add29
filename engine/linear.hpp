// Linear-layer kernels: out = x·Wᵀ + b and its backward, each beside a naive reference kernel that is the
// specification (tests check fast == naive). Work is split over output rows (or output columns for tiny
// batches) in chunks whose boundaries depend only on the shapes, never on the thread count, and no thread
// ever sums into another's output: any number of threads gives identical bytes.
// No allocation on the hot path: outputs are resized only when their shape changes, and Eigen's GEMM
// packs into stack buffers (EIGEN_STACK_ALLOCATION_LIMIT is raised in meson.build).
#pragma once
#include "engine/tensor.hpp"

namespace imitate {

// x (B,I), W (O,I), b (1,O) or null, out (B,O) = x·Wᵀ + b. out is resized to (B,O) if needed.
// Throws std::invalid_argument naming both shapes when I or O disagree.
template <class T>
void linear_forward(MatT<T>& out, const MatT<T>& x, const MatT<T>& W, const MatT<T>* b);

// Which gradients linear_backward writes (=) instead of adding to (+=): a tape's gradient buffer that nothing
// has written this step holds stale values, and writing it saves zeroing it first and reading the zeros back.
struct GradWrite {
    bool dx = false, dW = false, db = false;
};

// dout (B,O), x (B,I), W (O,I). Accumulates (+=) into the non-null gradients, which must already have
// their shapes:  dx (B,I) += dout·W,  dW (O,I) += doutᵀ·x,  db (1,O) += Σ_b dout[b,:]; or writes those
// that `write` names (=). Either way each element is the same sum (+ the old value when adding).
template <class T>
void linear_backward(const MatT<T>& dout, const MatT<T>& x, const MatT<T>& W, MatT<T>* dx, MatT<T>* dW,
                     MatT<T>* db, GradWrite write = {});

// The specification: plain loops, sums in ascending index order.
template <class T>
void linear_forward_naive(MatT<T>& out, const MatT<T>& x, const MatT<T>& W, const MatT<T>* b);
template <class T>
void linear_backward_naive(const MatT<T>& dout, const MatT<T>& x, const MatT<T>& W, MatT<T>* dx, MatT<T>* dW,
                           MatT<T>* db);

}  // namespace imitate
