// The ACT head at the pendulum's sizes (S = 3, A = 1, chunk H = 8) with ACT's defaults (d_model 64, 4 heads,
// feed-forward 256, 2 + 2 + 2 layers, latent 16, β 10): one training step as train_bc takes it (the loss with a
// fresh ε, backward, Adam) at batch 64, and batch-1 inference (z = 0, and a sample) — the work
// bench/peers/act_torch.py times in PyTorch on the same module, so the ratio reads off one run of each.
// Validated first (the loss must fall on a fixed batch; a prediction must be finite), then timed.
// Counter GFLOP/s: the step's multiply-adds (act_step_flops below, the same count as act_torch.py's step_flops).
#include "bench_main.hpp"

#include "algorithms/bc.hpp"
#include "algorithms/policy.hpp"
#include "bench/infer_b1.hpp"
#include "autograd/autograd.hpp"
#include "engine/engine.hpp"

using namespace imitate;

namespace {

PolicyConfig act_config(int H) {
    PolicyConfig pc;
    pc.obs_dim = 3, pc.act_dim = 1, pc.chunk = H;
    pc.head.kind = HeadKind::ACT;
    pc.head.latent = 16, pc.head.beta = 10;
    return pc;
}

// Multiply-adds of one step as 2 FLOPs each, forward × 3 (the backward's dX and dW products are each the
// forward's size); attention's two products counted, elementwise work and Adam left out.
double act_step_flops(const PolicyConfig& pc, double B) {
    const HeadConfig& h = pc.head;
    const double S = pc.obs_dim, A = pc.act_dim, H = pc.chunk, d = h.d_model, ff = h.dim_ff, L = h.latent, T = H + 2;
    auto attn = [&](double rq, double rk, double tq, double tk, bool fused) {
        const double proj = fused ? 2 * rq * d * 3 * d : 2 * rq * d * d + 2 * rk * d * 2 * d;
        return proj + 2 * (B * tq * tk * d) * 2 + 2 * rq * d * d;
    };
    auto ff_block = [&](double r) { return 2 * r * d * ff * 2; };
    double fwd = 2 * B * S * d + 2 * B * H * A * d;
    fwd += h.enc_layers * (attn(B * T, B * T, T, T, true) + ff_block(B * T));
    fwd += 2 * B * d * 2 * L + 2 * B * L * d + 2 * B * S * d;
    fwd += h.layers * (attn(2 * B, 2 * B, 2, 2, true) + ff_block(2 * B));
    fwd += h.dec_layers * (attn(B * H, B * H, H, H, true) + attn(B * H, 2 * B, H, 2, false) + ff_block(B * H));
    fwd += 2 * B * H * d * A;
    return 3 * fwd;
}

// args: threads, H, batch
void BM_ActTrainStep_vs_torch(benchmark::State& st) {
    set_threads(static_cast<int>(st.range(0)));
    const int H = static_cast<int>(st.range(1)), B = static_cast<int>(st.range(2));
    Rng rng(0), head_rng(1);
    Policy pi(act_config(H), rng);
    Mat x(B, 3), y(B, H), m = Mat::Ones(B, H);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.uniform(-1, 1));
    for (Eigen::Index i = 0; i < y.size(); ++i) y.data()[i] = static_cast<float>(rng.normal());
    Adam opt(pi.parameters());
    BCStep bc(pi, B);
    auto step = [&] { return bc.run(pi, x, y, m, head_rng, opt, 0.0f); };
    double first = 0, last = 0;  // validate: the mean loss of steps 41-60 is below that of steps 1-20
    for (int i = 0; i < 60; ++i) {
        const float l = step();
        if (i < 20) first += l;
        if (i >= 40) last += l;
    }
    if (!(last < first)) {
        st.SkipWithError("loss did not fall");
        return;
    }
    for (auto _ : st) benchmark::DoNotOptimize(step());
    st.SetItemsProcessed(st.iterations());
    st.counters["GFLOP/s"] = benchmark::Counter(act_step_flops(pi.cfg, B) * double(st.iterations()) / 1e9,
                                                benchmark::Counter::kIsRate);
}

// args: threads, H, sample (0: predict at z = 0, 1: a sample)
void BM_ActInferB1_vs_torch(benchmark::State& st) {
    set_threads(static_cast<int>(st.range(0)));
    const int H = static_cast<int>(st.range(1));
    const bool sample = st.range(2) != 0;
    st.SetLabel(sample ? "sample" : "predict");
    Rng rng(0);
    time_infer_b1(st, Policy(act_config(H), rng), H, sample, rng);
}

}  // namespace

BENCHMARK(BM_ActTrainStep_vs_torch)->ArgNames({"threads", "H", "b"})->Args({1, 8, 64})->Args({2, 8, 64})->UseRealTime()->MinTime(0.5);
BENCHMARK(BM_ActInferB1_vs_torch)->ArgNames({"threads", "H", "sample"})->Args({1, 8, 0})->Args({1, 8, 1})->UseRealTime()->MinTime(0.3);

IMITATE_BENCHMARK_MAIN()
