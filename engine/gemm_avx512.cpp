// The AVX-512 level (compiled with -mavx512f -mavx512vl -mavx512bw -mavx512dq -mfma; run only when the CPU
// has all of them). What it does differently from the naive loops of engine/linear.cpp:
// * GEMM: a 12×32 register tile (24 zmm accumulators of the 32): per k, two loads of packed B, twelve
//   broadcasts of A, 24 FMAs, so every load feeds 12 or 2 FMAs and the FMA units never wait on memory.
//   Partial tiles (the last rows of a chunk, a last panel of <= 16 columns) use a smaller tile of the same
//   code (template arguments), never a wasted full one. Edges are masked loads and stores: no scalar tail.
// * Packing: a transposed B (the rows of W, in the forward product x·Wᵀ) is read 16 rows × 16 values of k at a
//   time, contiguous loads, and turned into 16 packed rows of k by a 16×16 transpose in registers: 64
//   shuffles per 256 floats, about 4× faster than one 16-lane gather per k (which it replaced).
// * GEMV: eight rows of W at a time (one load of x feeds eight FMAs; eight independent streams keep loads
//   from L2 in flight, and the eight row pointers stay in registers), then one tree of shuffles and adds
//   turns the eight vectors into eight sums at once instead of eight horizontal reductions.
// * Packed GEMV: the same sums over a copy of W laid out for it (16 outputs per vector): one stream.
#if defined(__x86_64__)
#include <immintrin.h>

#include "engine/gemm_kernels.hpp"

namespace imitate::gemm_detail {
namespace {

constexpr int kNR = 32;  // columns per panel (two zmm)
constexpr int kMR = 12;  // rows per register tile: 12×2 = 24 accumulators

inline __mmask16 lanes(int n) { return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1); }

// MR rows × (Two ? 32 : 16) columns. Every element of C is one FMA chain over k in ascending order, then
// one add (C_old + Σ, or Σ + bias): the same order as the naive kernel's `acc += …; C += acc`.
template <bool Packed, bool Two, int MR>
struct Tile {
    static void run(int K, const float* ap, std::ptrdiff_t sai, const float* bp, float* c, std::ptrdiff_t ldc, int,
                    int jn, bool accumulate, const float* bias) {
        __m512 acc0[MR], acc1[MR];
        for (int r = 0; r < MR; ++r) acc0[r] = acc1[r] = _mm512_setzero_ps();
        for (int k = 0; k < K; ++k, ap += Packed ? kMR : 1, bp += kNR) {
            const __m512 b0 = _mm512_loadu_ps(bp);
            const __m512 b1 = Two ? _mm512_loadu_ps(bp + 16) : b0;
#pragma GCC unroll 12
            for (int r = 0; r < MR; ++r) {
                const __m512 av = _mm512_set1_ps(Packed ? ap[r] : ap[r * sai]);
                acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
                if (Two) acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
            }
        }
        const __mmask16 m0 = lanes(jn), m1 = lanes(jn - 16);
        __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps();
        if (!accumulate && bias) bias0 = _mm512_maskz_loadu_ps(m0, bias), bias1 = _mm512_maskz_loadu_ps(m1, bias + 16);
#pragma GCC unroll 12
        for (int r = 0; r < MR; ++r) {
            float* cr = c + r * ldc;
            if (accumulate) {
                _mm512_mask_storeu_ps(cr, m0, _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cr), acc0[r]));
                if (Two) _mm512_mask_storeu_ps(cr + 16, m1, _mm512_add_ps(_mm512_maskz_loadu_ps(m1, cr + 16), acc1[r]));
            } else {
                _mm512_mask_storeu_ps(cr, m0, _mm512_add_ps(acc0[r], bias0));
                if (Two) _mm512_mask_storeu_ps(cr + 16, m1, _mm512_add_ps(acc1[r], bias1));
            }
        }
    }
};

// r[0..15] (16 rows of 16 floats) becomes its transpose: r[k] lane i = old r[i] lane k. Four rounds of
// shuffles: pairs of rows interleaved (unpack), then quads (shuffle_ps), then 128-bit lanes across the
// quads (shuffle_f32x4, twice).
inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; ++i) {  // t[2i] = [a0 b0 a1 b1 | ...], t[2i+1] = [a2 b2 a3 b3 | ...] (a, b: rows 2i, 2i+1)
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int q = 0; q < 4; ++q) {  // r[4q + c]: rows 4q..4q+3 at column 4L + c in 128-bit lane L
        r[4 * q + 0] = _mm512_shuffle_ps(t[4 * q], t[4 * q + 2], 0x44);
        r[4 * q + 1] = _mm512_shuffle_ps(t[4 * q], t[4 * q + 2], 0xEE);
        r[4 * q + 2] = _mm512_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0x44);
        r[4 * q + 3] = _mm512_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0xEE);
    }
    for (int c = 0; c < 4; ++c) {  // lane L of row k = 4L + c gathers lane L of r[c], r[4+c], r[8+c], r[12+c]
        const __m512 u0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88), u1 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xDD);
        const __m512 w0 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88), w1 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xDD);
        t[c] = _mm512_shuffle_f32x4(u0, w0, 0x88);       // k = c       (L = 0)
        t[8 + c] = _mm512_shuffle_f32x4(u0, w0, 0xDD);   // k = 8 + c   (L = 2)
        t[4 + c] = _mm512_shuffle_f32x4(u1, w1, 0x88);   // k = 4 + c   (L = 1)
        t[12 + c] = _mm512_shuffle_f32x4(u1, w1, 0xDD);  // k = 12 + c  (L = 3)
    }
    for (int i = 0; i < 16; ++i) r[i] = t[i];
}

void pack_b_panel(int K, int N, const float* b, std::ptrdiff_t ldb, bool b_trans, int j0, float* dst) {
    const int jn = N - j0 < kNR ? N - j0 : kNR;
    const __mmask16 m0 = lanes(jn), m1 = lanes(jn - 16);
    if (!b_trans) {
        for (int k = 0; k < K; ++k, dst += kNR) {
            const float* src = b + k * ldb + j0;
            _mm512_storeu_ps(dst, _mm512_maskz_loadu_ps(m0, src));
            _mm512_storeu_ps(dst + 16, _mm512_maskz_loadu_ps(m1, src + 16));
        }
    } else {
        for (int h = 0; h < 2; ++h, dst += 16) {  // the panel's two halves: rows j0 + 16h .. + 15 of W
            const int rows = jn - 16 * h < 0 ? 0 : jn - 16 * h < 16 ? jn - 16 * h : 16;
            const float* src = b + static_cast<std::ptrdiff_t>(j0 + 16 * h) * ldb;
            for (int k0 = 0; k0 < K; k0 += 16) {
                const int kc = K - k0 < 16 ? K - k0 : 16;
                const __mmask16 km = lanes(kc);
                __m512 r[16];
                for (int i = 0; i < 16; ++i)
                    r[i] = i < rows ? _mm512_maskz_loadu_ps(km, src + static_cast<std::ptrdiff_t>(i) * ldb + k0) : _mm512_setzero_ps();
                transpose16(r);  // r[k] = column k0 + k of the 16 rows
                for (int k = 0; k < kc; ++k) _mm512_storeu_ps(dst + static_cast<std::ptrdiff_t>(k0 + k) * kNR, r[k]);
            }
        }
    }
}

// A k-major A (the transposed read of dW) is one masked copy per k; a row-major A one 12-lane gather per k.
void pack_a_block(int K, const float* a, std::ptrdiff_t sai, std::ptrdiff_t sak, int rows, float* ap) {
    const __mmask16 m = lanes(rows);
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

// Eight sums at once: lane i of the result is the sum of the 16 lanes of a[i], for each row in the order
// ((p0+p4)+(p2+p6)) + ((p1+p5)+(p3+p7)) with p_j = lane j + lane j+8: the order of _mm512_reduce_add_ps,
// which the one-row paths below use, and of the AVX2 path's hsum16. Each level of shuffles and adds halves
// the width per row while doubling the rows per vector (cheaper than eight separate reductions).
__m256 reduce8(const __m512 a[8]) {
    __m512 v[4], w[2];
    for (int i = 0; i < 4; ++i)  // 256-bit halves: rows i | i+4
        v[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[i], a[i + 4], 0x44), _mm512_shuffle_f32x4(a[i], a[i + 4], 0xEE));
    for (int i = 0; i < 2; ++i)  // 128-bit lanes: rows i | i+4 | i+2 | i+6
        w[i] = _mm512_add_ps(_mm512_shuffle_f32x4(v[i], v[i + 2], 0x88), _mm512_shuffle_f32x4(v[i], v[i + 2], 0xDD));
    // pairs inside each 128-bit lane: (q0+q2, q1+q3) of w[0]'s row, then of w[1]'s row
    const __m512 u = _mm512_add_ps(_mm512_shuffle_ps(w[0], w[1], 0x44), _mm512_shuffle_ps(w[0], w[1], 0xEE));
    const __m512 t = _mm512_add_ps(u, _mm512_shuffle_ps(u, u, 0xB1));  // lanes 4L and 4L+2: r0 + r1
    // t[4L] holds row {0, 4, 2, 6}[L], t[4L + 2] row {1, 5, 3, 7}[L]
    const __m512i pos = _mm512_setr_epi32(0, 2, 8, 10, 4, 6, 12, 14, 0, 0, 0, 0, 0, 0, 0, 0);
    return _mm512_castps512_ps256(_mm512_permutexvar_ps(pos, t));
}

// NW rows of W against one row of x: NW accumulators of 16 lanes (lane l sums k ≡ l mod 16, ascending),
// the K % 16 tail as one masked FMA.
template <int NW>
inline void dot_rows(int K, const float* xr, const float* w0, __m512* acc) {
    const int kfull = K & ~15;
    for (int i = 0; i < NW; ++i) acc[i] = _mm512_setzero_ps();
    for (int k = 0; k < kfull; k += 16) {
        const __m512 xv = _mm512_loadu_ps(xr + k);
#pragma GCC unroll 16
        for (int i = 0; i < NW; ++i) acc[i] = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w0 + i * K + k), acc[i]);
    }
    if (K > kfull) {
        const __mmask16 tail = lanes(K - kfull);
        const __m512 xv = _mm512_maskz_loadu_ps(tail, xr + kfull);
#pragma GCC unroll 16
        for (int i = 0; i < NW; ++i) acc[i] = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(tail, w0 + i * K + kfull), acc[i]);
    }
}

void gemv(int B, int N, int K, const float* x, const float* W, const float* bias, float* out) {
    for (int r = 0; r < B; ++r) {
        const float* xr = x + static_cast<std::ptrdiff_t>(r) * K;
        float* o = out + static_cast<std::ptrdiff_t>(r) * N;
        int j = 0;
        for (; j + 8 <= N; j += 8) {
            __m512 acc[8];
            dot_rows<8>(K, xr, W + static_cast<std::ptrdiff_t>(j) * K, acc);
            _mm256_storeu_ps(o + j, _mm256_add_ps(reduce8(acc), bias ? _mm256_loadu_ps(bias + j) : _mm256_setzero_ps()));
        }
        for (; j + 4 <= N; j += 4) {
            __m512 acc[4];
            dot_rows<4>(K, xr, W + static_cast<std::ptrdiff_t>(j) * K, acc);
            for (int i = 0; i < 4; ++i) o[j + i] = _mm512_reduce_add_ps(acc[i]) + (bias ? bias[j + i] : 0.0f);
        }
        for (; j < N; ++j) {
            __m512 acc[1];
            dot_rows<1>(K, xr, W + static_cast<std::ptrdiff_t>(j) * K, acc);
            o[j] = _mm512_reduce_add_ps(acc[0]) + (bias ? bias[j] : 0.0f);
        }
    }
}

// The GEMV over weights packed by pack_gemv_weights (engine/gemm.hpp): panel j/16 holds the outputs j..j+15
// as K rows of 16 floats. The same sums as gemv() above, in the same order, laid out the other way: gemv's
// lane l of output j sums the k ≡ l (mod 16) in ascending order; here accumulator l holds that partial sum for
// 16 outputs at once, one per lane. Each k is then one broadcast of x and one 64-byte load, and a panel is
// read front to back: one sequential stream through the weights instead of eight rows 1 KB apart (the
// prefetcher keeps L2 busy; at batch 1 the product is bound by reading W from L2, not by FMAs). The 16
// accumulators are added in reduce8's order, lane by lane, then the bias: the bytes of gemv().
void gemv_packed(int B, int N, int K, const float* x, const float* Wp, const float* bias, float* out) {
    const int kfull = K & ~15;
    for (int r = 0; r < B; ++r) {
        const float* xr = x + static_cast<std::ptrdiff_t>(r) * K;
        float* o = out + static_cast<std::ptrdiff_t>(r) * N;
        for (int j = 0; j < N; j += 16) {
            const float* p = Wp + static_cast<std::ptrdiff_t>(j) * K;
            __m512 acc[16];
            for (int l = 0; l < 16; ++l) acc[l] = _mm512_setzero_ps();
            for (int k = 0; k < kfull; k += 16, p += 256) {
#pragma GCC unroll 16
                for (int l = 0; l < 16; ++l) acc[l] = _mm512_fmadd_ps(_mm512_set1_ps(xr[k + l]), _mm512_loadu_ps(p + 16 * l), acc[l]);
            }
            // The tail: gemv's masked FMA also adds +0 to the residues past it, which changes nothing here (a
            // sum that starts at +0 is never −0 when rounding to nearest).
            for (int l = 0; l < K - kfull; ++l)
                acc[l] = _mm512_fmadd_ps(_mm512_set1_ps(xr[kfull + l]), _mm512_loadu_ps(p + 16 * l), acc[l]);
            __m512 q[8];  // q_l = acc_l + acc_{l+8}, then ((q0+q4)+(q2+q6)) + ((q1+q5)+(q3+q7)): reduce8's tree
            for (int l = 0; l < 8; ++l) q[l] = _mm512_add_ps(acc[l], acc[l + 8]);
            const __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(q[0], q[4]), _mm512_add_ps(q[2], q[6])),
                                           _mm512_add_ps(_mm512_add_ps(q[1], q[5]), _mm512_add_ps(q[3], q[7])));
            const __mmask16 m = lanes(N - j);
            _mm512_mask_storeu_ps(o + j, m, _mm512_add_ps(s, bias ? _mm512_maskz_loadu_ps(m, bias + j) : _mm512_setzero_ps()));
        }
    }
}

}  // namespace

extern const GemmKernels avx512_kernels = {kNR, kMR, pack_b_panel, pack_a_block, tile_any<Tile, kMR, 16, true>,
                                           tile_any<Tile, kMR, 16, false>, gemv, gemv_packed};

}  // namespace imitate::gemm_detail
#endif
