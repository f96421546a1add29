// Batched matrix products and scaled dot-product attention, each a forward/backward pair beside a naive
// reference that is the specification (tests check fast == naive, and 1 thread == 2 threads byte for byte).
// Layout: N independent slices stacked as row blocks of one row-major matrix, slice i of an (N·M, K)
// matrix being rows [i·M, (i+1)·M). For attention N = B·h (batch × heads), M = T (time).
// Work is split over slices: each slice is computed whole by one thread and writes only its own rows, so
// the result never depends on the thread count. Shape errors throw std::invalid_argument naming both shapes.
#pragma once
#include "engine/tensor.hpp"

namespace imitate {

// a (N·M, K), b (N·K, P) -> out (N·M, P), out_i = a_i·b_i;  with trans_b: b (N·P, K), out_i = a_i·b_iᵀ.
// out is resized. Throws when the row counts do not split into N slices or the inner sizes differ.
template <class T>
void bmm_forward(MatT<T>& out, const MatT<T>& a, const MatT<T>& b, Eigen::Index n, bool trans_b);
// dout (N·M, P). Accumulates (+=) into the non-null gradients (already shaped like a and b):
//   da_i += dout_i·b_iᵀ (trans_b: dout_i·b_i),   db_i += a_iᵀ·dout_i (trans_b: dout_iᵀ·a_i).
template <class T>
void bmm_backward(const MatT<T>& dout, const MatT<T>& a, const MatT<T>& b, Eigen::Index n, bool trans_b, MatT<T>* da,
                  MatT<T>* db);

// q (N·Tq, D), k (N·Tk, D), v (N·Tk, E) -> out (N·Tq, E), P (N·Tq, Tk):
//   P_i = softmax(q_i·k_iᵀ/√D + M), the softmax over each row (stable: shifted by the row max),
//   M = 0, or with `causal` −∞ where key j > query t (a query sees itself and the past; P is exactly 0 there);
//   out_i = P_i·v_i.
// out and P are resized; P is kept for the backward (as PyTorch's unfused path does: O(N·Tq·Tk) memory,
// no recomputation). Throws naming the shapes when they do not split into N slices or D differs.
template <class T>
void attention_forward(MatT<T>& out, MatT<T>& P, const MatT<T>& q, const MatT<T>& k, const MatT<T>& v, Eigen::Index n,
                       bool causal);
// dout (N·Tq, E), P from attention_forward. Accumulates (+=) into the non-null gradients:
//   dv_i += P_iᵀ·dout_i,  dS = P∘(dP − rowsum(P∘dP)) with dP = dout_i·v_iᵀ,
//   dq_i += dS·k_i/√D,   dk_i += dSᵀ·q_i/√D.   (Masked entries have P = 0, hence dS = 0.)
template <class T>
void attention_backward(const MatT<T>& dout, const MatT<T>& P, const MatT<T>& q, const MatT<T>& k, const MatT<T>& v,
                        Eigen::Index n, MatT<T>* dq, MatT<T>* dk, MatT<T>* dv);

// The specification: plain loops, sums in ascending index order.
template <class T>
void bmm_forward_naive(MatT<T>& out, const MatT<T>& a, const MatT<T>& b, Eigen::Index n, bool trans_b);
template <class T>
void bmm_backward_naive(const MatT<T>& dout, const MatT<T>& a, const MatT<T>& b, Eigen::Index n, bool trans_b,
                        MatT<T>* da, MatT<T>* db);
template <class T>
void attention_forward_naive(MatT<T>& out, MatT<T>& P, const MatT<T>& q, const MatT<T>& k, const MatT<T>& v,
                             Eigen::Index n, bool causal);
template <class T>
void attention_backward_naive(const MatT<T>& dout, const MatT<T>& P, const MatT<T>& q, const MatT<T>& k,
                              const MatT<T>& v, Eigen::Index n, MatT<T>* dq, MatT<T>* dk, MatT<T>* dv);

}  // namespace imitate
