// Linear-layer kernels: out = x·Wᵀ + b and its backward, each beside a naive reference kernel that is the
// specification (tests check fast == naive). Work is split over output rows (or output columns for tiny
// batches) in chunks whose boundaries depend only on the shapes, never on the thread count, and no thread
// ever sums into another's output: any number of threads gives identical bytes.
// No allocation on the hot path: outputs are resized only when their shape changes, and Eigen's GEMM
// packs into stack buffers (EIGEN_STACK_ALLOCATION_LIMIT is raised in meson.build).
#pragma once
#include <cstdlib>
#include <memory>

#include "engine/tensor.hpp"

namespace imitate {

// x (B,I), W (O,I), b (1,O) or null, out (B,O) = x·Wᵀ + b. out is resized to (B,O) if needed.
// Throws std::invalid_argument naming both shapes when I or O disagree.
template <class T>
void linear_forward(MatT<T>& out, const MatT<T>& x, const MatT<T>& W, const MatT<T>* b);

// A copy of a layer's W (O,I) laid out for small-batch inference (engine/gemm.hpp pack_gemv_weights: one
// sequential stream per product instead of rows 1 KB apart), 64-byte aligned. A snapshot: it knows nothing
// of later changes to W, so whoever makes one must keep W as it was (algorithms/policy.hpp DeployedPolicy
// owns both). Empty (`data` null) when the CPU's level has no packed GEMV or the layer has fewer than 16
// outputs (the row GEMV serves those as fast).
struct PackedWeights {
    int level = -1;  // the Isa it was made for (linear_forward_packed uses it only while isa() is that level)
    int out = 0, in = 0;
    std::unique_ptr<float[], decltype(&std::free)> data{nullptr, &std::free};

    PackedWeights() = default;
    explicit PackedWeights(const Mat& W);
    PackedWeights(const PackedWeights& o);
    PackedWeights& operator=(const PackedWeights& o);
    PackedWeights(PackedWeights&&) = default;
    PackedWeights& operator=(PackedWeights&&) = default;
};

// out = x·Wᵀ + b with linear_forward's bytes, reading p instead of W when p applies (made for this level and
// W's shape, x has fewer than 16 rows); otherwise linear_forward itself. p must be a copy of this W.
void linear_forward_packed(Mat& out, const Mat& x, const Mat& W, const PackedWeights& p, const Mat* b);

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
