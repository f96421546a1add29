// The machine's ceilings, measured in the same run as the work they bound (scripts/bench_vs_torch.py):
//   BM_Ceiling_fma/threads:1   FMA GFLOP/s of one core (12 independent chains: throughput, not latency)
//   BM_Ceiling_fma/threads:2   the same loop on two threads at once, GFLOP/s summed: the two-core ceiling
//                              (on a VM two vCPUs may share one physical core; this says whether they do)
//   BM_Ceiling_read_256KB      read bandwidth of a 256 KB block that stays in L2: the h256 hidden layer's
//                              weights, which is what batch-1 inference must stream once per call
// The kernels are compiled for AVX-512, AVX2+FMA and baseline SSE2 (GCC/Clang target attributes) and the widest
// one the CPU has is picked at run time, so the default build measures the same ceiling as -Dnative=true; the
// label names the one used. Other architectures report the benchmark as skipped.
#include <benchmark/benchmark.h>

#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define IMITATE_CEILINGS_X86 1
#endif

namespace {

// One FMA "round" is one multiply-add on each of kChains independent vectors; the chains hide the FMA latency
// (4 cycles, 2 pipes on current cores: 8 chains in flight suffice, 12 leave margin). The loops over the chains are
// unrolled explicitly so that the chains stay in registers at any optimisation level.
constexpr int kChains = 12;
constexpr int kRoundsPerIter = 1024;
constexpr size_t kReadFloats = 256 * 256;  // 256 KB

// A kernel runs `rounds` rounds (or one pass over `w`) and returns a sum of its registers, so nothing is dead code.
using FmaLoop = float (*)(long rounds);
using ReadLoop = float (*)(const float* w, size_t n);

#ifdef IMITATE_CEILINGS_X86
// Horizontal sum of one vector of L lanes through memory (once per call, off the timed path; plain code, so it
// needs no target attribute). The kernels first add their registers into one vector: were the register array
// itself passed by address, it would live in memory and every FMA would become a load, an FMA and a store.
template <typename V, int L>
float hsum(const V& v) {
    float lanes[L], s = 0;
    __builtin_memcpy(lanes, &v, sizeof lanes);
    for (float f : lanes) s += f;
    return s;
}

__attribute__((target("avx512f"))) float fma_avx512(long rounds) {
    __m512 x[kChains];
    for (int i = 0; i < kChains; ++i) x[i] = _mm512_set1_ps(1.0f + 1e-3f * i);
    const __m512 m = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
    for (long r = 0; r < rounds; ++r)
#pragma GCC unroll 12
        for (auto& v : x) v = _mm512_fmadd_ps(v, m, c);
    __m512 s = x[0];
    for (int i = 1; i < kChains; ++i) s = _mm512_add_ps(s, x[i]);
    return hsum<__m512, 16>(s);
}

__attribute__((target("avx512f"))) float read_avx512(const float* w, size_t n) {
    __m512 a[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (size_t i = 0; i < n; i += 64)  // four chains: bandwidth-, not latency-bound
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) a[k] = _mm512_add_ps(a[k], _mm512_loadu_ps(w + i + 16 * k));
    return hsum<__m512, 16>(_mm512_add_ps(_mm512_add_ps(a[0], a[1]), _mm512_add_ps(a[2], a[3])));
}

__attribute__((target("avx2,fma"))) float fma_avx2(long rounds) {
    __m256 x[kChains];
    for (int i = 0; i < kChains; ++i) x[i] = _mm256_set1_ps(1.0f + 1e-3f * i);
    const __m256 m = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
    for (long r = 0; r < rounds; ++r)
#pragma GCC unroll 12
        for (auto& v : x) v = _mm256_fmadd_ps(v, m, c);
    __m256 s = x[0];
    for (int i = 1; i < kChains; ++i) s = _mm256_add_ps(s, x[i]);
    return hsum<__m256, 8>(s);
}

__attribute__((target("avx2"))) float read_avx2(const float* w, size_t n) {
    __m256 a[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (size_t i = 0; i < n; i += 32)
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) a[k] = _mm256_add_ps(a[k], _mm256_loadu_ps(w + i + 8 * k));
    return hsum<__m256, 8>(_mm256_add_ps(_mm256_add_ps(a[0], a[1]), _mm256_add_ps(a[2], a[3])));
}

// Baseline x86-64 has no FMA instruction: a multiply and an add, still 2 FLOPs per lane.
float fma_sse2(long rounds) {
    __m128 x[kChains];
    for (int i = 0; i < kChains; ++i) x[i] = _mm_set1_ps(1.0f + 1e-3f * i);
    const __m128 m = _mm_set1_ps(0.9999999f), c = _mm_set1_ps(1e-7f);
    for (long r = 0; r < rounds; ++r)
#pragma GCC unroll 12
        for (auto& v : x) v = _mm_add_ps(_mm_mul_ps(v, m), c);
    __m128 s = x[0];
    for (int i = 1; i < kChains; ++i) s = _mm_add_ps(s, x[i]);
    return hsum<__m128, 4>(s);
}

float read_sse2(const float* w, size_t n) {
    __m128 a[4] = {_mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps()};
    for (size_t i = 0; i < n; i += 16)
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) a[k] = _mm_add_ps(a[k], _mm_loadu_ps(w + i + 4 * k));
    return hsum<__m128, 4>(_mm_add_ps(_mm_add_ps(a[0], a[1]), _mm_add_ps(a[2], a[3])));
}
#endif

// One row per instruction set, widest first; the first the CPU supports is used.
struct Isa {
    const char* name;
    bool (*supported)();
    int lanes;
    FmaLoop fma;
    ReadLoop read;
};

const Isa* best_isa() {
#ifdef IMITATE_CEILINGS_X86
    static const Isa table[] = {
        {"avx512f", [] { return bool(__builtin_cpu_supports("avx512f")); }, 16, fma_avx512, read_avx512},
        {"avx2+fma", [] { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }, 8, fma_avx2, read_avx2},
        {"sse2", [] { return true; }, 4, fma_sse2, read_sse2},
    };
    for (const Isa& isa : table)
        if (isa.supported()) return &isa;
#endif
    return nullptr;
}

// Run with Threads(1) and Threads(2): with two, both threads run this loop at the same time, and Google Benchmark
// sums the per-thread FLOP counters and divides by the (per-thread mean) real time: the two-core ceiling.
void BM_Ceiling_fma(benchmark::State& st) {
    const Isa* isa = best_isa();
    if (!isa) {
        st.SkipWithError("no FMA ceiling kernel for this architecture (x86-64 only)");
        return;
    }
    for (auto _ : st) benchmark::DoNotOptimize(isa->fma(kRoundsPerIter));
    st.SetLabel(isa->name);
    st.counters["GFLOP/s"] = benchmark::Counter(2.0 * isa->lanes * kChains * kRoundsPerIter * double(st.iterations()) / 1e9,
                                                benchmark::Counter::kIsRate);
}

void BM_Ceiling_read_256KB(benchmark::State& st) {
    const Isa* isa = best_isa();
    if (!isa) {
        st.SkipWithError("no read ceiling kernel for this architecture (x86-64 only)");
        return;
    }
    std::vector<float> w(kReadFloats, 1.0f);
    for (auto _ : st) benchmark::DoNotOptimize(isa->read(w.data(), w.size()));
    st.SetLabel(isa->name);
    st.counters["GB/s"] = benchmark::Counter(4.0 * double(w.size()) * double(st.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_Ceiling_fma)->Threads(1)->Threads(2)->UseRealTime()->MinTime(0.3);
BENCHMARK(BM_Ceiling_read_256KB)->UseRealTime()->MinTime(0.3);

BENCHMARK_MAIN();
