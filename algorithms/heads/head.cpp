// Head names, settings checks and the small helpers the heads share.
#include "algorithms/heads/head.hpp"

#include <stdexcept>

namespace imitate {

HeadKind parse_head(const std::string& s) {
    if (s == "mse") return HeadKind::MSE;
    if (s == "gmm") return HeadKind::GMM;
    if (s == "tokens") return HeadKind::Tokens;
    if (s == "cvae") return HeadKind::CVAE;
    if (s == "diffusion") return HeadKind::Diffusion;
    throw std::invalid_argument("head '" + s + "' is not one of mse, gmm, tokens, cvae, diffusion");
}

const char* head_name(HeadKind h) {
    switch (h) {
        case HeadKind::MSE: return "mse";
        case HeadKind::GMM: return "gmm";
        case HeadKind::Tokens: return "tokens";
        case HeadKind::CVAE: return "cvae";
        case HeadKind::Diffusion: return "diffusion";
    }
    return "?";
}

Sampler parse_sampler(const std::string& s) {
    if (s == "ddpm") return Sampler::DDPM;
    if (s == "ddim") return Sampler::DDIM;
    throw std::invalid_argument("sampler '" + s + "' is not one of ddpm, ddim");
}
const char* sampler_name(Sampler s) { return s == Sampler::DDPM ? "ddpm" : "ddim"; }

void validate_head(const HeadConfig& h, const std::string& where, bool range_set) {
    auto bad = [&](const std::string& field, const std::string& want, const std::string& got) {
        throw std::invalid_argument(where + ": " + field + " must be " + want + ", got " + got);
    };
    switch (h.kind) {
        case HeadKind::MSE: break;
        case HeadKind::GMM:
            if (h.components < 1) bad("components", ">= 1", std::to_string(h.components));
            if (!(h.min_std > 0)) bad("min_std", "> 0", std::to_string(h.min_std));
            break;
        case HeadKind::Tokens:
            if (h.bins < 2) bad("bins", ">= 2", std::to_string(h.bins));
            if (!(h.temperature > 0)) bad("temperature", "> 0", std::to_string(h.temperature));
            break;
        case HeadKind::CVAE:
            if (h.latent < 1) bad("latent", ">= 1", std::to_string(h.latent));
            if (!(h.beta >= 0)) bad("beta", ">= 0", std::to_string(h.beta));
            break;
        case HeadKind::Diffusion:
            if (h.diffusion_steps < 2 || h.diffusion_steps > 1000) bad("diffusion_steps", "in 2..1000", std::to_string(h.diffusion_steps));
            if (h.ddim_steps < 1 || h.ddim_steps > h.diffusion_steps)
                bad("ddim_steps", "in 1..diffusion_steps (" + std::to_string(h.diffusion_steps) + ")", std::to_string(h.ddim_steps));
            if (h.embed < 4 || h.embed % 2) bad("embed", "even and >= 4", std::to_string(h.embed));
            break;
    }
    const bool uses_range = h.kind == HeadKind::Tokens || h.kind == HeadKind::Diffusion;
    if (uses_range && range_set && !(h.low < h.high))
        bad("action range", "low < high", "[" + std::to_string(h.low) + ", " + std::to_string(h.high) + "]");
}

float real_rows(const Mat& mask, Mat& w) {
    w.resize(mask.rows(), 1);
    for (Eigen::Index r = 0; r < mask.rows(); ++r) w(r, 0) = (mask.row(r).array() > 0).any() ? 1.0f : 0.0f;
    return w.sum();
}

}  // namespace imitate
