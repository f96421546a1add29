// What one instruction-set level gives engine/gemm.cpp's driver: the register-tile micro-kernel, the packing
// of its operands and the GEMV. Each level's file is compiled with that level's -m flags and includes no
// Eigen and no standard-library template that could be emitted out of line: the linker would merge such a
// copy with the baseline one and a baseline CPU could run AVX-512 code outside the dispatch.
#pragma once
#include <cstddef>
#include <utility>

namespace imitate::gemm_detail {

constexpr int kKC = 128;  // values of k per block (the driver's; the same for every level, so are the sums)

// C rows [0,rows) × columns [0,jn) of one panel (+)= A·Bp over K values of k, rows <= mr, jn <= nr.
// Packed A: K groups of mr floats (A(r,k) = a[k·mr + r]); in place: A(r,k) = a[r·sai + k].
// Bp: K rows of nr floats. accumulate: C += A·Bp; else C = A·Bp + bias (bias: jn entries or null).
using TileFn = void (*)(int K, const float* a, std::ptrdiff_t sai, const float* bp, float* c, std::ptrdiff_t ldc,
                        int rows, int jn, bool accumulate, const float* bias);

// A level's tile for `rows` rows (1..MR) and one or two vectors of Width columns, from a table of the 2·MR
// instantiations of Tile<Packed, Two, Rows>::run: a partial tile does no padded work.
template <template <bool, bool, int> class Tile, int MR, int Width, bool Packed>
void tile_any(int K, const float* a, std::ptrdiff_t sai, const float* bp, float* c, std::ptrdiff_t ldc, int rows,
              int jn, bool accumulate, const float* bias) {
    [&]<int... R>(std::integer_sequence<int, R...>) {
        constexpr TileFn two[] = {&Tile<Packed, true, R + 1>::run...}, one[] = {&Tile<Packed, false, R + 1>::run...};
        (jn > Width ? two : one)[rows - 1](K, a, sai, bp, c, ldc, rows, jn, accumulate, bias);
    }(std::make_integer_sequence<int, MR>{});
}

struct GemmKernels {
    int nr;  // columns per packed panel of B
    int mr;  // rows per register tile
    // Panel of B: columns [j0, j0+nr) as K rows of nr floats, zero beyond N.
    void (*pack_b)(int K, int N, const float* b, std::ptrdiff_t ldb, bool b_trans, int j0, float* dst);
    // Rows [0,rows) of A (A(r,k) = a[r·sai + k·sak]) as K groups of mr floats, zero beyond rows.
    void (*pack_a)(int K, const float* a, std::ptrdiff_t sai, std::ptrdiff_t sak, int rows, float* ap);
    TileFn tile_packed, tile_in_place;
    // out (B,N) = x (B,K)·Wᵀ + bias (see gemv_f32 in engine/gemm.hpp).
    void (*gemv)(int B, int N, int K, const float* x, const float* W, const float* bias, float* out);
    // The same bytes from W packed by pack_gemv_weights (see gemv_packed_f32); null when the level has none.
    void (*gemv_packed)(int B, int N, int K, const float* x, const float* Wp, const float* bias, float* out);
};

#if defined(__x86_64__)
extern const GemmKernels avx512_kernels;  // engine/gemm_avx512.cpp
extern const GemmKernels avx2_kernels;    // engine/gemm_avx2.cpp
#endif

}  // namespace imitate::gemm_detail
