// Pendulum-v1 throughput: raw env steps, lockstep expert rollouts at 1 and 2 threads, and the seed's data
// collection (100 PD-expert episodes x 200 steps into a Dataset) whose peer is the NumPy replica of
// Gymnasium (../shared/anchors/pendulum.py): scripts/bench_env_vs_numpy.sh runs both interleaved and
// prints the ratio. Each benchmark validates its work before timing. Counters: items/s (env steps or
// episodes) and env_steps/s.
#include "bench_main.hpp"

#include <cmath>
#include <memory>

#include "algorithms/dataset.hpp"
#include "engine/threads.hpp"
#include "envs/envs.hpp"

using namespace imitate;

namespace {

// One env, one thread: step() alone, with torques sweeping ±2.5 (some clipped).
void BM_PendulumStep_imitate(benchmark::State& st) {
    Pendulum env;
    env.reset_to(0.3, -0.4);  // validate against the equations once
    const double r = env.step(1.25).reward;
    if (std::fabs(r + (0.09 + 0.1 * 0.16 + 0.001 * 1.5625)) > 1e-12) {
        st.SkipWithError("step() disagrees with the reward formula");
        return;
    }
    Rng rng(1);
    env.reset(rng);
    double u = -2.5, ret = 0.0;
    for (auto _ : st) {
        ret += env.step(u).reward;
        u = u > 2.5 ? -2.5 : u + 0.01;
        benchmark::DoNotOptimize(ret);
    }
    st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_PendulumStep_imitate);

// args: threads, episodes. rollout_expert(PD) of `episodes` x 200 steps; items = episodes.
void BM_ExpertRollout_imitate(benchmark::State& st) {
    const int threads = int(st.range(0)), n = int(st.range(1));
    set_threads(threads);
    RolloutConfig cfg;
    cfg.episodes = n;
    cfg.seed = 1;
    int ok = 0;  // validate: the PD expert's known weakness (2-15% success, tests/test_experts.cpp)
    const Pendulum env;
    const auto pd = std::make_shared<PendulumPD>();
    for (const Episode& e : rollout_expert(env, pd, cfg)) ok += e.success;
    if (ok < n * 2 / 100 || ok > n * 15 / 100) {
        st.SkipWithError("PD expert success rate outside 2-15%");
        return;
    }
    for (auto _ : st) benchmark::DoNotOptimize(rollout_expert(env, pd, cfg).data());
    st.SetItemsProcessed(st.iterations() * n);
    st.counters["env_steps/s"] = benchmark::Counter(double(st.iterations()) * n * 200, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ExpertRollout_imitate)->Args({1, 1000})->Args({2, 1000})->Unit(benchmark::kMillisecond)->UseRealTime();

// args: threads. The seed program's collection: 100 PD-expert episodes x 200 steps, into a Dataset. 100 is
// below rollout()'s parallel threshold (256 episodes), so both rows time the same serial work.
// Peer: the NumPy replica doing the same loop (scripts/bench_env_vs_numpy.sh).
void BM_Collect100x200PD_vs_numpy(benchmark::State& st) {
    set_threads(int(st.range(0)));
    RolloutConfig cfg;
    cfg.episodes = 100;
    cfg.seed = 1;
    const Pendulum env;
    const auto pd = std::make_shared<PendulumPD>();
    auto collect = [&] {
        Dataset d;
        for (const Episode& e : rollout_expert(env, pd, cfg)) d.append(e);
        return d;
    };
    Dataset check = collect();
    try {
        check.validate("bench");
    } catch (const std::exception& e) {
        st.SkipWithError(e.what());
        return;
    }
    if (check.size() != 20000 || check.num_episodes() != 100) {
        st.SkipWithError("collection does not have 100 x 200 rows");
        return;
    }
    for (auto _ : st) benchmark::DoNotOptimize(collect().observations.data());
    st.SetItemsProcessed(st.iterations() * 100);
    st.counters["env_steps/s"] = benchmark::Counter(double(st.iterations()) * 20000, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Collect100x200PD_vs_numpy)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

IMITATE_BENCHMARK_MAIN()
