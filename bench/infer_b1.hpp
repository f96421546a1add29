// Batch-1 inference timing shared by bench_act and bench_heads: one observation of the pendulum (S = 3) through
// a policy with chunk H, validated first (the prediction must be 1 × H and finite), then timed.
#pragma once

#include <benchmark/benchmark.h>

#include "algorithms/policy.hpp"

namespace imitate {

// Times p.predict on one observation: deterministic, or with rng when sample (a fresh draw each call).
inline void time_infer_b1(benchmark::State& st, const Policy& p, int H, bool sample, Rng& rng) {
    Mat obs(1, 3), out;
    obs << 0.5f, -0.8660254f, 1.5f;
    PolicyScratch s;
    p.predict(obs, out, s);
    if (out.rows() != 1 || out.cols() != H || !out.allFinite()) {
        st.SkipWithError("bad prediction");
        return;
    }
    for (auto _ : st) {
        if (sample) p.predict(obs, out, s, rng);
        else p.predict(obs, out, s);
        benchmark::DoNotOptimize(out.data());
    }
    st.SetItemsProcessed(st.iterations());
}

}  // namespace imitate
