// Action-token head: each of the D = H·A chunk values is discretised into Bn bins over the action range and
// predicted as a categorical, so two valid actions are two peaks of one histogram (RT-1 style tokens;
// BeT's optional offset inside the bin). Loss: cross-entropy −Σ_{b,d} log softmax(logits_bd)[bin(a_bd)],
// with bin(a) = clamp(⌊(a − lo)/w⌋, 0, Bn−1), w = (hi − lo)/Bn. Decoding: the bin centre lo + (i + ½)·w of
// the argmax bin or of a bin sampled from softmax(logits/τ), plus the regressed offset when enabled.
// The D categoricals are independent given s: each value lands on a mode, but a sampled chunk (H > 1) can
// mix modes across its steps (the joint heads — mixture, CVAE, diffusion — keep a chunk on one mode).
#pragma once
#include "algorithms/heads/head.hpp"

namespace imitate {

// Width of the net's output row: D·Bn logits, dimension d's bins at d·Bn .. d·Bn+Bn−1; with offsets,
// D·Bn more columns in the same layout: the position inside each bin, in bin widths, in [−½, ½].
int token_outputs(int D, const HeadConfig& h);

// The bin index of value y in chunk column j (values outside the range go to the first or last bin).
int token_bin(const ActionRange& r, int bins, Eigen::Index j, float y);

// out (B, token_outputs) on a tape, target (B,D), mask (B,D) of 0/1 -> (1,1): the cross-entropy averaged
// over real elements (the mask multiplies each element's log-likelihood, so padding carries no loss and
// no gradient); with offsets, plus the masked MSE of the true bin's offset. Throws std::invalid_argument
// naming the shapes if out is not (B, token_outputs).
Var<float> token_loss(const HeadConfig& h, const ActionRange& r, Var<float> out, const Mat& target, const Mat& mask);

// out (B, token_outputs) -> act (B,D). rng null: the argmax bin (ties: the lowest); otherwise one uniform
// per value picks a bin from softmax(logits / temperature). Values are bin centres (+ offsets).
void token_decode(const HeadConfig& h, const ActionRange& r, const Mat& out, Mat& act, Rng* rng);

}  // namespace imitate
