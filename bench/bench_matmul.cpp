// The linear-layer kernels in GFLOP/s at the training step's shapes (B=256: 3→256, 256→256, 256→1),
// 1 and 2 threads, beside Eigen's own product (allocating, as a user would write it) and the naive
// reference kernel; batch-1 inference of the 3→256→256→1 MLP at every instruction-set level this CPU runs;
// and the machine's ceilings. Validated against the naive kernel before timing.
// The kernels' level is the run-time one (IMITATE_ISA to force it); the ceilings are compiled for AVX-512
// whatever the build's flags and are skipped on a CPU without it.
#include "bench_main.hpp"

#include <cmath>
#include <vector>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "autograd/nn.hpp"
#include "engine/engine.hpp"

using namespace imitate;

namespace {

struct Shapes {
    Mat x, W, b, out, dout, dx, dW, db;
    Shapes(int B, int I, int O) {
        Rng r(1);
        auto fill = [&](Mat& m, int rows, int cols) {
            m.resize(rows, cols);
            for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(r.normal());
        };
        fill(x, B, I), fill(W, O, I), fill(b, 1, O), fill(dout, B, O);
        dx = Mat::Zero(B, I), dW = Mat::Zero(O, I), db = Mat::Zero(1, O);
    }
};

bool validate(Shapes& s) {
    Mat ref;
    linear_forward_naive(ref, s.x, s.W, &s.b);
    linear_forward(s.out, s.x, s.W, &s.b);
    return (ref - s.out).cwiseAbs().maxCoeff() <= 1e-3f * (1.0f + ref.cwiseAbs().maxCoeff());
}

// args: threads, B, I, O
void set_counters(benchmark::State& st, double flops) {
    st.counters["GFLOP/s"] = benchmark::Counter(flops * st.iterations() / 1e9, benchmark::Counter::kIsRate);
}

void BM_Forward_imitate(benchmark::State& st) {
    set_threads(static_cast<int>(st.range(0)));
    Shapes s(static_cast<int>(st.range(1)), static_cast<int>(st.range(2)), static_cast<int>(st.range(3)));
    if (!validate(s)) return st.SkipWithError("fast != naive");
    for (auto _ : st) {
        linear_forward(s.out, s.x, s.W, &s.b);
        benchmark::DoNotOptimize(s.out.data());
    }
    set_counters(st, 2.0 * st.range(1) * st.range(2) * st.range(3));
}

void BM_Backward_imitate(benchmark::State& st) {  // dx and dW and db: twice the forward's FLOPs
    set_threads(static_cast<int>(st.range(0)));
    Shapes s(static_cast<int>(st.range(1)), static_cast<int>(st.range(2)), static_cast<int>(st.range(3)));
    for (auto _ : st) {
        linear_backward(s.dout, s.x, s.W, &s.dx, &s.dW, &s.db);
        benchmark::DoNotOptimize(s.dW.data());
    }
    set_counters(st, 4.0 * st.range(1) * st.range(2) * st.range(3));
}

void BM_Forward_eigen_product(benchmark::State& st) {  // out = x·Wᵀ + b written plainly: allocates
    Shapes s(static_cast<int>(st.range(1)), static_cast<int>(st.range(2)), static_cast<int>(st.range(3)));
    for (auto _ : st) {
        Mat out = (s.x * s.W.transpose()).rowwise() + s.b.row(0);
        benchmark::DoNotOptimize(out.data());
    }
    set_counters(st, 2.0 * st.range(1) * st.range(2) * st.range(3));
}

void BM_Forward_naive(benchmark::State& st) {
    Shapes s(static_cast<int>(st.range(1)), static_cast<int>(st.range(2)), static_cast<int>(st.range(3)));
    for (auto _ : st) {
        linear_forward_naive(s.out, s.x, s.W, &s.b);
        benchmark::DoNotOptimize(s.out.data());
    }
    set_counters(st, 2.0 * st.range(1) * st.range(2) * st.range(3));
}

// The machine's ceilings, measured in the same run as the kernels: the FMA rate of one core (12 independent
// chains of x = x·m + c), and the rate at which one core reads the 256×256 layer's weights (256 KB, resident
// in L2 after the first pass). A batch-1 forward of the 256-wide MLP must read those weights once, so
// 256 KB divided by this rate is its floor on one core.
#if defined(__x86_64__)
#define IMITATE_AVX512 __attribute__((target("avx512f")))
IMITATE_AVX512 float lane_sum(__m512 v) {  // every lane (GCC 12's _mm512_reduce_add_ps warns: bug 105593)
    alignas(64) float t[16];
    _mm512_store_ps(t, v);
    float s = 0;
    for (float e : t) s += e;
    return s;
}
IMITATE_AVX512 float fma_chains(float start, long iterations) {  // floats in and out: no AVX-512 value crosses a call
    __m512 x[12];
    for (int i = 0; i < 12; ++i) x[i] = _mm512_set1_ps(start + 1e-3f * i);
    const __m512 m = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
    for (long it = 0; it < iterations; ++it)
        for (auto& v : x) v = _mm512_fmadd_ps(v, m, c);
    __m512 sum = x[0];
    for (int i = 1; i < 12; ++i) sum = _mm512_add_ps(sum, x[i]);
    return lane_sum(sum);
}
IMITATE_AVX512 float read_all(const std::vector<float>& w) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;  // four chains: not latency-bound
    for (size_t i = 0; i < w.size(); i += 64) {
        a0 = _mm512_add_ps(a0, _mm512_loadu_ps(&w[i]));
        a1 = _mm512_add_ps(a1, _mm512_loadu_ps(&w[i + 16]));
        a2 = _mm512_add_ps(a2, _mm512_loadu_ps(&w[i + 32]));
        a3 = _mm512_add_ps(a3, _mm512_loadu_ps(&w[i + 48]));
    }
    return lane_sum(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}
bool have_avx512() { return __builtin_cpu_supports("avx512f"); }
#else
bool have_avx512() { return false; }
#endif

void BM_Ceiling_fma(benchmark::State& st) {
    if (!have_avx512()) return st.SkipWithError("this CPU has no AVX-512");
#if defined(__x86_64__)
    for (auto _ : st) {
        float start = 1.0f;
        benchmark::DoNotOptimize(start);  // an unknown start: the chains cannot be hoisted out of the loop
        float sum = fma_chains(start, 1024);
        benchmark::DoNotOptimize(sum);
    }
    st.counters["GFLOP/s"] = benchmark::Counter(2.0 * 16 * 12 * 1024 * st.iterations() / 1e9, benchmark::Counter::kIsRate);
#endif
}

void BM_Ceiling_read_256KB(benchmark::State& st) {
    if (!have_avx512()) return st.SkipWithError("this CPU has no AVX-512");
#if defined(__x86_64__)
    std::vector<float> w(256 * 256, 1.0f);
    for (auto _ : st) {
        float sum = read_all(w);
        benchmark::DoNotOptimize(sum);
    }
    st.counters["GB/s"] = benchmark::Counter(4.0 * w.size() * st.iterations() / 1e9, benchmark::Counter::kIsRate);
#endif
}

// Batch-1 inference of the 3→256→256→1 ReLU MLP (MLP::infer: three linear_forward calls, i.e. GEMVs, and
// two ReLUs) at level `level` (0 baseline, 1 avx2, 2 avx512). Its floor is reading the weights once:
// bytes/s reports (256·3 + 256·256 + 256 + 2·256 + 1) floats per inference, to set beside
// BM_Ceiling_read_256KB's GB/s in the same run.
void BM_Infer_batch1_h256(benchmark::State& st) {
    const Isa level = static_cast<Isa>(st.range(0)), saved = isa();
    if (!isa_supported(level)) return st.SkipWithError("this CPU does not run this level");
    set_isa(level);
    Rng rng(3);
    const MLP net({3, 256, 256, 1}, Activation::ReLU, rng);
    Mat obs(1, 3), out, ref;
    obs << 0.5f, -0.25f, 1.5f;
    MLPScratch scratch;
    net.infer(obs, out, scratch);
    Mat h;  // validate against the naive kernels
    linear_forward_naive(ref, obs, net.layers[0].W.value, &net.layers[0].b.value);
    for (size_t i = 1; i < net.layers.size(); ++i) {
        h = ref.cwiseMax(0.0f);
        linear_forward_naive(ref, h, net.layers[i].W.value, &net.layers[i].b.value);
    }
    if (std::abs(out(0, 0) - ref(0, 0)) > 1e-4f * (1.0f + std::abs(ref(0, 0)))) {
        set_isa(saved);
        return st.SkipWithError("infer != naive");
    }
    for (auto _ : st) {
        net.infer(obs, out, scratch);
        benchmark::DoNotOptimize(out.data());
    }
    const double floats = 256.0 * 3 + 256.0 * 256 + 256 + 2 * 256 + 1;
    st.counters["GB/s"] = benchmark::Counter(4.0 * floats * st.iterations() / 1e9, benchmark::Counter::kIsRate);
    set_isa(saved);
}

void shapes(benchmark::internal::Benchmark* b) {
    b->ArgNames({"threads", "B", "I", "O"});
    for (int t : {1, 2})
        for (auto s : {std::array<int, 3>{256, 3, 256}, {256, 256, 256}, {256, 256, 1}, {1, 256, 256}})
            b->Args({t, s[0], s[1], s[2]});
    b->UseRealTime();
}

}  // namespace

BENCHMARK(BM_Forward_imitate)->Apply(shapes);
BENCHMARK(BM_Backward_imitate)->Apply(shapes);
BENCHMARK(BM_Forward_eigen_product)->Args({1, 256, 3, 256})->Args({1, 256, 256, 256})->Args({1, 256, 256, 1})->UseRealTime();
BENCHMARK(BM_Forward_naive)->Args({1, 256, 256, 256})->UseRealTime();

BENCHMARK(BM_Infer_batch1_h256)->ArgName("level")->DenseRange(0, 2)->UseRealTime();
BENCHMARK(BM_Ceiling_fma)->UseRealTime();
BENCHMARK(BM_Ceiling_read_256KB)->UseRealTime();

IMITATE_BENCHMARK_MAIN()
