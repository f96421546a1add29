// Gaussian mixture head: the negative log-likelihood built from existing ops (softplus, log, exp, square,
// log_softmax, logsumexp), and a tape-free decoder.
#include "algorithms/heads/gmm.hpp"

#include <cmath>
#include <stdexcept>

namespace imitate {

int gmm_outputs(int D, int K) { return 2 * K * D + K; }

Var<float> gmm_loss(const HeadConfig& h, Var<float> out, const Mat& target, const Mat& mask) {
    // out (B, 2KD+K), target (B,D), mask (B,D) -> (1,1)
    const Eigen::Index B = target.rows(), D = target.cols(), K = h.components;
    if (out.rows() != B || out.cols() != gmm_outputs(int(D), int(K)))
        throw std::invalid_argument("gmm: net output has shape " + shape_str(out.value()) + ", expected (" + std::to_string(B) +
                                    "," + std::to_string(gmm_outputs(int(D), int(K))) + ") for K=" + std::to_string(K) +
                                    ", D=" + std::to_string(D));
    Tape<float>& t = *out.tape;
    // 1. the target and mask repeated once per component, to line up with μ (B, K·D)
    Mat Y(B, K * D), M(B, K * D);
    for (Eigen::Index k = 0; k < K; ++k) {
        Y.middleCols(k * D, D) = target;
        M.middleCols(k * D, D) = mask;
    }
    // 2. the components: means, stds with a floor, log mixture weights
    Var<float> mu = slice_cols(out, 0, K * D);
    Var<float> log_sd = log(add_scalar(softplus(slice_cols(out, K * D, K * D)), h.min_std));
    Var<float> log_pi = log_softmax(slice_cols(out, 2 * K * D, K));  // (B,K)
    // 3. log N(a_d; μ, σ) = −z²/2 − log σ − log(2π)/2 with z = (a − μ)/σ, padded elements set to 0
    Var<float> z = mul(sub(t.constant(Y), mu), exp(scale(log_sd, -1.0f)));
    Var<float> log_n = sub(add_scalar(scale(square(z), -0.5f), float(-0.5 * std::log(2 * M_PI))), log_sd);
    log_n = mul(log_n, t.constant(M));
    // 4. Σ_d per component: (B, K·D) -> (B·K, D) -> (B·K, 1) -> (B, K); then log p = logsumexp_k(log π + ...)
    Var<float> comp = reshape(sum_rows(reshape(log_n, B * K, D)), B, K);
    Var<float> log_p = logsumexp(add(log_pi, comp));  // (B,1)
    // 5. mean over the rows that hold a real element (minibatch padding rows have none)
    Mat w;
    const float n = real_rows(mask, w);
    return scale(sum(mul(log_p, t.constant(w))), n > 0 ? -1.0f / n : 0.0f);
}

void gmm_decode(const HeadConfig& h, const Mat& out, Mat& act, Rng* rng) {
    const Eigen::Index K = h.components, D = (out.cols() - K) / (2 * K);
    if (out.cols() != gmm_outputs(int(D), int(K)) || D < 1)
        throw std::invalid_argument("gmm: net output has " + std::to_string(out.cols()) + " columns, not 2·K·D+K for K=" +
                                    std::to_string(K));
    act.resize(out.rows(), D);
    for (Eigen::Index b = 0; b < out.rows(); ++b) {
        auto logits = out.row(b).segment(2 * K * D, K);
        Eigen::Index k = 0;
        if (!rng) {
            logits.maxCoeff(&k);  // first maximum
            act.row(b) = out.row(b).segment(k * D, D);
            continue;
        }
        // k ~ softmax(logits) by inverting the CDF with one uniform
        const float m = logits.maxCoeff();
        const double total = (logits.array() - m).exp().cast<double>().sum();
        double u = rng->uniform() * total, c = 0;
        for (k = 0; k < K - 1; ++k) {
            c += std::exp(double(logits(k) - m));
            if (u < c) break;
        }
        for (Eigen::Index d = 0; d < D; ++d) {
            const float raw = out(b, K * D + k * D + d);
            const float sd = std::max(raw, 0.0f) + std::log1p(std::exp(-std::abs(raw))) + h.min_std;  // softplus + floor
            act(b, d) = out(b, k * D + d) + sd * static_cast<float>(rng->normal());
        }
    }
}

}  // namespace imitate

namespace imitate {

// ------------------------------------------------------------------------------------------ the row
static void gmm_settings(HeadConfig& h, HeadSettings& s) {
    s.integer("components", "mixture components K", h.components, 1);
    s.positive("min_std", "std floor, in working units", h.min_std);
}

static HeadWidths gmm_widths(const HeadConfig& h, long S, long D) {
    return {S, 2L * h.components * D + h.components, "obs_dim", "components",
            "2·K·D+K with K=" + std::to_string(h.components) + ", D=act_dim·chunk=" + std::to_string(D)};
}

static Var<float> gmm_head_loss(const HeadConfig& h, const ActionRange&, Tape<float>& tape, MLP& net, MLP*, const Mat& obs,
                                const Mat& target, const Mat& mask, Rng&) {
    return gmm_loss(h, net.forward(tape.input(obs)), target, mask);
}

static void gmm_predict(const HeadConfig& h, const ActionRange&, const MLP& net, const Mat& obs, Mat& act, MLPScratch& ms,
                        HeadScratch& hs, Rng* rng) {
    net.infer(obs, hs.out, ms);
    gmm_decode(h, hs.out, act, rng);
}

const Head& gmm_head() {
    static const Head row{HeadKind::GMM, "gmm", false, gmm_settings, gmm_widths, nullptr, gmm_head_loss, gmm_predict};
    return row;
}

}  // namespace imitate
