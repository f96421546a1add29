// The run-time choice of instruction-set level, and the GEMM driver every level shares: B is packed once per
// call into panels of nr columns (k-major, zero-padded), in parallel by panel; then each thread computes
// whole row chunks of C against every panel, one block of kKC values of k at a time, with the level's
// register tile (engine/gemm_avx512.cpp, engine/gemm_avx2.cpp: each explains its micro-kernel).
// Why not Eigen's product: at the training step's 256-wide shapes it reaches ~60% of the FMA peak and
// cannot be split into thread-count-independent row chunks without repacking B per chunk; and its bytes
// depend on the packet width Eigen was compiled for, while these kernels' do not.
#include "engine/gemm.hpp"
#include "engine/threads.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "engine/gemm_kernels.hpp"

namespace imitate {

using gemm_detail::GemmKernels;
using gemm_detail::kKC;

namespace {

// One row per level, worst first. The baseline has no kernel: engine/linear.cpp runs Eigen's products.
struct IsaRow {
    Isa level;
    const char* name;
    const GemmKernels* kernels;  // null: not built for this architecture, or the baseline
    bool (*cpu_runs)();
};
bool always() { return true; }
#if defined(__x86_64__)
// __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0).
bool cpu_avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
bool cpu_avx512() {
    return cpu_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
}
const GemmKernels* const kAvx2 = &gemm_detail::avx2_kernels;
const GemmKernels* const kAvx512 = &gemm_detail::avx512_kernels;
#else
bool cpu_avx2() { return false; }
bool cpu_avx512() { return false; }
const GemmKernels* const kAvx2 = nullptr;
const GemmKernels* const kAvx512 = nullptr;
#endif
const IsaRow kLevels[] = {
    {Isa::baseline, "baseline", nullptr, always},
    {Isa::avx2, "avx2", kAvx2, cpu_avx2},
    {Isa::avx512, "avx512", kAvx512, cpu_avx512},
};
const IsaRow& row_of(Isa level) { return kLevels[static_cast<int>(level)]; }

Isa best_supported() {
    Isa best = Isa::baseline;
    for (const IsaRow& r : kLevels)
        if (isa_supported(r.level)) best = r.level;
    return best;
}

Isa from_environment() {
    const char* env = std::getenv("IMITATE_ISA");
    if (!env) return best_supported();
    const Isa level = parse_isa(env, "IMITATE_ISA");
    if (!isa_supported(level))
        throw std::invalid_argument(std::string("IMITATE_ISA: this CPU or build cannot run '") + env +
                                    "' (the best it runs is '" + isa_name(best_supported()) + "')");
    return level;
}

std::atomic<int> forced{-1};  // set_isa's level, or -1

const GemmKernels& kernels_of(Isa level) {
    const GemmKernels* k = row_of(level).kernels;
    if (!k || !isa_supported(level))
        throw std::invalid_argument(std::string("gemm: no '") + isa_name(level) + "' kernel runs here");
    return *k;
}

// Chunks of C's rows: a pure function of the shape (never of the thread count).
int row_chunks(int M, double flops) {
    if (flops < 4e5 || M < 32) return 1;
    return std::clamp(M / 128, 2, 16);
}
int chunk_begin(int M, int chunks, int c) {
    if (c >= chunks) return M;
    return std::min(static_cast<int>((static_cast<long>(M) * c / chunks) & ~7L), M);
}

}  // namespace

const char* isa_name(Isa level) { return row_of(level).name; }

Isa parse_isa(const std::string& name, const std::string& what) {
    for (const IsaRow& r : kLevels)
        if (name == r.name) return r.level;
    throw std::invalid_argument(what + ": '" + name + "' is not one of avx512, avx2, baseline");
}

bool isa_supported(Isa level) {
    static const auto runs = [] {  // asked once: the kernels check it on every call
        std::array<bool, std::size(kLevels)> ok{};
        for (const IsaRow& r : kLevels) ok[static_cast<int>(r.level)] = r.level == Isa::baseline || (r.kernels && r.cpu_runs());
        return ok;
    }();
    return runs[static_cast<int>(level)];
}

Isa isa() {
    const int f = forced.load(std::memory_order_relaxed);
    if (f >= 0) return static_cast<Isa>(f);
    static const Isa chosen = from_environment();  // once; an exception leaves it to the next call
    return chosen;
}

void set_isa(Isa level) {
    if (!isa_supported(level))
        throw std::invalid_argument(std::string("set_isa: this CPU or build cannot run '") + isa_name(level) + "'");
    forced.store(static_cast<int>(level), std::memory_order_relaxed);
}

void gemm_f32(Isa level, int M, int N, int K, const float* a, std::ptrdiff_t sai, std::ptrdiff_t sak,
              const float* b, std::ptrdiff_t ldb, bool b_trans, float* c, std::ptrdiff_t ldc, bool accumulate,
              const float* bias) {
    const GemmKernels& kern = kernels_of(level);
    const int nr = kern.nr, mr = kern.mr;
    const int panels = (N + nr - 1) / nr;
    const size_t panel_size = static_cast<size_t>(K) * nr;
    thread_local std::vector<float> packed;  // grows once, then reused: no allocation per call
    if (packed.size() < panel_size * panels) packed.resize(panel_size * panels);
    float* bp_all = packed.data();
    const int chunks = row_chunks(M, 2.0 * M * N * K);
    // 1. pack B: panel p holds columns [nr·p, nr·p + nr) as K rows of nr floats, zero beyond N
    auto pack_panel = [&](int p) { kern.pack_b(K, N, b, ldb, b_trans, p * nr, bp_all + p * panel_size); };
    // 2. one chunk of rows, one block of kKC values of k at a time: pack the chunk's rows of A for that block
    //    (groups of mr rows, k-major, zero-padded), then multiply them by every panel's slice of the block. The
    //    slice (kKC × nr floats: 16 KB for AVX-512, 8 KB for AVX2) stays in L1 while the row groups stream past
    //    it. Block kb > 0 adds its partial sums to C: C = ((C₀ + Σ_block0) + Σ_block1) + ..., whatever the
    //    thread count and the level.
    auto row_range = [&](int r0, int r1) {
        thread_local std::vector<float> a_pack;  // per thread, reused
        const int max_rows = (M + mr - 1) / mr * mr;
        if (a_pack.size() < static_cast<size_t>(max_rows) * kKC) a_pack.resize(static_cast<size_t>(max_rows) * kKC);
        float* ap = a_pack.data();
        // a row-major A is read in place (mr rows at stride sai); only a k-major A and the last, partial
        // group of rows are packed
        const bool in_place = sak == 1 && sai != 1;
        for (int k0 = 0; k0 < K; k0 += kKC) {
            const int kc = std::min(kKC, K - k0);
            for (int i = r0; i < r1; i += mr)
                if (!in_place || r1 - i < mr)
                    kern.pack_a(kc, a + i * sai + k0 * sak, sai, sak, std::min(mr, r1 - i), ap + (i - r0) * kKC);
            for (int p = 0; p < panels; ++p) {
                const int j0 = p * nr, jn = std::min(nr, N - j0);
                const float* bp = bp_all + p * panel_size + static_cast<size_t>(k0) * nr;
                const bool acc = accumulate || k0 > 0;
                const float* bias_p = bias && k0 == 0 ? bias + j0 : nullptr;
                for (int i = r0; i < r1; i += mr) {
                    const int rows = std::min(mr, r1 - i);
                    if (in_place && rows == mr)
                        kern.tile_in_place(kc, a + i * sai + k0, sai, bp, c + i * ldc + j0, ldc, rows, jn, acc, bias_p);
                    else
                        kern.tile_packed(kc, ap + (i - r0) * kKC, 0, bp, c + i * ldc + j0, ldc, rows, jn, acc, bias_p);
                }
            }
        }
    };
    auto row_chunk = [&](int ch) { row_range(chunk_begin(M, chunks, ch), chunk_begin(M, chunks, ch + 1)); };
    // A one-chunk product, or one that cannot fork (one thread, or called from inside a parallel region:
    // a part of a data-parallel step), enters no parallel region: libgomp sets up a team even for a
    // serialised one (`if (false)`), and a control loop's predict must not allocate (algorithms/imitate.h).
    // It runs all rows as one range: the chunks only share rows out among threads, and one range leaves at
    // most one partial tile of rows instead of one per chunk (a 128-row part in two chunks of 64 ran 5 full
    // tiles of 12 and one of 4 twice, instead of 10 and one of 8). Every element of C is the same sum either way.
    if (chunks == 1 || !can_fork()) {
        for (int p = 0; p < panels; ++p) pack_panel(p);
        row_range(0, M);
        return;
    }
#pragma omp parallel
    {
#pragma omp for schedule(static)
        for (int p = 0; p < panels; ++p) pack_panel(p);
        // (implicit barrier: every panel is packed before any chunk reads it)
#pragma omp for schedule(static)
        for (int ch = 0; ch < chunks; ++ch) row_chunk(ch);
    }
}

void gemv_f32(Isa level, int B, int N, int K, const float* x, const float* W, const float* bias, float* out) {
    // One thread: a fork/join costs about as much as the whole 256×256 product at batch 1.
    kernels_of(level).gemv(B, N, K, x, W, bias, out);
}

size_t gemv_packed_floats(int N, int K) { return static_cast<size_t>((N + 15) / 16) * 16 * static_cast<size_t>(K); }

void pack_gemv_weights(int N, int K, const float* W, float* dst) {
    for (int j = 0; j < N; j += 16)
        for (int k = 0; k < K; ++k, dst += 16)
            for (int l = 0; l < 16; ++l) dst[l] = j + l < N ? W[static_cast<std::ptrdiff_t>(j + l) * K + k] : 0.0f;
}

bool gemv_packed_supported(Isa level) {
    return level != Isa::baseline && isa_supported(level) && kernels_of(level).gemv_packed != nullptr;
}

void gemv_packed_f32(Isa level, int B, int N, int K, const float* x, const float* Wp, const float* bias, float* out) {
    kernels_of(level).gemv_packed(B, N, K, x, Wp, bias, out);
}

}  // namespace imitate
