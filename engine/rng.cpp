// Seeded RNG: mt19937_64 words turned into uniforms and normals by formulas we own (see rng.hpp).
#include "engine/rng.hpp"

#include <cmath>

namespace imitate {

double Rng::uniform() { return static_cast<double>(gen() >> 11) * 0x1.0p-53; }

double Rng::normal() {
    if (has_spare) {
        has_spare = false;
        return spare;
    }
    double u1 = 1.0 - uniform();  // (0, 1]: log(u1) is finite
    double u2 = uniform();
    double r = std::sqrt(-2.0 * std::log(u1));
    double a = 2.0 * M_PI * u2;
    spare = r * std::sin(a);
    has_spare = true;
    return r * std::cos(a);
}

uint64_t Rng::below(uint64_t n) {
    // Reject the top partial block so every residue is equally likely.
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = gen();
    while (x >= limit);
    return x % n;
}

static uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

uint64_t derive_seed(uint64_t base, uint64_t index) { return splitmix64(splitmix64(base) ^ splitmix64(index + 0x632BE59BD9B4E019ull)); }

}  // namespace imitate
