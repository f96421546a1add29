// Action tokens: a masked cross-entropy from log_softmax and a one-hot multiply (the op set has no
// gather), and a tape-free decoder.
#include "algorithms/heads/tokens.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "autograd/losses.hpp"

namespace imitate {

int token_outputs(int D, const HeadConfig& h) { return D * h.bins * (h.offsets ? 2 : 1); }

int token_bin(const ActionRange& r, int bins, Eigen::Index j, float y) {
    const float lo = r.lo(j), w = (r.hi(j) - lo) / float(bins);
    const float i = std::floor((y - lo) / w);
    return static_cast<int>(std::clamp(i, 0.0f, float(bins - 1)));  // NaN-free: y is finite (validated data)
}

Var<float> token_loss(const HeadConfig& h, const ActionRange& r, Var<float> out, const Mat& target, const Mat& mask) {
    // out (B, D·Bn [·2]), target (B,D), mask (B,D) -> (1,1)
    const Eigen::Index B = target.rows(), D = target.cols(), Bn = h.bins;
    if (out.rows() != B || out.cols() != token_outputs(int(D), h))
        throw std::invalid_argument("tokens: net output has shape " + shape_str(out.value()) + ", expected (" +
                                    std::to_string(B) + "," + std::to_string(token_outputs(int(D), h)) + ") for bins=" +
                                    std::to_string(Bn) + ", D=" + std::to_string(D));
    Tape<float>& t = *out.tape;
    // 1. targets as bins: a one-hot row per (b, d), scaled by the mask (0 for padding); offsets in bin widths
    Mat onehot = Mat::Zero(B * D, Bn), off_target(B * D, 1), mask_col(B * D, 1);
    for (Eigen::Index b = 0; b < B; ++b)
        for (Eigen::Index d = 0; d < D; ++d) {
            const int i = token_bin(r, int(Bn), d, target(b, d));
            const float w = (r.hi(d) - r.lo(d)) / float(Bn), centre = r.lo(d) + (float(i) + 0.5f) * w;
            onehot(b * D + d, i) = mask(b, d);
            mask_col(b * D + d, 0) = mask(b, d);
            off_target(b * D + d, 0) = std::clamp((target(b, d) - centre) / w, -0.5f, 0.5f);
        }
    const float n = mask.sum();
    // 2. cross-entropy: −Σ mask·log softmax(logits)[bin] / Σ mask, one softmax per (row, dim): (B, D·Bn) -> (B·D, Bn)
    Var<float> log_p = log_softmax(reshape(slice_cols(out, 0, D * Bn), B * D, Bn));
    Var<float> oh = t.constant(onehot);
    Var<float> loss = scale(sum(mul(log_p, oh)), n > 0 ? -1.0f / n : 0.0f);
    // 3. offsets: the predicted offset of the true bin (picked by the same one-hot) against the true one
    if (h.offsets) {
        Var<float> off = reshape(slice_cols(out, D * Bn, D * Bn), B * D, Bn);
        loss = add(loss, mse(sum_rows(mul(off, oh)), t.constant(off_target), t.constant(mask_col)));
    }
    return loss;
}

void token_decode(const HeadConfig& h, const ActionRange& r, const Mat& out, Mat& act, Rng* rng) {
    const Eigen::Index Bn = h.bins, D = out.cols() / (Bn * (h.offsets ? 2 : 1));
    if (D < 1 || out.cols() != token_outputs(int(D), h))
        throw std::invalid_argument("tokens: net output has " + std::to_string(out.cols()) + " columns, not a multiple of bins=" +
                                    std::to_string(Bn) + (h.offsets ? " times 2" : ""));
    act.resize(out.rows(), D);
    for (Eigen::Index b = 0; b < out.rows(); ++b)
        for (Eigen::Index d = 0; d < D; ++d) {
            auto logits = out.row(b).segment(d * Bn, Bn);
            Eigen::Index i = 0;
            if (!rng) {
                logits.maxCoeff(&i);
            } else {  // invert the CDF of softmax(logits / τ) with one uniform
                const float m = logits.maxCoeff();
                const double tau = h.temperature;
                double total = 0;
                for (Eigen::Index k = 0; k < Bn; ++k) total += std::exp(double(logits(k) - m) / tau);
                double u = rng->uniform() * total, c = 0;
                for (i = 0; i < Bn - 1; ++i) {
                    c += std::exp(double(logits(i) - m) / tau);
                    if (u < c) break;
                }
            }
            const float w = (r.hi(d) - r.lo(d)) / float(Bn);
            float v = r.lo(d) + (float(i) + 0.5f) * w;
            if (h.offsets) v += std::clamp(out(b, D * Bn + d * Bn + i), -0.5f, 0.5f) * w;
            act(b, d) = v;
        }
}

}  // namespace imitate

namespace imitate {

// ------------------------------------------------------------------------------------------ the row
static void tokens_settings(HeadConfig& h, HeadSettings& s) {
    s.integer("bins", "bins per action value", h.bins, 2);
    s.flag("offsets", "also regress the offset inside the bin", h.offsets);
    s.positive("temperature", "sampling temperature", h.temperature);
}

static HeadWidths tokens_widths(const HeadConfig& h, long S, long D) {
    return {S, D * h.bins * (h.offsets ? 2 : 1), "obs_dim", "bins",
            "D·bins" + std::string(h.offsets ? "·2 (offsets)" : "") + " with D=act_dim·chunk=" + std::to_string(D) +
                ", bins=" + std::to_string(h.bins)};
}

static Var<float> tokens_head_loss(const HeadConfig& h, const ActionRange& r, Tape<float>& tape, MLP& net, MLP*,
                                   const Mat& obs, const Mat& target, const Mat& mask, Rng&) {
    return token_loss(h, r, net.forward(tape.input(obs)), target, mask);
}

static void tokens_predict(const HeadConfig& h, const ActionRange& r, const MLP& net, const Mat& obs, Mat& act,
                           MLPScratch& ms, HeadScratch& hs, Rng* rng) {
    net.infer(obs, hs.out, ms);
    token_decode(h, r, hs.out, act, rng);
}

const Head& tokens_head() {
    static const Head row{HeadKind::Tokens, "tokens", true, tokens_settings, tokens_widths, nullptr, tokens_head_loss,
                          tokens_predict};
    return row;
}

}  // namespace imitate
