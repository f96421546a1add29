// Environment speed for every environment of the table (envs/registry.hpp): env steps per second on one
// core (Env::step alone, replaying a recorded expert episode's actions), and lockstep expert rollouts of
// 64 episodes on 1 and 2 threads (reset, expert, step, records: what collecting demonstrations costs).
// Each benchmark validates first: the replay reproduces the recording exactly, and the expert succeeds in
// the validation rollout at least once. Counters: env_steps/s.
#include "bench_main.hpp"

#include <memory>
#include <string>

#include "engine/threads.hpp"
#include "envs/envs.hpp"

using namespace imitate;

namespace {

// One recorded expert episode (seed 1) of the env, replayed step by step, resetting at its end.
void env_step(benchmark::State& st, const EnvEntry* row) {
    std::unique_ptr<Env> env = row->make();
    RolloutConfig rc;
    rc.episodes = 1;
    rc.seed = 1;
    const Episode e = rollout_expert(*env, std::shared_ptr<const Expert>(row->experts[0].make()), rc).at(0);
    const int T = e.length(), D = env->spec().state_dim;
    // validate: the replay ends where the recording ended
    env->reset_to(e.states.row(0).data());
    for (int t = 0; t < T; ++t) env->step(e.executed.row(t).data());
    std::vector<double> s(D);
    env->get_state(s.data());
    if (s != e.final_state) {
        st.SkipWithError("the replay does not reproduce the recorded episode");
        return;
    }
    int t = 0;
    env->reset_to(e.states.row(0).data());
    for (auto _ : st) {
        benchmark::DoNotOptimize(env->step(e.executed.row(t).data()).reward);
        if (++t == T) {
            t = 0;
            env->reset_to(e.states.row(0).data());
        }
    }
    st.counters["env_steps/s"] = benchmark::Counter(double(st.iterations()), benchmark::Counter::kIsRate);
}

// 64 expert episodes in lockstep (OpenMP over episodes), the env's horizon each.
void expert_rollout(benchmark::State& st, const EnvEntry* row, int threads) {
    const int before = get_threads();
    set_threads(threads);
    std::unique_ptr<Env> env = row->make();
    const std::shared_ptr<const Expert> expert(row->experts[0].make());
    RolloutConfig rc;
    rc.episodes = 64;
    rc.seed = 2;
    long steps = 0;
    int ok = 0;
    for (const Episode& e : rollout_expert(*env, expert, rc)) steps += e.length(), ok += e.success;
    if (ok == 0 && row->id != "pendulum") {  // Pendulum's default expert (the seed's PD) rarely succeeds
        st.SkipWithError("the expert succeeded in none of 64 episodes");
        return;
    }
    for (auto _ : st) benchmark::DoNotOptimize(rollout_expert(*env, expert, rc).data());
    st.counters["env_steps/s"] = benchmark::Counter(double(st.iterations()) * steps, benchmark::Counter::kIsRate);
    set_threads(before);
}

const int registered = [] {
    for (const EnvEntry& row : env_table()) {
        benchmark::RegisterBenchmark(("BM_EnvStep/" + row.id).c_str(), env_step, &row);
        for (int threads : {1, 2})
            benchmark::RegisterBenchmark(("BM_ExpertRollout64/" + row.id + "/threads:" + std::to_string(threads)).c_str(),
                                         expert_rollout, &row, threads)
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime();
    }
    return 0;
}();

}  // namespace

IMITATE_BENCHMARK_MAIN()
