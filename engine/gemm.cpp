// GEMM with a 12×32 AVX-512 register tile (24 accumulators): per k, two loads of packed B, twelve
// broadcasts of packed A, 24 FMAs. B is packed once per call into 32-column panels (k-major, zero-padded),
// in parallel by panel; then each thread computes whole row chunks of C against every panel.
// Why not Eigen's product: at the training step's 256-wide shapes it reaches ~60% of the FMA peak and
// cannot be split into thread-count-independent row chunks without repacking B per chunk.
#include "engine/gemm.hpp"
#include "engine/threads.hpp"

#include <algorithm>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace imitate {

#if defined(__AVX512F__)

bool gemm_available() { return true; }

namespace {

constexpr int kNR = 32;  // columns per panel (two zmm)
constexpr int kMR = 12;  // rows per register tile: 12×2 = 24 accumulators of the 32 zmm registers
constexpr int kKC = 128; // values of k per block: a panel's slice of B is 128×32 floats = 16 KB, half of L1

// C rows [0,rows) × panel columns [0,jn) (+)= Ap·Bp. Ap = K rows of kMR packed floats (rows beyond `rows`
// are zero), Bp = K rows of kNR packed floats. Both operands stream contiguously through the k loop.
// Unpacked (a row-major A with all 12 rows present): A(r,k) = ap[r·sai + k], read in place.
template <bool Packed>
inline void tile(int K, const float* ap, std::ptrdiff_t sai, const float* bp, float* c, std::ptrdiff_t ldc, int rows,
                 int jn, bool accumulate, const float* bias) {
    __m512 acc0[kMR], acc1[kMR];
#pragma GCC unroll 12
    for (int r = 0; r < kMR; ++r) acc0[r] = acc1[r] = _mm512_setzero_ps();
    for (int k = 0; k < K; ++k, ap += Packed ? kMR : 1, bp += kNR) {
        const __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
#pragma GCC unroll 12
        for (int r = 0; r < kMR; ++r) {
            const __m512 av = _mm512_set1_ps(Packed ? ap[r] : ap[r * sai]);
            acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
            acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
        }
    }
    const __mmask16 m0 = jn >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << jn) - 1);
    const __mmask16 m1 = jn >= 32 ? __mmask16(0xFFFF) : jn > 16 ? __mmask16((1u << (jn - 16)) - 1) : __mmask16(0);
    __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps();
    if (!accumulate && bias) bias0 = _mm512_maskz_loadu_ps(m0, bias), bias1 = _mm512_maskz_loadu_ps(m1, bias + 16);
#pragma GCC unroll 12
    for (int r = 0; r < kMR; ++r) {
        if (r >= rows) break;
        float* cr = c + r * ldc;
        __m512 c0, c1;
        if (accumulate) {  // C_old + Σ_k: the same order as the naive kernel's `+= acc`
            c0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cr), acc0[r]);
            c1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, cr + 16), acc1[r]);
        } else {
            c0 = _mm512_add_ps(acc0[r], bias0);
            c1 = _mm512_add_ps(acc1[r], bias1);
        }
        _mm512_mask_storeu_ps(cr, m0, c0);
        _mm512_mask_storeu_ps(cr + 16, m1, c1);
    }
}

// Panel of B: columns [j0, j0+32) as K rows of 32 floats, zero beyond N. Contiguous rows are two vector
// copies per k; a transposed B (rows of W) is read with one 16-lane gather per half row.
inline void pack_b_panel(int K, int N, const float* b, std::ptrdiff_t ldb, bool b_trans, int j0, float* dst) {
    const int jn = std::min(kNR, N - j0);
    const __mmask16 m0 = jn >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << jn) - 1);
    const __mmask16 m1 = jn >= 32 ? __mmask16(0xFFFF) : jn > 16 ? __mmask16((1u << (jn - 16)) - 1) : __mmask16(0);
    if (!b_trans) {
        for (int k = 0; k < K; ++k, dst += kNR) {
            const float* src = b + k * ldb + j0;
            _mm512_storeu_ps(dst, _mm512_maskz_loadu_ps(m0, src));
            _mm512_storeu_ps(dst + 16, _mm512_maskz_loadu_ps(m1, src + 16));
        }
    } else if (31 * ldb < (std::ptrdiff_t(1) << 31)) {
        const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                               _mm512_set1_epi32(static_cast<int>(ldb)));
        const float* src0 = b + static_cast<std::ptrdiff_t>(j0) * ldb;
        const float* src1 = src0 + 16 * ldb;
        for (int k = 0; k < K; ++k, dst += kNR) {
            _mm512_storeu_ps(dst, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m0, idx, src0 + k, 4));
            _mm512_storeu_ps(dst + 16, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m1, idx, src1 + k, 4));
        }
    } else {
        for (int k = 0; k < K; ++k, dst += kNR)
            for (int jj = 0; jj < kNR; ++jj) dst[jj] = jj < jn ? b[(j0 + jj) * ldb + k] : 0.0f;
    }
}

// Block of A: rows [0, rows) as K groups of 12 floats (k-major), zero beyond `rows`. A k-major A (the
// transposed read of dW) is one masked copy per k; a row-major A one 12-lane gather per k.
inline void pack_a_block(int K, const float* a, std::ptrdiff_t sai, std::ptrdiff_t sak, int rows, float* ap) {
    const __mmask16 m = static_cast<__mmask16>((1u << rows) - 1);
    if (sai == 1) {
        for (int k = 0; k < K; ++k) _mm512_mask_storeu_ps(ap + k * kMR, 0x0FFF, _mm512_maskz_loadu_ps(m, a + k * sak));
    } else if (11 * sai < (std::ptrdiff_t(1) << 31)) {
        const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 0, 0, 0),
                                               _mm512_set1_epi32(static_cast<int>(sai)));
        for (int k = 0; k < K; ++k)
            _mm512_mask_storeu_ps(ap + k * kMR, 0x0FFF, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx, a + k * sak, 4));
    } else {
        for (int k = 0; k < K; ++k)
            for (int r = 0; r < kMR; ++r) ap[k * kMR + r] = r < rows ? a[r * sai + k * sak] : 0.0f;
    }
}

// Same chunking rule as matmul.cpp: a pure function of the row count.
int row_chunks(int M, double flops) {
    if (flops < 4e5 || M < 32) return 1;
    return std::clamp(M / 128, 2, 16);
}
int chunk_begin(int M, int chunks, int c) {
    if (c >= chunks) return M;
    return std::min(static_cast<int>((static_cast<long>(M) * c / chunks) & ~7L), M);
}

}  // namespace

void gemm_f32(int M, int N, int K, const float* a, std::ptrdiff_t sai, std::ptrdiff_t sak, const float* b,
              std::ptrdiff_t ldb, bool b_trans, float* c, std::ptrdiff_t ldc, bool accumulate, const float* bias) {
    const int panels = (N + kNR - 1) / kNR;
    const size_t panel_size = static_cast<size_t>(K) * kNR;
    thread_local std::vector<float> packed;  // grows once, then reused: no allocation per call
    if (packed.size() < panel_size * panels) packed.resize(panel_size * panels);
    float* bp_all = packed.data();
    const int chunks = row_chunks(M, 2.0 * M * N * K);
    // 1. pack B: panel p holds columns [32p, 32p+32) as K rows of 32 floats, zero beyond N
    auto pack_panel = [&](int p) { pack_b_panel(K, N, b, ldb, b_trans, p * kNR, bp_all + p * panel_size); };
    // 2. one chunk of rows, one block of kKC values of k at a time: pack the chunk's rows of A for that block
    //    (groups of 12 rows, k-major, zero-padded), then multiply them by every panel's slice of the block. The
    //    slice (kKC × 32 floats = 16 KB) stays in L1 while the row groups stream past it. Block kb > 0 adds its
    //    partial sums to C: C = ((C₀ + Σ_block0) + Σ_block1) + ..., whatever the thread count.
    auto row_chunk = [&](int ch) {
        thread_local std::vector<float> a_pack;  // per thread, reused
        const int max_rows = (M + kMR - 1) / kMR * kMR;
        if (a_pack.size() < static_cast<size_t>(max_rows) * kKC) a_pack.resize(static_cast<size_t>(max_rows) * kKC);
        float* ap = a_pack.data();
        const int r0 = chunk_begin(M, chunks, ch), r1 = chunk_begin(M, chunks, ch + 1);
        for (int k0 = 0; k0 < K; k0 += kKC) {
            const int kc = std::min(kKC, K - k0);
            // a row-major A is read in place (12 rows at stride sai); only a k-major A and the last,
            // partial group of rows are packed
            const bool in_place = sak == 1 && sai != 1;
            for (int i = r0; i < r1; i += kMR)
                if (!in_place || r1 - i < kMR)
                    pack_a_block(kc, a + i * sai + k0 * sak, sai, sak, std::min(kMR, r1 - i), ap + (i - r0) * kKC);
            for (int p = 0; p < panels; ++p) {
                const int j0 = p * kNR, jn = std::min(kNR, N - j0);
                const float* bp = bp_all + p * panel_size + static_cast<size_t>(k0) * kNR;
                for (int i = r0; i < r1; i += kMR) {
                    const int rows = std::min(kMR, r1 - i);
                    const bool acc = accumulate || k0 > 0;
                    const float* bias_p = bias && k0 == 0 ? bias + j0 : nullptr;
                    if (in_place && rows == kMR)
                        tile<false>(kc, a + i * sai + k0, sai, bp, c + i * ldc + j0, ldc, rows, jn, acc, bias_p);
                    else
                        tile<true>(kc, ap + (i - r0) * kKC, 0, bp, c + i * ldc + j0, ldc, rows, jn, acc, bias_p);
                }
            }
        }
    };
    // A one-chunk product, or one that cannot fork (one thread, or called from inside a parallel region:
    // a part of a data-parallel step), enters no parallel region: libgomp sets up a team even for a
    // serialised one (`if (false)`), and a control loop's predict must not allocate (algorithms/imitate.h).
    if (chunks == 1 || !can_fork()) {
        for (int p = 0; p < panels; ++p) pack_panel(p);
        for (int ch = 0; ch < chunks; ++ch) row_chunk(ch);
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

// Sixteen sums at once: lane i of the result is the sum of the 16 lanes of a[i]. A tree of 15 adds whose
// shuffles keep, after each level, the partial sums of twice as many rows per vector (cheaper than sixteen
// separate horizontal reductions). The final lanes come out in the order pos(i); one permute restores i.
static __m512 reduce16(__m512 a[16]) {
    __m512 v[8], w[4], u[2];
    for (int i = 0; i < 8; ++i)  // 256-bit halves: rows i | i+8
        v[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[i], a[i + 8], 0x44), _mm512_shuffle_f32x4(a[i], a[i + 8], 0xEE));
    for (int i = 0; i < 4; ++i)  // 128-bit lanes: rows i | i+8 | i+4 | i+12
        w[i] = _mm512_add_ps(_mm512_shuffle_f32x4(v[i], v[i + 4], 0x88), _mm512_shuffle_f32x4(v[i], v[i + 4], 0xDD));
    for (int i = 0; i < 2; ++i)  // pairs inside each 128-bit lane: rows i, i+2 (plus the lane's offset)
        u[i] = _mm512_add_ps(_mm512_shuffle_ps(w[i], w[i + 2], 0x44), _mm512_shuffle_ps(w[i], w[i + 2], 0xEE));
    const __m512 r = _mm512_add_ps(_mm512_shuffle_ps(u[0], u[1], 0x88), _mm512_shuffle_ps(u[0], u[1], 0xDD));
    // r[4L + e] holds row base[L] + perm[e], base = {0, 8, 4, 12}, perm = {0, 2, 1, 3}
    const __m512i pos = _mm512_setr_epi32(0, 2, 1, 3, 8, 10, 9, 11, 4, 6, 5, 7, 12, 14, 13, 15);
    return _mm512_permutexvar_ps(pos, r);
}

// out[r][j0, j1) for every row r of x as dot products with the rows of W: sixteen rows of W at a time (one
// load of x feeds sixteen FMAs and sixteen independent streams keep the loads from L2 in flight), then
// four or one at a time for the remainder.
static void gemv_block(int B, int N, int K, const float* x, const float* W, const float* bias, float* out, int j0, int j1) {
    const int kfull = K & ~15;
    const __mmask16 tail = static_cast<__mmask16>((1u << (K - kfull)) - 1);
    for (int r = 0; r < B; ++r) {
        const float* xr = x + static_cast<std::ptrdiff_t>(r) * K;
        float* o = out + static_cast<std::ptrdiff_t>(r) * N;
        int j = j0;
        for (; j + 16 <= j1; j += 16) {
            const float* w0 = W + static_cast<std::ptrdiff_t>(j) * K;
            __m512 acc[16];
            for (int i = 0; i < 16; ++i) acc[i] = _mm512_setzero_ps();
            for (int k = 0; k < kfull; k += 16) {
                const __m512 xv = _mm512_loadu_ps(xr + k);
#pragma GCC unroll 16
                for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w0 + i * K + k), acc[i]);
            }
            if (tail) {
                const __m512 xv = _mm512_maskz_loadu_ps(tail, xr + kfull);
#pragma GCC unroll 16
                for (int i = 0; i < 16; ++i)
                    acc[i] = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(tail, w0 + i * K + kfull), acc[i]);
            }
            __m512 sum = reduce16(acc);
            if (bias) sum = _mm512_add_ps(sum, _mm512_loadu_ps(bias + j));
            _mm512_storeu_ps(o + j, sum);
        }
        for (; j + 4 <= j1; j += 4) {
            const float* w0 = W + static_cast<std::ptrdiff_t>(j) * K;
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (int k = 0; k < kfull; k += 16) {
                const __m512 xv = _mm512_loadu_ps(xr + k);
                a0 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w0 + k), a0);
                a1 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w0 + K + k), a1);
                a2 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w0 + 2 * K + k), a2);
                a3 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w0 + 3 * K + k), a3);
            }
            if (tail) {
                const __m512 xv = _mm512_maskz_loadu_ps(tail, xr + kfull);
                a0 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(tail, w0 + kfull), a0);
                a1 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(tail, w0 + K + kfull), a1);
                a2 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(tail, w0 + 2 * K + kfull), a2);
                a3 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(tail, w0 + 3 * K + kfull), a3);
            }
            o[j] = _mm512_reduce_add_ps(a0) + (bias ? bias[j] : 0.0f);
            o[j + 1] = _mm512_reduce_add_ps(a1) + (bias ? bias[j + 1] : 0.0f);
            o[j + 2] = _mm512_reduce_add_ps(a2) + (bias ? bias[j + 2] : 0.0f);
            o[j + 3] = _mm512_reduce_add_ps(a3) + (bias ? bias[j + 3] : 0.0f);
        }
        for (; j < j1; ++j) {
            const float* w = W + static_cast<std::ptrdiff_t>(j) * K;
            __m512 a = _mm512_setzero_ps();
            for (int k = 0; k < kfull; k += 16) a = _mm512_fmadd_ps(_mm512_loadu_ps(xr + k), _mm512_loadu_ps(w + k), a);
            if (tail) a = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, xr + kfull), _mm512_maskz_loadu_ps(tail, w + kfull), a);
            o[j] = _mm512_reduce_add_ps(a) + (bias ? bias[j] : 0.0f);
        }
    }
}

void gemv_f32(int B, int N, int K, const float* x, const float* W, const float* bias, float* out) {
    // One thread: a fork/join costs about as much as the whole 256×256 product at batch 1.
    gemv_block(B, N, K, x, W, bias, out, 0, N);
}

#else  // no AVX-512: matmul.cpp uses Eigen

bool gemm_available() { return false; }
void gemm_f32(int, int, int, const float*, std::ptrdiff_t, std::ptrdiff_t, const float*, std::ptrdiff_t, bool, float*,
              std::ptrdiff_t, bool, const float*) {}
void gemv_f32(int, int, int, const float*, const float*, const float*, float*) {}

#endif

}  // namespace imitate
