// The linear-layer kernels in GFLOP/s at the training step's shapes (B=256: 3→256, 256→256, 256→1),
// 1 and 2 threads, beside Eigen's own product (allocating, as a user would write it) and the naive
// reference kernel. Validated against the naive kernel before timing.
#include <benchmark/benchmark.h>

#include <vector>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

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
void BM_Ceiling_fma(benchmark::State& st) {
#if defined(__AVX512F__)
    __m512 x[12];
    for (int i = 0; i < 12; ++i) x[i] = _mm512_set1_ps(1.0f + 1e-3f * i);
    const __m512 m = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
    for (auto _ : st) {
        for (int it = 0; it < 1024; ++it)
            for (auto& v : x) v = _mm512_fmadd_ps(v, m, c);
        benchmark::DoNotOptimize(x);
    }
    st.counters["GFLOP/s"] = benchmark::Counter(2.0 * 16 * 12 * 1024 * st.iterations() / 1e9, benchmark::Counter::kIsRate);
#else
    st.SkipWithError("built without AVX-512 (configure with -Dnative=true)");
#endif
}

void BM_Ceiling_read_256KB(benchmark::State& st) {
#if defined(__AVX512F__)
    std::vector<float> w(256 * 256, 1.0f);
    for (auto _ : st) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;  // four chains: not latency-bound
        for (size_t i = 0; i < w.size(); i += 64) {
            a0 = _mm512_add_ps(a0, _mm512_loadu_ps(&w[i]));
            a1 = _mm512_add_ps(a1, _mm512_loadu_ps(&w[i + 16]));
            a2 = _mm512_add_ps(a2, _mm512_loadu_ps(&w[i + 32]));
            a3 = _mm512_add_ps(a3, _mm512_loadu_ps(&w[i + 48]));
        }
        __m512 sum = _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
        benchmark::DoNotOptimize(sum);
    }
    st.counters["GB/s"] = benchmark::Counter(4.0 * w.size() * st.iterations() / 1e9, benchmark::Counter::kIsRate);
#else
    st.SkipWithError("built without AVX-512 (configure with -Dnative=true)");
#endif
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

BENCHMARK(BM_Ceiling_fma)->UseRealTime();
BENCHMARK(BM_Ceiling_read_256KB)->UseRealTime();

BENCHMARK_MAIN();
