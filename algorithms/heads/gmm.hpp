// Gaussian mixture head (a mixture density network, Bishop 1994). For each observation the net outputs K
// components over the whole chunk a (D = H·A values): p(a|s) = Σ_k π_k Π_d N(a_d; μ_kd, σ_kd²),
// π = softmax(logits), σ = softplus(raw) + min_std (the floor keeps the likelihood bounded).
// Loss: −log p(a|s) = −logsumexp_k(log π_k + Σ_d log N(a_d; μ_kd, σ_kd)). Two valid actions become two
// components instead of one average. Decoding: the mean of the most likely component, or a sample.
#pragma once
#include "algorithms/heads/head.hpp"

namespace imitate {

// Width of the net's output row for K components over D values: [μ (K·D) | raw σ (K·D) | logits (K)],
// component k's block of μ and σ at columns k·D .. k·D+D−1.
int gmm_outputs(int D, int K);

// out (B, 2KD+K) on a tape, target (B,D), mask (B,D) of 0/1 -> (1,1): the mean over rows with a real
// element of −log p(a|s). Padded elements (mask 0) are marginalised out — a diagonal Gaussian's marginal
// simply drops them from Σ_d — so chunks cut by an episode's end still train every component exactly.
// Throws std::invalid_argument naming the shapes if out is not (B, gmm_outputs(D, K)).
Var<float> gmm_loss(const HeadConfig& h, Var<float> out, const Mat& target, const Mat& mask);

// out (B, 2KD+K) -> act (B,D). rng null: the low-noise mode, μ of the component with the largest π (ties:
// the lowest k). Otherwise a sample: k ~ π (one uniform per row), then a_d = μ_kd + σ_kd·ε (D normals).
void gmm_decode(const HeadConfig& h, const Mat& out, Mat& act, Rng* rng);

}  // namespace imitate
