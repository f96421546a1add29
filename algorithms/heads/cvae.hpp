// Conditional VAE head, as in ACT (Zhao et al. 2023). A latent z says which of the valid chunks to produce:
// the encoder q(z | s, a) = N(μ, σ²) sees the observation and the true chunk, the decoder p(a | s, z) — the
// policy's net — reconstructs the chunk from the observation and z = μ + σ·ε (reparameterised, ε ~ N(0,I)).
// Loss: masked MSE(decoder(s, z), a) + β·KL(q ‖ N(0,I)), KL = ½ Σ_l (μ² + σ² − 1 − log σ²).
// At test time the encoder is gone: z = 0 (the prior's mean, deterministic) or z ~ N(0,I) (a sample).
#pragma once
#include "algorithms/heads/head.hpp"

namespace imitate {

// The encoder's MLP sizes {S + D, hidden..., 2L}: its output row is [μ (L) | log σ² (L)].
std::vector<int> cvae_encoder_sizes(int S, int D, const std::vector<int>& hidden, int L);

// obs (B,S), target (B,D), mask (B,D) -> (1,1) on `tape`: MSE over real elements + β·(KL per row, averaged
// over rows with a real element). The encoder sees the chunk with padding zeroed (ACT masks it as well);
// ε (B,L) is drawn from rng (B·L normals, row-major). decoder: (S+L) -> D; encoder: (S+D) -> 2L.
// Throws std::invalid_argument naming the shapes when the networks do not fit S, D, L.
Var<float> cvae_loss(const HeadConfig& h, Tape<float>& tape, MLP& decoder, MLP& encoder, const Mat& obs,
                     const Mat& target, const Mat& mask, Rng& rng);

// obs (B,S) -> act (B,D) = decoder(obs, z): z = 0 when rng is null, else z ~ N(0,I) (B·L normals,
// row-major). Uses hs.in for the decoder's input; no allocation once the buffers have their shapes.
void cvae_predict(const HeadConfig& h, const MLP& decoder, const Mat& obs, Mat& act, MLPScratch& ms, HeadScratch& hs,
                  Rng* rng);

}  // namespace imitate
