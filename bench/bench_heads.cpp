// Policy heads at the seed's sizes (obs 3, hidden 256,256, batch 256, H = 1 and 4): one training step
// (the head's loss, backward, Adam) and batch-1 inference (deterministic predict and a sample), each head
// beside the MSE head it replaces — the peer, so the cost of modelling several actions reads off one run.
// Diffusion also per denoising step and per action for DDPM (T = 50 steps) and DDIM (10 steps).
// Validated first (the training loss must fall on a bimodal ±1 toy; inference must be finite), then timed.
#include "bench_main.hpp"

#include <cmath>

#include "algorithms/bc.hpp"
#include "algorithms/heads/diffusion.hpp"
#include "algorithms/policy.hpp"
#include "bench/infer_b1.hpp"
#include "autograd/autograd.hpp"
#include "engine/engine.hpp"

using namespace imitate;

namespace {

constexpr HeadKind kHeads[] = {HeadKind::MSE, HeadKind::GMM, HeadKind::Tokens, HeadKind::CVAE, HeadKind::Diffusion};

PolicyConfig seed_config(HeadKind k, int H) {
    PolicyConfig pc;
    pc.obs_dim = 3, pc.act_dim = 1, pc.chunk = H, pc.hidden = {256, 256};
    pc.head.kind = k;
    pc.head.low = -2, pc.head.high = 2;  // Pendulum's torque range
    return pc;
}

struct Trainer {
    Rng rng{0}, head_rng{1};
    Policy pi;
    Mat x, y, m;
    Adam opt;
    BCStep bc;  // the step train_bc takes: parts on both cores at this batch (algorithms/bc.hpp)
    Trainer(HeadKind k, int B, int H)
        : pi(seed_config(k, H), rng), x(B, 3), y(B, H), m(Mat::Ones(B, H)), opt(pi.parameters()), bc(pi, B) {
        for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.uniform(-1, 1));
        for (Eigen::Index b = 0; b < B; ++b) y.row(b).setConstant(rng.uniform() < 0.5 ? -1.0f : 1.0f);
    }
    float step() { return bc.run(pi, x, y, m, head_rng, opt, 0.0f); }
};

// args: head, H, threads
void BM_HeadTrainStep_vs_mse(benchmark::State& st) {
    const HeadKind k = kHeads[st.range(0)];
    const int H = static_cast<int>(st.range(1));
    set_threads(static_cast<int>(st.range(2)));
    st.SetLabel(head_name(k));
    Trainer t(k, 256, H);
    // validate: the mean loss of steps 41-60 is below that of steps 1-20 (diffusion's loss is noisy per step)
    double first = 0, last = 0;
    for (int i = 0; i < 60; ++i) {
        const float l = t.step();
        if (i < 20) first += l;
        if (i >= 40) last += l;
    }
    if (!(last < first)) {
        st.SkipWithError("loss did not fall");
        return;
    }
    for (auto _ : st) benchmark::DoNotOptimize(t.step());
    st.SetItemsProcessed(st.iterations());
}

// args: head, H, sample (0: deterministic predict, 1: predict with an Rng)
void BM_HeadInferB1_vs_mse(benchmark::State& st) {
    const HeadKind k = kHeads[st.range(0)];
    const int H = static_cast<int>(st.range(1));
    const bool sample = st.range(2) != 0;
    set_threads(1);
    st.SetLabel(std::string(head_name(k)) + (sample ? " sample" : " predict"));
    Rng rng(0);
    time_infer_b1(st, Policy(seed_config(k, H), rng), H, sample, rng);
}

// args: sampler (0 DDPM with T = 50 steps, 1 DDIM with 10), H, batch. Counters: time per denoising step (one
// denoiser pass over the batch) and per action, where an action is one generated chunk (one row: one
// environment's query).
void BM_DiffusionSample(benchmark::State& st) {
    const bool ddim = st.range(0) != 0;
    const int H = static_cast<int>(st.range(1)), B = static_cast<int>(st.range(2));
    set_threads(1);
    Rng rng(0);
    const Policy p(seed_config(HeadKind::Diffusion, H), rng);
    const HeadConfig& h = p.cfg.head;
    const int steps = ddim ? h.ddim_steps : h.diffusion_steps;
    st.SetLabel(std::string(ddim ? "ddim " : "ddpm ") + std::to_string(steps) + " steps");
    Mat obs(B, 3), out, xT(1, H);
    for (Eigen::Index i = 0; i < obs.size(); ++i) obs.data()[i] = static_cast<float>(rng.uniform(-1, 1));
    for (Eigen::Index i = 0; i < xT.size(); ++i) xT.data()[i] = static_cast<float>(rng.normal());
    MLPScratch s;
    HeadScratch hs;
    const ActionRange r = p.action_range();
    auto run = [&] {
        if (ddim) ddim_sample(h, r, p.net, obs, xT, steps, out, s, hs);
        else ddpm_sample(h, r, p.net, obs, out, s, hs, rng);
    };
    run();
    if (!out.allFinite() || out.maxCoeff() > 2 || out.minCoeff() < -2) {
        st.SkipWithError("sample outside the action range");
        return;
    }
    for (auto _ : st) {
        run();
        benchmark::DoNotOptimize(out.data());
    }
    st.SetItemsProcessed(st.iterations() * B);  // chunks (actions of the policy's queries) per second
    // seconds per denoising step and per action (printed with SI prefixes: 23.0us)
    st.counters["per_denoise_step"] = benchmark::Counter(double(st.iterations()) * steps,
                                                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    st.counters["per_action"] = benchmark::Counter(double(st.iterations()) * B,
                                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void train_args(benchmark::internal::Benchmark* b) {
    for (int k = 0; k < 5; ++k)
        for (int H : {1, 4})
            for (int threads : {1, 2}) b->Args({k, H, threads});
}
void infer_args(benchmark::internal::Benchmark* b) {
    for (int k = 0; k < 5; ++k)
        for (int H : {1, 4})
            for (int sample : {0, 1}) b->Args({k, H, sample});
}

}  // namespace

BENCHMARK(BM_HeadTrainStep_vs_mse)->ArgNames({"head", "H", "threads"})->Apply(train_args)->UseRealTime()->MinTime(0.3);
BENCHMARK(BM_HeadInferB1_vs_mse)->ArgNames({"head", "H", "sample"})->Apply(infer_args)->UseRealTime()->MinTime(0.2);
BENCHMARK(BM_DiffusionSample)->ArgNames({"ddim", "H", "b"})
    ->Args({0, 1, 1})->Args({1, 1, 1})->Args({0, 4, 1})->Args({1, 4, 1})->Args({0, 4, 256})->Args({1, 4, 256})
    ->UseRealTime()->MinTime(0.3);

IMITATE_BENCHMARK_MAIN()
