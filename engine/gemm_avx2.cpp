// The AVX2 level (compiled with -mavx2 -mfma -mno-avx512f: also in a -march=native build this file stays
// AVX2, so forcing IMITATE_ISA=avx2 on an AVX-512 machine tests what an AVX2-only machine runs).
// What it does differently from the AVX-512 level (engine/gemm_avx512.cpp), with 16 ymm registers of 8 lanes
// instead of 32 zmm of 16:
// * GEMM: a 6×16 register tile (12 ymm accumulators, two loads of packed B and six broadcasts of A per k):
//   each B load still feeds six FMAs. Edges use AVX2's masked loads and stores (vmaskmov) with a lane mask
//   read from a table. The sums are the same FMA chains in the same order, so the bytes equal AVX-512's.
// * Packing: B's panels are 16 columns; a transposed B is gathered 8 lanes at a time. A is packed by plain
//   loops (6 rows per group), which the compiler vectorises.
// * GEMV: four rows of W at a time, each as two ymm accumulators that together hold the sixteen lanes of the
//   AVX-512 path (k ≡ lane mod 16), reduced in that path's order (hsum16): identical bytes again.
// * No packed GEMV (engine/gemm.hpp gemv_packed_f32): its 16 accumulators would take all 16 registers, so
//   this level keeps the row GEMV, which gives the same bytes.
#if defined(__x86_64__)
#include <immintrin.h>

#include "engine/gemm_kernels.hpp"

namespace imitate::gemm_detail {
namespace {

constexpr int kNR = 16;  // columns per panel (two ymm)
constexpr int kMR = 6;   // rows per register tile: 6×2 = 12 accumulators

// Lane mask with the first n of 8 lanes set (n clamped to [0, 8]), for vmaskmov loads and stores.
alignas(32) const int kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
inline __m256i lanes(int n) {
    n = n < 0 ? 0 : n > 8 ? 8 : n;
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable + 8 - n));
}

// MR rows × (Two ? 16 : 8) columns, the AVX-512 tile's sums in 8-lane registers.
template <bool Packed, bool Two, int MR>
struct Tile {
    static void run(int K, const float* ap, std::ptrdiff_t sai, const float* bp, float* c, std::ptrdiff_t ldc, int,
                    int jn, bool accumulate, const float* bias) {
        __m256 acc0[MR], acc1[MR];
        for (int r = 0; r < MR; ++r) acc0[r] = acc1[r] = _mm256_setzero_ps();
        for (int k = 0; k < K; ++k, ap += Packed ? kMR : 1, bp += kNR) {
            const __m256 b0 = _mm256_loadu_ps(bp);
            const __m256 b1 = Two ? _mm256_loadu_ps(bp + 8) : b0;
#pragma GCC unroll 6
            for (int r = 0; r < MR; ++r) {
                const __m256 av = _mm256_broadcast_ss(Packed ? ap + r : ap + r * sai);
                acc0[r] = _mm256_fmadd_ps(av, b0, acc0[r]);
                if (Two) acc1[r] = _mm256_fmadd_ps(av, b1, acc1[r]);
            }
        }
        const __m256i m0 = lanes(jn), m1 = lanes(jn - 8);
        __m256 bias0 = _mm256_setzero_ps(), bias1 = _mm256_setzero_ps();
        if (!accumulate && bias) bias0 = _mm256_maskload_ps(bias, m0), bias1 = _mm256_maskload_ps(bias + 8, m1);
#pragma GCC unroll 6
        for (int r = 0; r < MR; ++r) {
            float* cr = c + r * ldc;
            if (accumulate) {
                _mm256_maskstore_ps(cr, m0, _mm256_add_ps(_mm256_maskload_ps(cr, m0), acc0[r]));
                if (Two) _mm256_maskstore_ps(cr + 8, m1, _mm256_add_ps(_mm256_maskload_ps(cr + 8, m1), acc1[r]));
            } else {
                _mm256_maskstore_ps(cr, m0, _mm256_add_ps(acc0[r], bias0));
                if (Two) _mm256_maskstore_ps(cr + 8, m1, _mm256_add_ps(acc1[r], bias1));
            }
        }
    }
};

void pack_b_panel(int K, int N, const float* b, std::ptrdiff_t ldb, bool b_trans, int j0, float* dst) {
    const int jn = N - j0 < kNR ? N - j0 : kNR;
    if (!b_trans) {
        const __m256i m0 = lanes(jn), m1 = lanes(jn - 8);
        for (int k = 0; k < K; ++k, dst += kNR) {
            const float* src = b + k * ldb + j0;
            _mm256_storeu_ps(dst, _mm256_maskload_ps(src, m0));
            _mm256_storeu_ps(dst + 8, _mm256_maskload_ps(src + 8, m1));
        }
    } else if (jn == kNR && 15 * ldb < (std::ptrdiff_t(1) << 31)) {
        const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                               _mm256_set1_epi32(static_cast<int>(ldb)));
        const float* src0 = b + static_cast<std::ptrdiff_t>(j0) * ldb;
        const float* src1 = src0 + 8 * ldb;
        for (int k = 0; k < K; ++k, dst += kNR) {
            _mm256_storeu_ps(dst, _mm256_i32gather_ps(src0 + k, idx, 4));
            _mm256_storeu_ps(dst + 8, _mm256_i32gather_ps(src1 + k, idx, 4));
        }
    } else {
        for (int k = 0; k < K; ++k, dst += kNR)
            for (int jj = 0; jj < kNR; ++jj) dst[jj] = jj < jn ? b[(j0 + jj) * ldb + k] : 0.0f;
    }
}

void pack_a_block(int K, const float* a, std::ptrdiff_t sai, std::ptrdiff_t sak, int rows, float* ap) {
    for (int k = 0; k < K; ++k)
        for (int r = 0; r < kMR; ++r) ap[k * kMR + r] = r < rows ? a[r * sai + k * sak] : 0.0f;
}

// The AVX-512 path's sixteen lanes as lo (k ≡ 0..7 mod 16) and hi (8..15), reduced in _mm512_reduce_add_ps's
// order: p = lo + hi, q = p's 128-bit halves added, then (q0+q2) + (q1+q3).
inline float hsum16(__m256 lo, __m256 hi) {
    const __m256 p = _mm256_add_ps(hi, lo);
    const __m128 q = _mm_add_ps(_mm256_extractf128_ps(p, 1), _mm256_castps256_ps128(p));
    const __m128 r = _mm_add_ps(q, _mm_movehl_ps(q, q));
    return _mm_cvtss_f32(_mm_add_ss(r, _mm_shuffle_ps(r, r, 1)));
}

template <int NW>
inline void dot_rows(int K, const float* xr, const float* w0, __m256* lo, __m256* hi) {
    const int kfull = K & ~15;
    for (int i = 0; i < NW; ++i) lo[i] = hi[i] = _mm256_setzero_ps();
    for (int k = 0; k < kfull; k += 16) {
        const __m256 xl = _mm256_loadu_ps(xr + k), xh = _mm256_loadu_ps(xr + k + 8);
#pragma GCC unroll 4
        for (int i = 0; i < NW; ++i) {
            lo[i] = _mm256_fmadd_ps(xl, _mm256_loadu_ps(w0 + i * K + k), lo[i]);
            hi[i] = _mm256_fmadd_ps(xh, _mm256_loadu_ps(w0 + i * K + k + 8), hi[i]);
        }
    }
    if (K > kfull) {  // every lane takes part, as the AVX-512 path's masked FMA (a zero lane adds +0)
        const __m256i ml = lanes(K - kfull), mh = lanes(K - kfull - 8);
        const __m256 xl = _mm256_maskload_ps(xr + kfull, ml), xh = _mm256_maskload_ps(xr + kfull + 8, mh);
#pragma GCC unroll 4
        for (int i = 0; i < NW; ++i) {
            lo[i] = _mm256_fmadd_ps(xl, _mm256_maskload_ps(w0 + i * K + kfull, ml), lo[i]);
            hi[i] = _mm256_fmadd_ps(xh, _mm256_maskload_ps(w0 + i * K + kfull + 8, mh), hi[i]);
        }
    }
}

void gemv(int B, int N, int K, const float* x, const float* W, const float* bias, float* out) {
    for (int r = 0; r < B; ++r) {
        const float* xr = x + static_cast<std::ptrdiff_t>(r) * K;
        float* o = out + static_cast<std::ptrdiff_t>(r) * N;
        int j = 0;
        for (; j + 4 <= N; j += 4) {
            __m256 lo[4], hi[4];
            dot_rows<4>(K, xr, W + static_cast<std::ptrdiff_t>(j) * K, lo, hi);
            for (int i = 0; i < 4; ++i) o[j + i] = hsum16(lo[i], hi[i]) + (bias ? bias[j + i] : 0.0f);
        }
        for (; j < N; ++j) {
            __m256 lo[1], hi[1];
            dot_rows<1>(K, xr, W + static_cast<std::ptrdiff_t>(j) * K, lo, hi);
            o[j] = hsum16(lo[0], hi[0]) + (bias ? bias[j] : 0.0f);
        }
    }
}

}  // namespace

extern const GemmKernels avx2_kernels = {kNR, kMR, pack_b_panel, pack_a_block, tile_any<Tile, kMR, 8, true>,
                                          tile_any<Tile, kMR, 8, false>, gemv, nullptr};

}  // namespace imitate::gemm_detail
#endif
