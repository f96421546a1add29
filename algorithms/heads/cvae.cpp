// CVAE head: the reparameterisation and the closed-form KL from ops, so the encoder learns through z.
#include "algorithms/heads/cvae.hpp"

#include <stdexcept>

#include "autograd/losses.hpp"

namespace imitate {

std::vector<int> cvae_encoder_sizes(int S, int D, const std::vector<int>& hidden, int L) {
    std::vector<int> s{S + D};
    s.insert(s.end(), hidden.begin(), hidden.end());
    s.push_back(2 * L);
    return s;
}

Var<float> cvae_loss(const HeadConfig& h, Tape<float>& tape, MLP& decoder, MLP& encoder, const Mat& obs,
                     const Mat& target, const Mat& mask, Rng& rng) {
    // obs (B,S), target (B,D), mask (B,D) -> (1,1)
    const Eigen::Index B = obs.rows(), S = obs.cols(), D = target.cols(), L = h.latent;
    if (encoder.in_features() != S + D || encoder.out_features() != 2 * L || decoder.in_features() != S + L ||
        decoder.out_features() != D)
        throw std::invalid_argument("cvae: encoder " + std::to_string(encoder.in_features()) + "->" +
                                    std::to_string(encoder.out_features()) + " and decoder " +
                                    std::to_string(decoder.in_features()) + "->" + std::to_string(decoder.out_features()) +
                                    " do not fit S=" + std::to_string(S) + ", D=" + std::to_string(D) + ", L=" + std::to_string(L));
    // 1. encode: q(z | s, a) = N(μ, σ²) from the observation and the (padding-zeroed) chunk
    Mat enc_in(B, S + D);
    enc_in << obs, target.cwiseProduct(mask);
    Var<float> stats = encoder.forward(tape.constant(enc_in));
    Var<float> mu = slice_cols(stats, 0, L), log_var = slice_cols(stats, L, L);
    // 2. reparameterise: z = μ + exp(½ log σ²)·ε, ε a constant input
    Mat eps(B, L);
    for (Eigen::Index i = 0; i < eps.size(); ++i) eps.data()[i] = static_cast<float>(rng.normal());
    Var<float> z = add(mu, mul(exp(scale(log_var, 0.5f)), tape.constant(eps)));
    // 3. decode and reconstruct the real elements of the chunk
    Var<float> x = tape.input(obs);
    Var<float> recon = mse(decoder.forward(concat_cols(x, z)), tape.input(target), tape.input(mask));
    // 4. KL(N(μ, σ²) ‖ N(0, I)) = ½ Σ_l (μ² + σ² − 1 − log σ²) per row, averaged over rows with a real element
    Var<float> kl_row = scale(sum_rows(sub(add(square(mu), exp(log_var)), add_scalar(log_var, 1.0f))), 0.5f);
    Mat w;
    const float n = real_rows(mask, w);
    Var<float> kl = scale(sum(mul(kl_row, tape.constant(w))), n > 0 ? 1.0f / n : 0.0f);
    return add(recon, scale(kl, h.beta));
}

void cvae_predict(const HeadConfig& h, const MLP& decoder, const Mat& obs, Mat& act, MLPScratch& ms, HeadScratch& hs,
                  Rng* rng) {
    const Eigen::Index B = obs.rows(), S = obs.cols(), L = h.latent;
    Mat& in = hs.in;
    in.resize(B, S + L);
    in.leftCols(S) = obs;
    if (!rng) {
        in.rightCols(L).setZero();  // z = 0, the prior's mean
    } else {
        for (Eigen::Index b = 0; b < B; ++b)
            for (Eigen::Index l = 0; l < L; ++l) in(b, S + l) = static_cast<float>(rng->normal());
    }
    decoder.infer(in, act, ms);
}

// ------------------------------------------------------------------------------------------ the row
static void cvae_settings(HeadConfig& h, HeadSettings& s) {
    s.integer("latent", "latent dimension", h.latent, 1);
    s.non_negative("beta", "KL weight", h.beta);
}

// The decoder: (S + L) -> D.
static HeadWidths cvae_widths(const HeadConfig& h, long S, long D) {
    return {S + h.latent, D, "latent", "chunk", "D=act_dim·chunk=" + std::to_string(D)};
}

static std::vector<int> cvae_encoder(const HeadConfig& h, int S, int D, const std::vector<int>& hidden) {
    return cvae_encoder_sizes(S, D, hidden, h.latent);
}

static Var<float> cvae_head_loss(const HeadConfig& h, const ActionRange&, Tape<float>& tape, MLP& net, MLP* encoder,
                                 const Mat& obs, const Mat& target, const Mat& mask, Rng& rng) {
    return cvae_loss(h, tape, net, *encoder, obs, target, mask, rng);
}

static void cvae_head_predict(const HeadConfig& h, const ActionRange&, const MLP& net, const Mat& obs, Mat& act,
                              MLPScratch& ms, HeadScratch& hs, Rng* rng) {
    cvae_predict(h, net, obs, act, ms, hs, rng);
}

const Head& cvae_head() {
    static const Head row{HeadKind::CVAE, "cvae", false, cvae_settings, cvae_widths, cvae_encoder, cvae_head_loss,
                          cvae_head_predict};
    return row;
}

}  // namespace imitate
