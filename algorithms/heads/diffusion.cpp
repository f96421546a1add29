// Diffusion head: the schedule, the ε-prediction loss (a masked MSE: every other step of the forward
// process acts on constants) and the two samplers, run with the tape-free MLP::infer.
#include "algorithms/heads/diffusion.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "autograd/losses.hpp"

namespace imitate {

NoiseSchedule cosine_schedule(int T) {
    if (T < 1 || T > kMaxDiffusionSteps)
        throw std::invalid_argument("diffusion: T must be in 1.." + std::to_string(kMaxDiffusionSteps) + ", got " + std::to_string(T));
    auto abar = [](double u) { return std::pow(std::cos((u + 0.008) / 1.008 * M_PI / 2), 2); };
    NoiseSchedule s;
    s.T = T;
    double prod = 1;
    for (int t = 0; t < T; ++t) {
        s.beta[t] = std::min(1 - abar(double(t + 1) / T) / abar(double(t) / T), 0.999);
        s.alpha[t] = 1 - s.beta[t];
        prod *= s.alpha[t];
        s.alpha_bar[t] = prod;
    }
    return s;
}

void step_embedding(double t, int E, float* out) {
    const int half = E / 2;
    const double k = std::log(10000.0) / (half - 1);
    for (int j = 0; j < half; ++j) {
        const double x = t * std::exp(-k * j);
        out[j] = static_cast<float>(std::sin(x));
        out[half + j] = static_cast<float>(std::cos(x));
    }
}

// Working space <-> the unit box [−1, 1] the chain runs in, column by column.
static float to_unit(const ActionRange& r, Eigen::Index j, float v) { return 2 * (v - r.lo(j)) / (r.hi(j) - r.lo(j)) - 1; }
static float from_unit(const ActionRange& r, Eigen::Index j, float u) { return r.lo(j) + (u + 1) * 0.5f * (r.hi(j) - r.lo(j)); }

static void check_net(const MLP& net, Eigen::Index S, Eigen::Index D, int E) {
    if (net.in_features() != diffusion_inputs(int(S), int(D), E) || net.out_features() != D)
        throw std::invalid_argument("diffusion: denoiser is " + std::to_string(net.in_features()) + "->" +
                                    std::to_string(net.out_features()) + ", expected (S+D+E)->D = " +
                                    std::to_string(diffusion_inputs(int(S), int(D), E)) + "->" + std::to_string(D));
}

Var<float> diffusion_loss(const HeadConfig& h, const ActionRange& r, Tape<float>& tape, MLP& net, const Mat& obs,
                          const Mat& target, const Mat& mask, Rng& rng) {
    // obs (B,S), target (B,D), mask (B,D) -> (1,1)
    const Eigen::Index B = obs.rows(), S = obs.cols(), D = target.cols();
    const int E = h.embed;
    check_net(net, S, D, E);
    const NoiseSchedule sch = cosine_schedule(h.diffusion_steps);
    // 1. per row: a step t, noise ε, and the noised chunk x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε, all constants
    Mat in(B, S + D + E), eps(B, D);
    for (Eigen::Index b = 0; b < B; ++b) {
        const int t = static_cast<int>(rng.below(static_cast<uint64_t>(sch.T)));
        const float sa = float(std::sqrt(sch.alpha_bar[t])), sn = float(std::sqrt(1 - sch.alpha_bar[t]));
        in.row(b).head(S) = obs.row(b);
        for (Eigen::Index j = 0; j < D; ++j) {
            eps(b, j) = static_cast<float>(rng.normal());
            in(b, S + j) = sa * to_unit(r, j, target(b, j)) + sn * eps(b, j);
        }
        step_embedding(t, E, &in(b, S + D));
    }
    // 2. ε̂ = net(s, x_t, emb t); loss = masked MSE(ε̂, ε)
    return mse(net.forward(tape.constant(in)), tape.constant(eps), tape.input(mask));
}

// x (B,D) unit-space chunk at step t -> hs.out = ε̂ (B,D); hs.in holds [obs | x | emb(t)].
static const Mat& denoise(const MLP& net, const Mat& obs, const Mat& x, int t, int E, MLPScratch& ms, HeadScratch& hs) {
    const Eigen::Index B = obs.rows(), S = obs.cols(), D = x.cols();
    Mat& in = hs.in;
    if (in.rows() != B || in.cols() != S + D + E) in.resize(B, S + D + E);
    in.leftCols(S) = obs;
    in.middleCols(S, D) = x;
    step_embedding(t, E, &in(0, S + D));
    for (Eigen::Index b = 1; b < B; ++b) in.row(b).tail(E) = in.row(0).tail(E);
    net.infer(in, hs.out, ms);
    return hs.out;
}

// act (B,D): unit space -> working space, clipped to the range.
static void finish(const ActionRange& r, Mat& act) {
    for (Eigen::Index b = 0; b < act.rows(); ++b)
        for (Eigen::Index j = 0; j < act.cols(); ++j) act(b, j) = from_unit(r, j, std::clamp(act(b, j), -1.0f, 1.0f));
}

void ddpm_sample(const HeadConfig& h, const ActionRange& r, const MLP& net, const Mat& obs, Mat& act, MLPScratch& ms,
                 HeadScratch& hs, Rng& rng) {
    const Eigen::Index B = obs.rows(), D = net.out_features();
    check_net(net, obs.cols(), D, h.embed);
    const NoiseSchedule sch = cosine_schedule(h.diffusion_steps);
    Mat& x = act;  // the chain runs in the output buffer
    x.resize(B, D);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.normal());
    for (int t = sch.T - 1; t >= 0; --t) {
        const Mat& eps = denoise(net, obs, x, t, h.embed, ms, hs);
        const double ab = sch.alpha_bar[t], ab_prev = t > 0 ? sch.alpha_bar[t - 1] : 1.0, beta = sch.beta[t];
        const float c0 = float(std::sqrt(ab_prev) * beta / (1 - ab)), ct = float(std::sqrt(sch.alpha[t]) * (1 - ab_prev) / (1 - ab));
        const float sd = float(std::sqrt(std::max(beta * (1 - ab_prev) / (1 - ab), 1e-20)));
        const float ra = float(std::sqrt(ab)), rn = float(std::sqrt(1 - ab));
        for (Eigen::Index i = 0; i < x.size(); ++i) {
            const float x0 = std::clamp((x.data()[i] - rn * eps.data()[i]) / ra, -1.0f, 1.0f);
            x.data()[i] = c0 * x0 + ct * x.data()[i];
            if (t > 0) x.data()[i] += sd * static_cast<float>(rng.normal());
        }
    }
    finish(r, act);
}

void ddim_sample(const HeadConfig& h, const ActionRange& r, const MLP& net, const Mat& obs, const Mat& x_T, int steps,
                 Mat& act, MLPScratch& ms, HeadScratch& hs) {
    const Eigen::Index B = obs.rows(), D = net.out_features();
    check_net(net, obs.cols(), D, h.embed);
    const NoiseSchedule sch = cosine_schedule(h.diffusion_steps);
    if (steps < 1 || steps > sch.T)
        throw std::invalid_argument("diffusion: DDIM steps must be in 1.." + std::to_string(sch.T) + ", got " + std::to_string(steps));
    if ((x_T.rows() != B && x_T.rows() != 1) || x_T.cols() != D)
        throw std::invalid_argument("diffusion: start noise has shape " + shape_str(x_T) + ", expected (" + std::to_string(B) +
                                    "," + std::to_string(D) + ") or (1," + std::to_string(D) + ")");
    Mat& x = act;
    x.resize(B, D);
    if (x_T.rows() == B) x = x_T;
    else x = x_T.row(0).replicate(B, 1);
    const int k = sch.T / steps;
    for (int i = steps - 1; i >= 0; --i) {
        const int t = i * k;
        const Mat& eps = denoise(net, obs, x, t, h.embed, ms, hs);
        const double ab = sch.alpha_bar[t], ab_prev = t - k >= 0 ? sch.alpha_bar[t - k] : 1.0;
        const float ra = float(std::sqrt(ab)), rn = float(std::sqrt(1 - ab));
        const float pa = float(std::sqrt(ab_prev)), pn = float(std::sqrt(1 - ab_prev));
        for (Eigen::Index j = 0; j < x.size(); ++j) {
            const float x0 = std::clamp((x.data()[j] - rn * eps.data()[j]) / ra, -1.0f, 1.0f);
            x.data()[j] = pa * x0 + pn * eps.data()[j];
        }
    }
    finish(r, act);
}

void diffusion_predict(const HeadConfig& h, const ActionRange& r, const MLP& net, const Mat& obs, Mat& act, MLPScratch& ms,
                       HeadScratch& hs, Rng* rng) {
    const Eigen::Index D = net.out_features();
    Mat& x_T = hs.noise;
    if (!rng) {
        Rng fixed(kDiffusionPredictSeed);
        x_T.resize(1, D);
        for (Eigen::Index j = 0; j < D; ++j) x_T(0, j) = static_cast<float>(fixed.normal());
        ddim_sample(h, r, net, obs, x_T, h.ddim_steps, act, ms, hs);
    } else if (h.sampler == Sampler::DDPM) {
        ddpm_sample(h, r, net, obs, act, ms, hs, *rng);
    } else {
        x_T.resize(obs.rows(), D);
        for (Eigen::Index i = 0; i < x_T.size(); ++i) x_T.data()[i] = static_cast<float>(rng->normal());
        ddim_sample(h, r, net, obs, x_T, h.ddim_steps, act, ms, hs);
    }
}

// ------------------------------------------------------------------------------------------ the row
static void diffusion_settings(HeadConfig& h, HeadSettings& s) {
    s.integer("diffusion_steps", "DDPM training steps T", h.diffusion_steps, 2, kMaxDiffusionSteps);
    s.integer("ddim_steps", "DDIM steps at inference", h.ddim_steps, 1, h.diffusion_steps, "diffusion_steps");
    s.integer("embed", "width of the step embedding", h.embed, 4, kMaxHeadSetting, nullptr, true);
    s.sampler("sampler", "the sampler of sampled predictions", h.sampler);
}

// The denoiser: (S + D + E) -> D.
static HeadWidths diffusion_widths(const HeadConfig& h, long S, long D) {
    return {S + D + h.embed, D, "embed", "chunk", "D=act_dim·chunk=" + std::to_string(D)};
}

static Var<float> diffusion_head_loss(const HeadConfig& h, const ActionRange& r, Tape<float>& tape, MLP& net, MLP*,
                                      const Mat& obs, const Mat& target, const Mat& mask, Rng& rng) {
    return diffusion_loss(h, r, tape, net, obs, target, mask, rng);
}

const Head& diffusion_head() {
    static const Head row{HeadKind::Diffusion, "diffusion", true, diffusion_settings, diffusion_widths, nullptr,
                          diffusion_head_loss, diffusion_predict};
    return row;
}

}  // namespace imitate
