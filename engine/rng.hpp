// Seeded random numbers that are the same on every platform: std::mt19937_64 is fully specified by the
// standard, but std::uniform_real_distribution / std::normal_distribution are not (libstdc++ and libc++
// differ), so the conversions to uniform and normal doubles are our own.
#pragma once
#include <cstdint>
#include <random>

namespace imitate {

struct Rng {
    std::mt19937_64 gen;
    bool has_spare = false;  // Box-Muller makes normals in pairs; the second waits here
    double spare = 0.0;

    explicit Rng(uint64_t seed = 0) : gen(seed) {}

    // Next raw 64-bit word of mt19937_64.
    uint64_t next_u64() { return gen(); }
    // Uniform in [0, 1) with 53 random bits: (word >> 11) * 2^-53.
    double uniform();
    // Uniform in [lo, hi).
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Standard normal by Box-Muller: u1 in (0,1], u2 in [0,1), r = sqrt(-2 ln u1),
    // returns r cos(2 pi u2), then r sin(2 pi u2) on the next call.
    double normal();
    // Integer uniform in [0, n) by rejection (no modulo bias). Requires n > 0.
    uint64_t below(uint64_t n);
};

// A well-mixed seed for stream `index` of a run seeded with `base` (splitmix64 of both), so episode i
// of a rollout gets the same seed whatever thread runs it.
uint64_t derive_seed(uint64_t base, uint64_t index);

}  // namespace imitate
