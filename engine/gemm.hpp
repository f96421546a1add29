// A small single-precision GEMM for the linear layer's three products, with an AVX-512 micro-kernel:
//   C (M,N) = A·B (+ bias)   or   C += A·B,   A(i,k) = a[i·sai + k·sak],   B (K,N) row-major or Bᵀ given as (N,K).
// Rows of C are split into chunks whose boundaries depend only on M (never on the thread count); every
// element is one sequential FMA chain over k, so any thread count gives identical bytes.
// Used by matmul.cpp when the CPU has AVX-512 and the shapes are large enough; otherwise Eigen runs.
#pragma once
#include <cstddef>

namespace imitate {

// True when this build has the AVX-512 kernel (compiled with -mavx512f, e.g. -Dnative=true here).
bool gemm_available();

// Requires gemm_available(), M, N, K >= 1. b_trans: B is stored (N,K) row-major with row stride ldb
// (B(k,j) = b[j·ldb + k]); otherwise (K,N) with B(k,j) = b[k·ldb + j]. C(i,j) = c[i·ldc + j].
// accumulate: C += A·B (bias ignored); else C = A·B + bias (bias has N entries or is null).
void gemm_f32(int M, int N, int K, const float* a, std::ptrdiff_t sai, std::ptrdiff_t sak, const float* b,
              std::ptrdiff_t ldb, bool b_trans, float* c, std::ptrdiff_t ldc, bool accumulate, const float* bias);

// Small-batch forward (a control loop's batch of 1): out (B,N) = x (B,K)·Wᵀ + bias, W (N,K) row-major, as
// dot products of x's rows with four rows of W at a time. No packing, no allocation, one thread.
// Requires gemm_available(), B, N, K >= 1.
void gemv_f32(int B, int N, int K, const float* x, const float* W, const float* bias, float* out);

}  // namespace imitate
