// The ops a transformer needs, beside ops.hpp's and with the same rules: float and double, forward and
// backward side by side in ops_transformer.cpp, every op in the gradient-check registry.
// Layout: a batch of B sequences of T tokens of width d is one (B·T, d) matrix, row b·T + t; a stack of
// N = B·h attention heads is one (N·T, D) matrix, slice i = rows [i·T, (i+1)·T). Shape errors throw
// std::invalid_argument naming both shapes.
#pragma once
#include <vector>

#include "autograd/tape.hpp"

namespace imitate {

// a (N·M, K), b (N·K, P) -> (N·M, P): slice i is a_i·b_i
template <class T> Var<T> bmm(Var<T> a, Var<T> b, Eigen::Index n);
// a (N·M, K), b (N·P, K) -> (N·M, P): slice i is a_i·b_iᵀ (attention scores without a transpose copy)
template <class T> Var<T> bmm_nt(Var<T> a, Var<T> b, Eigen::Index n);
// x (R,C) -> (R,C): softmax over each row, exp(x − max) / Σ exp(x − max). Entries of −∞ give 0 (masks);
// each row needs one finite entry.
template <class T> Var<T> softmax(Var<T> x);
// x (R,C), w (1,C), b (1,C) -> (R,C): (x − mean)/√(var + eps)·w + b over each row, var biased (nn.LayerNorm)
template <class T> Var<T> layer_norm(Var<T> x, Var<T> w, Var<T> b, T eps = T(1e-5));
// x (R,C) -> (R,C): x·Φ(x) = x/2·(1 + erf(x/√2)), PyTorch's exact GELU (approximate='none'), not the tanh form
template <class T> Var<T> gelu(Var<T> x);
// W (V,d), idx (R) -> (R,d): row r is W[idx[r]] (nn.Embedding). Requires 0 <= idx[r] < V.
template <class T> Var<T> embedding(Var<T> W, const std::vector<int>& idx);
// x (R,C) -> (h,C): rows [r0, r0+h)   (e.g. the query block of in_proj_weight)
template <class T> Var<T> slice_rows(Var<T> x, Eigen::Index r0, Eigen::Index h);
// x (B·T, h·D) -> (B·h·T, D): head j of sequence b becomes slice b·h + j (torch's view + transpose(1,2))
template <class T> Var<T> split_heads(Var<T> x, Eigen::Index B, Eigen::Index h);
// x (B·h·T, D) -> (B·T, h·D): the inverse of split_heads
template <class T> Var<T> merge_heads(Var<T> x, Eigen::Index B, Eigen::Index h);
// q (N·Tq, D), k (N·Tk, D), v (N·Tk, E) -> (N·Tq, E): softmax(q_i·k_iᵀ/√D + M)·v_i per slice, M = −∞ where
// key j > query t when `causal`. One fused op around engine/attention.hpp's kernels.
template <class T> Var<T> attention(Var<T> q, Var<T> k, Var<T> v, Eigen::Index n, bool causal);
// The same attention as a composition of the primitives (bmm_nt, scale, add of the mask, softmax, bmm):
// the specification that the fused op is tested against.
template <class T> Var<T> attention_composed(Var<T> q, Var<T> k, Var<T> v, Eigen::Index n, bool causal);

// (N·Tq, Tk): 0 where key j <= query t, −∞ where j > t, for every slice (torch's square subsequent mask).
template <class T> MatT<T> causal_mask(Eigen::Index n, Eigen::Index Tq, Eigen::Index Tk);

}  // namespace imitate
