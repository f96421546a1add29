// The Adam update (see adam.hpp). The one loop is compiled three times by target_clones (AVX-512, AVX2,
// baseline x86-64) and the CPU picks one when the library loads, so a default build vectorises it as wide as
// a -march=native one (with SSE2 alone it was a quarter of a small training step). Every clone does the same
// IEEE operations per element (-ffp-contract=off: no FMA contraction), so all give the same bytes.
// Not under AddressSanitizer: its run-time does not expect the loader to call the clones' resolver first.
#include "engine/adam.hpp"

#include <cmath>

namespace imitate {

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void adam_update(float* __restrict pp, const float* __restrict gp, float* __restrict mp, float* __restrict vp,
                 Eigen::Index n, float lr, float b1, float b2, float eps, float wd, long t) {
    // Scalars in double, then rounded once, exactly as torch.optim.Adam (1.13, single-tensor path) does.
    const double bc1 = 1.0 - std::pow(double(b1), double(t));
    const double bc2 = 1.0 - std::pow(double(b2), double(t));
    const float step = static_cast<float>(double(lr) / bc1), bc2_sqrt = static_cast<float>(std::sqrt(bc2));
    // restrict + -fno-math-errno: the loop vectorises (sqrt and all)
    for (Eigen::Index i = 0; i < n; ++i) {
        float gi = wd != 0.0f ? gp[i] + wd * pp[i] : gp[i];
        mp[i] = b1 * mp[i] + (1.0f - b1) * gi;
        vp[i] = b2 * vp[i] + (1.0f - b2) * gi * gi;
        pp[i] -= step * (mp[i] / (std::sqrt(vp[i]) / bc2_sqrt + eps));
    }
}

}  // namespace imitate
