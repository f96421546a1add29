// Diffusion head (Diffusion Policy, Chi et al. 2023, with an MLP denoiser). The chunk, scaled to [−1, 1]
// over the action range, is noised as x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε for t ~ U{0..T−1}; the net predicts ε
// from (observation, x_t, sinusoidal embedding of t) and is trained with MSE on ε. Sampling runs the chain
// backwards from x_T ~ N(0, I): DDPM (Ho et al. 2020, all T steps, fresh noise each step) or DDIM (Song et
// al. 2021, η = 0: a few deterministic steps). A multimodal p(a|s) stays multimodal: each start noise
// flows to one mode. Every predicted x₀ and the result are clipped to [−1, 1], i.e. to the action range.
#pragma once
#include <array>

#include "algorithms/heads/head.hpp"

namespace imitate {

constexpr int kMaxDiffusionSteps = 1000;

// The cosine schedule ("squaredcos_cap_v2", Nichol & Dhariwal 2021, as diffusers builds it):
// ᾱ(u) = cos²((u + 0.008)/1.008 · π/2), β_t = min(1 − ᾱ((t+1)/T)/ᾱ(t/T), 0.999), α_t = 1 − β_t,
// ᾱ_t = Π_{i<=t} α_i, t = 0..T−1. Fixed-size storage: building one allocates nothing.
struct NoiseSchedule {
    int T = 0;
    std::array<double, kMaxDiffusionSteps> beta{}, alpha{}, alpha_bar{};
};
// Requires 1 <= T <= kMaxDiffusionSteps (throws std::invalid_argument otherwise).
NoiseSchedule cosine_schedule(int T);

// The sinusoidal embedding of step t into E values (E even, >= 4), as Diffusion Policy's SinusoidalPosEmb:
// f_j = exp(−ln(10000)·j/(E/2 − 1)), out = [sin(t·f_0..f_{E/2−1}), cos(t·f_0..f_{E/2−1})].
void step_embedding(double t, int E, float* out);

// The denoiser's input width: observation, noisy chunk, step embedding.
inline int diffusion_inputs(int S, int D, int E) { return S + D + E; }

// obs (B,S), target (B,D), mask (B,D) -> (1,1) on `tape`: masked MSE between the net's ε̂ and ε, so padded
// chunk elements carry no loss. Per row one t = rng.below(T), then D normals for ε (row by row).
// Throws std::invalid_argument naming the shapes when the net is not (S+D+E) -> D.
Var<float> diffusion_loss(const HeadConfig& h, const ActionRange& r, Tape<float>& tape, MLP& net, const Mat& obs,
                          const Mat& target, const Mat& mask, Rng& rng);

// obs (B,S) -> act (B,D) by DDPM: x_T ~ N(0, I) (B·D normals, row-major), then for t = T−1 .. 0
//   x̂₀ = clip((x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t),  x_{t−1} = c₀·x̂₀ + c_t·x_t + σ_t·z   (the posterior q(x_{t−1}|x_t, x̂₀):
//   c₀ = √ᾱ_{t−1}·β_t/(1−ᾱ_t), c_t = √α_t·(1−ᾱ_{t−1})/(1−ᾱ_t), σ_t² = β_t·(1−ᾱ_{t−1})/(1−ᾱ_t), z ~ N(0, I)
//   except at t = 0). Uses hs.in and hs.out; act holds the sample.
void ddpm_sample(const HeadConfig& h, const ActionRange& r, const MLP& net, const Mat& obs, Mat& act, MLPScratch& ms,
                 HeadScratch& hs, Rng& rng);

// obs (B,S), x_T (B,D) or (1,D) (one start noise for every row) -> act (B,D) by DDIM with η = 0 over
// `steps` steps t = (steps−1)·k, ..., k, 0, k = T/steps (diffusers' "leading" spacing):
//   x̂₀ = clip((x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t),  x_{t−k} = √ᾱ_{t−k}·x̂₀ + √(1−ᾱ_{t−k})·ε̂   (ᾱ_{<0} = 1).
// Requires 1 <= steps <= T. Uses hs.in and hs.out (x_T may be hs.noise).
void ddim_sample(const HeadConfig& h, const ActionRange& r, const MLP& net, const Mat& obs, const Mat& x_T, int steps,
                 Mat& act, MLPScratch& ms, HeadScratch& hs);

// What Policy::predict calls. rng null: DDIM (ddim_steps) from one fixed start noise shared by every row
// (D normals of Rng(kDiffusionPredictSeed)), so the output is a deterministic function of each observation
// alone. Otherwise h.sampler decides: DDPM from rng, or DDIM from x_T ~ N(0, I) drawn from rng. The start
// noise goes in hs.noise.
constexpr uint64_t kDiffusionPredictSeed = 0;
void diffusion_predict(const HeadConfig& h, const ActionRange& r, const MLP& net, const Mat& obs, Mat& act, MLPScratch& ms,
                       HeadScratch& hs, Rng* rng);

}  // namespace imitate
