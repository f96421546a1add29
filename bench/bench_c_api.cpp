// The C interface's cost over the C++ call it wraps: batch-1 deterministic predict of the seed's policy
// (obs 3, hidden 256,256, H = 4, normalising; saved and loaded as a checkpoint) through
// imitate_policy_predict (registry check, buffer lookup, copies in and out) beside Policy::predict with the
// caller's own Mat and scratch — the peer. The budget: at most 10% more per call. A tiny network
// (/1) shows the wrapper's absolute cost.
// Validated first (the two give the same bits), then timed; items/s = predictions per second. Interleave
// repetitions to average out a shared machine:
//   build/bench/bench_c_api --benchmark_repetitions=10 --benchmark_enable_random_interleaving=true
//     --benchmark_report_aggregates_only=true
#include "bench_main.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

#include "algorithms/io/policy_checkpoint.hpp"
#include "algorithms/imitate.h"

using namespace imitate;

namespace {

struct Fixture {
    std::string path;
    Policy policy;
    imitate_policy* handle = nullptr;
    Mat obs;

    static Policy make(std::vector<int> hidden) {
        PolicyConfig pc;
        pc.obs_dim = 3, pc.act_dim = 1, pc.chunk = 4, pc.hidden = std::move(hidden);
        Rng rng(0);
        Policy p(pc, rng);
        Mat o(64, 3), a(64, 1);
        for (int i = 0; i < 64; ++i) {
            o(i, 0) = static_cast<float>(rng.uniform(-1, 1)), o(i, 1) = static_cast<float>(rng.uniform(-1, 1));
            o(i, 2) = static_cast<float>(rng.uniform(-8, 8)), a(i, 0) = static_cast<float>(rng.uniform(-2, 2));
        }
        p.norm = fit_normalizer(o, a);
        return p;
    }
    explicit Fixture(std::vector<int> hidden)
        : path("/tmp/bench_c_api_policy." + std::to_string(::getpid()) + ".safetensors"), policy(make(hidden)) {
        save_policy(path, policy);
        policy = load_policy(path);
        handle = imitate_policy_open(path.c_str());
        std::remove(path.c_str());
        if (!handle) {
            std::fprintf(stderr, "bench_c_api: %s\n", imitate_last_error());
            std::abort();
        }
        obs.resize(1, 3);
        obs << 0.5f, -0.25f, 1.5f;
        // Validate: the same bits both ways.
        Mat want;
        PolicyScratch s;
        policy.predict(obs, want, s);
        float got[4];
        if (imitate_policy_predict(handle, obs.data(), 1, got) != 0 || std::memcmp(got, want.data(), sizeof got) != 0) {
            std::fprintf(stderr, "bench_c_api: the C interface and Policy::predict disagree\n");
            std::abort();
        }
    }
};

// The seed's network, and a tiny one (3 -> 4 -> 4) whose compute is small enough that the difference
// between the two calls is the wrapper's own cost in ns.
Fixture& fixture(int tiny) {
    static Fixture seed({256, 256}), small({4});
    return tiny ? small : seed;
}

void BM_predict_batch1_cpp(benchmark::State& state) {
    Fixture& f = fixture(static_cast<int>(state.range(0)));
    Mat out;
    PolicyScratch s;
    for (auto _ : state) {
        f.policy.predict(f.obs, out, s);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_predict_batch1_c_api(benchmark::State& state) {
    Fixture& f = fixture(static_cast<int>(state.range(0)));
    float out[4];
    for (auto _ : state) {
        if (imitate_policy_predict(f.handle, f.obs.data(), 1, out) != 0) state.SkipWithError(imitate_last_error());
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(state.iterations());
}

}  // namespace

// Argument: 0 = the seed's policy, 1 = the tiny one.
BENCHMARK(BM_predict_batch1_cpp)->Arg(0)->Arg(1);
BENCHMARK(BM_predict_batch1_c_api)->Arg(0)->Arg(1);
IMITATE_BENCHMARK_MAIN()
