// The single-precision GEMM and GEMV behind the linear layer, chosen at run time for the CPU:
//   C (M,N) = A·B (+ bias)   or   C += A·B,   A(i,k) = a[i·sai + k·sak],   B (K,N) row-major or Bᵀ given as (N,K);
//   out (B,N) = x (B,K)·Wᵀ + bias (GEMV: a control loop's small batch).
// Every build carries the kernels for each x86-64 level (engine/gemm_avx512.cpp, engine/gemm_avx2.cpp, each
// compiled with its own -m flags); the first call picks the best one this CPU runs, or the one named by the
// environment variable IMITATE_ISA=avx512|avx2|baseline (read once). `baseline` (and every non-x86 CPU) has
// no kernel here: engine/linear.cpp runs Eigen's products instead.
// Determinism: rows of C are split into chunks whose boundaries depend only on M (never on the thread count),
// and every element of C is one sequential FMA chain over k per block of 128 values of k, so any thread
// count gives identical bytes, and the AVX2 and AVX-512 kernels give identical bytes too (the GEMV's AVX2
// path keeps 16 lanes in two registers and reduces them in the AVX-512 path's order).
#pragma once
#include <cstddef>
#include <string>

namespace imitate {

enum class Isa { baseline, avx2, avx512 };

// "baseline", "avx2", "avx512".
const char* isa_name(Isa level);
// Parses one of those names; throws std::invalid_argument "<what>: 'x' is not one of avx512, avx2, baseline".
Isa parse_isa(const std::string& name, const std::string& what);
// True when this build has the level's kernels and this CPU (and OS) runs them. Baseline: always.
bool isa_supported(Isa level);
// The level the linear layer uses: IMITATE_ISA if set, else the best supported one; decided on the first
// call. Throws std::invalid_argument (one line) when IMITATE_ISA names an unknown or unsupported level.
Isa isa();
// Overrides isa() from now on (tests and benchmarks compare the levels in one process).
// Throws std::invalid_argument when the level is not supported here.
void set_isa(Isa level);

// Requires isa_supported(level), level != baseline, M, N, K >= 1. b_trans: B is stored (N,K) row-major with
// row stride ldb (B(k,j) = b[j·ldb + k]); otherwise (K,N) with B(k,j) = b[k·ldb + j]. C(i,j) = c[i·ldc + j].
// accumulate: C += A·B (bias ignored); else C = A·B + bias (bias has N entries or is null).
void gemm_f32(Isa level, int M, int N, int K, const float* a, std::ptrdiff_t sai, std::ptrdiff_t sak,
              const float* b, std::ptrdiff_t ldb, bool b_trans, float* c, std::ptrdiff_t ldc, bool accumulate,
              const float* bias);

// out (B,N) = x (B,K)·Wᵀ + bias, W (N,K) row-major, bias N entries or null: dot products of x's rows with
// several rows of W at a time. No packing, no allocation, one thread.
// Requires isa_supported(level), level != baseline, B, N, K >= 1.
void gemv_f32(Isa level, int B, int N, int K, const float* x, const float* W, const float* bias, float* out);

// The GEMV for weights that do not change (inference): W copied once into panels of 16 outputs, panel p
// holding W(16p + l, k) at dst[(p·K + k)·16 + l] (zero past N), so that a product reads them as one
// sequential stream. gemv_packed_f32 gives gemv_f32's bytes exactly. gemv_packed_floats is the size of the
// copy; gemv_packed_supported(level) says whether the level has the kernel (AVX-512 only: the AVX2 level
// keeps the row GEMV). gemv_packed_f32 requires that, B, N, K >= 1 and Wp made from a W of (N,K).
size_t gemv_packed_floats(int N, int K);
void pack_gemv_weights(int N, int K, const float* W, float* dst);
bool gemv_packed_supported(Isa level);
void gemv_packed_f32(Isa level, int B, int N, int K, const float* x, const float* Wp, const float* bias, float* out);

}  // namespace imitate
