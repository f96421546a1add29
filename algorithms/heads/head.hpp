// Policy heads: how a policy turns an observation into a chunk of actions when several chunks are valid.
// MSE regresses the mean and so averages two valid actions into an invalid one; the other four heads model
// the whole distribution p(chunk | obs) and can pick one mode. The generated variable is always the whole
// chunk, D = H·A values per row. Every head works in the policy's working space (normalised actions when
// the policy normalises, raw actions otherwise); the policy maps its output back to action units.
#pragma once
#include <string>

#include "autograd/nn.hpp"

namespace imitate {

enum class HeadKind {
    MSE,        // regression of the mean (the seed's BCPolicy)
    GMM,        // Gaussian mixture: K means, K diagonal stds, K weights (algorithms/heads/gmm.hpp)
    Tokens,     // each dimension as a categorical over bins (algorithms/heads/tokens.hpp)
    CVAE,       // ACT's conditional VAE: latent z from an encoder at training time (algorithms/heads/cvae.hpp)
    Diffusion,  // Diffusion Policy: DDPM denoising of the chunk (algorithms/heads/diffusion.hpp)
};
// "mse" | "gmm" | "tokens" | "cvae" | "diffusion"; throws std::invalid_argument naming the value otherwise.
HeadKind parse_head(const std::string& s);
const char* head_name(HeadKind h);

enum class Sampler { DDPM, DDIM };
// "ddpm" | "ddim"; throws std::invalid_argument naming the value otherwise.
Sampler parse_sampler(const std::string& s);
const char* sampler_name(Sampler s);

// Every head's settings (a head reads only its own). Stored in the checkpoint's metadata.
struct HeadConfig {
    HeadKind kind = HeadKind::MSE;  // which head
    // gmm
    int components = 5;             // K mixture components
    float min_std = 0.01f;          // std = softplus(raw) + min_std, in working units: keeps the likelihood bounded
    // tokens
    int bins = 64;                  // Bn bins per action dimension over [low, high]
    bool offsets = false;           // also regress the offset of the action inside its bin (BeT)
    float temperature = 1.0f;       // tokens, sampling: p ∝ exp(logit / temperature)
    // tokens and diffusion: the action range in raw action units, the same for every action dimension.
    // low == high means "not set": train_bc takes the data's min and max.
    float low = 0.0f, high = 0.0f;
    // cvae
    int latent = 8;                 // L, the latent dimension
    float beta = 0.1f;              // weight of KL(q(z|s,a) ‖ N(0,I)) against the reconstruction MSE
    // diffusion
    int diffusion_steps = 50;       // T, DDPM training steps of the cosine schedule
    int ddim_steps = 10;            // DDIM steps for deterministic predict (and for sampling with Sampler::DDIM)
    int embed = 32;                 // width of the sinusoidal step embedding (even, >= 4)
    Sampler sampler = Sampler::DDPM;  // sampling predict: DDPM (T steps) or DDIM (ddim_steps, η = 0)
};

// Throws std::invalid_argument("<where>: <field> must be ..., got ...") for settings out of range: K >= 1,
// min_std > 0, bins >= 2, temperature > 0, low < high (once set: checked when `range_set`), latent >= 1,
// beta >= 0, 2 <= T <= 1000, 1 <= ddim_steps <= T, embed even and >= 4.
void validate_head(const HeadConfig& h, const std::string& where, bool range_set);

// The action range of column j of a chunk (j = h·A + a) in working space: [low, high] mapped through the
// normaliser of action dimension a (identity without one). Computed on the fly, so nothing is allocated.
struct ActionRange {
    float low = -1, high = 1;                  // raw units
    int A = 1;                                 // action dimension (columns j and j + A share a range)
    const Mat* act_mean = nullptr;              // (1,A) normaliser, or null for the identity
    const Mat* act_std = nullptr;               // (1,A)
    float lo(Eigen::Index j) const { return act_mean ? (low - (*act_mean)(0, j % A)) / (*act_std)(0, j % A) : low; }
    float hi(Eigen::Index j) const { return act_mean ? (high - (*act_mean)(0, j % A)) / (*act_std)(0, j % A) : high; }
};

// Number of rows with at least one real (mask 1) element: the rows a per-row loss averages over.
// mask (B,D) -> w (B,1) of 0/1, returns Σ w.
float real_rows(const Mat& mask, Mat& w);

}  // namespace imitate
