// Losses as fused ops (one node each, gradient-checked like every op).
#pragma once
#include "autograd/tape.hpp"

namespace imitate {

// pred (R,C), target (R,C) -> (1,1): mean over all elements of (pred − target)².
template <class T> Var<T> mse(Var<T> pred, Var<T> target);
// pred (R,C), target (R,C), mask (R,C) of 0/1 -> (1,1): Σ mask·(pred − target)² / Σ mask (0 if the mask is
// all zero). Masked-out elements (e.g. chunk targets padded past an episode's end) carry no loss and no
// gradient. The mask is a constant: it gets no gradient.
template <class T> Var<T> mse(Var<T> pred, Var<T> target, Var<T> mask);
// pred (R,C), target (R,C), mask (R,C) of 0/1 -> (1,1): Σ mask·|pred − target| / Σ mask (0 if the mask is all
// zero), ACT's reconstruction loss. The subgradient at pred = target is 0. The mask is a constant.
template <class T> Var<T> l1(Var<T> pred, Var<T> target, Var<T> mask);

}  // namespace imitate
