// Linear-layer kernels (see linear.hpp for the contract).
// Float products go to engine/gemm.hpp's GEMM or GEMV when the CPU runs one of their levels (AVX-512, AVX2;
// chosen at run time, every build carries them); everything else (double, the baseline level, non-x86 CPUs)
// runs Eigen's product on contiguous row blocks, with `.noalias()` so the product is written straight into
// the output without a temporary.
#include "engine/linear.hpp"

#include <algorithm>
#include <stdexcept>
#include <type_traits>

#include "engine/gemm.hpp"
#include "engine/threads.hpp"

namespace imitate {

// Chunks for n output rows doing `flops` of work: a pure function of the shape. Small problems run in
// one chunk (a fork costs more than it saves); large ones in two halves per 256 rows, aligned to 16.
static int n_chunks(Eigen::Index n, double flops) {
    if (flops < 4e5 || n < 32) return 1;
    return static_cast<int>(std::clamp<Eigen::Index>(n / 128, 2, 16));
}
static Eigen::Index chunk_begin(Eigen::Index n, int chunks, int c) {
    if (c >= chunks) return n;
    Eigen::Index r = (n * c / chunks) & ~Eigen::Index(15);
    return std::min(r, n);
}
template <class F>
static void for_chunks(Eigen::Index n, double flops, F&& f) {
    const int chunks = n_chunks(n, flops);
    if (chunks == 1 || !can_fork()) {  // no region: libgomp sets up a team even for a serialised one
        f(0, n);
        return;
    }
#pragma omp parallel for schedule(static)
    for (int c = 0; c < chunks; ++c) {
        Eigen::Index r0 = chunk_begin(n, chunks, c), r1 = chunk_begin(n, chunks, c + 1);
        if (r1 > r0) f(r0, r1);
    }
}

// The GEMM of engine/gemm.hpp at the run-time level (AVX-512 or AVX2) takes every float product when the
// level is not the baseline: whatever the shape, the bytes then do not depend on the packet width that
// Eigen was compiled for (a -march=native build and a default one agree). Returns false when it did not run.
static bool fast_level(Eigen::Index M, Eigen::Index N, Eigen::Index K) {
    return M >= 1 && N >= 1 && K >= 1 && M < (1 << 30) && N < (1 << 30) && K < (1 << 30) && isa() != Isa::baseline;
}
template <class T>
static bool fast_gemm(Eigen::Index M, Eigen::Index N, Eigen::Index K, const T* a, Eigen::Index sai, Eigen::Index sak,
                      const T* b, Eigen::Index ldb, bool b_trans, T* c, Eigen::Index ldc, bool accumulate, const T* bias) {
    if constexpr (std::is_same_v<T, float>) {
        if (!fast_level(M, N, K)) return false;
        gemm_f32(isa(), int(M), int(N), int(K), a, sai, sak, b, ldb, b_trans, c, ldc, accumulate, bias);
        return true;
    } else {
        return false;
    }
}

// out = x·Wᵀ + b as dot products when the batch (a control loop's batch of 1) or the output (a policy's
// last layer) is narrower than 16: a register tile would be mostly padding. False when it did not run.
template <class T>
static bool fast_gemv(Eigen::Index B, Eigen::Index N, Eigen::Index K, const T* x, const T* W, const T* bias, T* out) {
    if constexpr (std::is_same_v<T, float>) {
        if (!fast_level(B, N, K) || (B >= 16 && N >= 16)) return false;
        gemv_f32(isa(), int(B), int(N), int(K), x, W, bias, out);
        return true;
    } else {
        return false;
    }
}

template <class T>
static void check_forward(const MatT<T>& x, const MatT<T>& W, const MatT<T>* b) {
    if (x.cols() != W.cols())
        throw std::invalid_argument("linear: x has shape " + shape_str(x) + " but W has shape " + shape_str(W) +
                                    " (x cols must equal W cols)");
    if (b && (b->rows() != 1 || b->cols() != W.rows()))
        throw std::invalid_argument("linear: b has shape " + shape_str(*b) + ", expected (1," +
                                    std::to_string(W.rows()) + ") for W " + shape_str(W));
}

template <class T>
void linear_forward(MatT<T>& out, const MatT<T>& x, const MatT<T>& W, const MatT<T>* b) {
    // x (B,I), W (O,I), out (B,O)
    check_forward(x, W, b);
    const Eigen::Index B = x.rows(), O = W.rows();
    out.resize(B, O);
    const double flops = 2.0 * B * O * x.cols();
    if (fast_gemv<T>(B, O, x.cols(), x.data(), W.data(), b ? b->data() : nullptr, out.data())) {
        // done: small batch or narrow output as dot products
    } else if (fast_gemm<T>(B, O, x.cols(), x.data(), x.cols(), 1, W.data(), W.cols(), true, out.data(), O, false,
                            b ? b->data() : nullptr)) {
        // done: out = x·Wᵀ + b by the GEMM
    } else if (B >= 32) {
        // Each chunk owns whole rows of out: out[r0:r1] = x[r0:r1]·Wᵀ (+ b).
        for_chunks(B, flops, [&](Eigen::Index r0, Eigen::Index r1) {
            auto o = out.middleRows(r0, r1 - r0);
            o.noalias() = x.middleRows(r0, r1 - r0) * W.transpose();
            if (b) o.rowwise() += b->row(0);
        });
    } else {
        // Tiny batch (a control loop's batch of 1): split the output features instead.
        for_chunks(O, flops, [&](Eigen::Index c0, Eigen::Index c1) {
            auto o = out.middleCols(c0, c1 - c0);
            o.noalias() = x * W.middleRows(c0, c1 - c0).transpose();
            if (b) o.rowwise() += b->middleCols(c0, c1 - c0).row(0);
        });
    }
}

template <class T>
void linear_backward(const MatT<T>& dout, const MatT<T>& x, const MatT<T>& W, MatT<T>* dx, MatT<T>* dW,
                     MatT<T>* db, GradWrite write) {
    // dout (B,O), x (B,I), W (O,I)
    check_forward<T>(x, W, nullptr);
    if (dout.rows() != x.rows() || dout.cols() != W.rows())
        throw std::invalid_argument("linear backward: dout has shape " + shape_str(dout) + ", expected (" +
                                    std::to_string(x.rows()) + "," + std::to_string(W.rows()) + ")");
    const Eigen::Index B = x.rows(), I = x.cols(), O = W.rows();
    const double flops = 2.0 * B * O * I;
    if (dx) {
        if (dx->rows() != B || dx->cols() != I)
            throw std::invalid_argument("linear backward: dx has shape " + shape_str(*dx) + ", expected " + shape_str(x));
        // dx[r0:r1] += dout[r0:r1]·W   (d(x·Wᵀ)/dx = W)
        if (!fast_gemm<T>(B, I, O, dout.data(), O, 1, W.data(), I, false, dx->data(), I, !write.dx, nullptr)) {
            if (write.dx) dx->setZero();  // the Eigen products below add
            if (B >= 32) {
                for_chunks(B, flops, [&](Eigen::Index r0, Eigen::Index r1) {
                    dx->middleRows(r0, r1 - r0).noalias() += dout.middleRows(r0, r1 - r0) * W;
                });
            } else {
                for_chunks(I, flops, [&](Eigen::Index c0, Eigen::Index c1) {
                    dx->middleCols(c0, c1 - c0).noalias() += dout * W.middleCols(c0, c1 - c0);
                });
            }
        }
    }
    if (dW || db) {
        if (dW && (dW->rows() != O || dW->cols() != I))
            throw std::invalid_argument("linear backward: dW has shape " + shape_str(*dW) + ", expected " + shape_str(W));
        if (db && (db->rows() != 1 || db->cols() != O))
            throw std::invalid_argument("linear backward: db has shape " + shape_str(*db) + ", expected (1," +
                                        std::to_string(O) + ")");
        // dW[o0:o1] += dout[:,o0:o1]ᵀ·x   (d(x·Wᵀ)/dW = xᵀ per output row);  db[o0:o1] += Σ_b dout[b,o0:o1].
        // Each chunk owns whole rows of dW: the sum over the batch stays inside one thread.
        // A(o,b) = dout[b·O + o]: the transpose is read in place
        const bool fast_dW = dW && fast_gemm<T>(O, I, B, dout.data(), 1, O, x.data(), I, false, dW->data(), I, !write.dW, nullptr);
        if (dW && !fast_dW && write.dW) dW->setZero();  // the Eigen products below add
        for_chunks(O, flops, [&](Eigen::Index o0, Eigen::Index o1) {
            if (dW && !fast_dW) dW->middleRows(o0, o1 - o0).noalias() += dout.middleCols(o0, o1 - o0).transpose() * x;
            if (db)
                // Sum over the batch first (ascending b, as the naive kernel), then one += per element: adding
                // row by row into db made the result depend on db's prior contents (two backward passes did not
                // give exactly twice one). acc is a stack block: no allocation.
                for (Eigen::Index c0 = o0; c0 < o1; c0 += 64) {
                    const Eigen::Index w = std::min<Eigen::Index>(64, o1 - c0);
                    T acc[64] = {};
                    for (Eigen::Index r = 0; r < B; ++r) {
                        const T* d = &dout(r, c0);
                        for (Eigen::Index j = 0; j < w; ++j) acc[j] += d[j];
                    }
                    for (Eigen::Index j = 0; j < w; ++j) (*db)(0, c0 + j) = write.db ? acc[j] : (*db)(0, c0 + j) + acc[j];
                }
        });
    }
}

template <class T>
void linear_forward_naive(MatT<T>& out, const MatT<T>& x, const MatT<T>& W, const MatT<T>* b) {
    check_forward(x, W, b);
    out.resize(x.rows(), W.rows());
    for (Eigen::Index r = 0; r < x.rows(); ++r)
        for (Eigen::Index o = 0; o < W.rows(); ++o) {
            T acc = 0;
            for (Eigen::Index i = 0; i < x.cols(); ++i) acc += x(r, i) * W(o, i);
            out(r, o) = acc + (b ? (*b)(0, o) : T(0));
        }
}

template <class T>
void linear_backward_naive(const MatT<T>& dout, const MatT<T>& x, const MatT<T>& W, MatT<T>* dx, MatT<T>* dW,
                           MatT<T>* db) {
    const Eigen::Index B = x.rows(), I = x.cols(), O = W.rows();
    if (dx)
        for (Eigen::Index r = 0; r < B; ++r)
            for (Eigen::Index i = 0; i < I; ++i) {
                T acc = 0;
                for (Eigen::Index o = 0; o < O; ++o) acc += dout(r, o) * W(o, i);
                (*dx)(r, i) += acc;
            }
    if (dW)
        for (Eigen::Index o = 0; o < O; ++o)
            for (Eigen::Index i = 0; i < I; ++i) {
                T acc = 0;
                for (Eigen::Index r = 0; r < B; ++r) acc += dout(r, o) * x(r, i);
                (*dW)(o, i) += acc;
            }
    if (db)
        for (Eigen::Index o = 0; o < O; ++o) {
            T acc = 0;
            for (Eigen::Index r = 0; r < B; ++r) acc += dout(r, o);
            (*db)(0, o) += acc;
        }
}

#define IMITATE_INSTANTIATE(T)                                                                                   \
    template void linear_forward<T>(MatT<T>&, const MatT<T>&, const MatT<T>&, const MatT<T>*);                  \
    template void linear_backward<T>(const MatT<T>&, const MatT<T>&, const MatT<T>&, MatT<T>*, MatT<T>*, MatT<T>*, \
                                     GradWrite);                                                                 \
    template void linear_forward_naive<T>(MatT<T>&, const MatT<T>&, const MatT<T>&, const MatT<T>*);            \
    template void linear_backward_naive<T>(const MatT<T>&, const MatT<T>&, const MatT<T>&, MatT<T>*, MatT<T>*,  \
                                           MatT<T>*);
IMITATE_INSTANTIATE(float)
IMITATE_INSTANTIATE(double)
#undef IMITATE_INSTANTIATE

// Room for the packed copy of an (out, in) W, 64-byte aligned (aligned_alloc wants a multiple of 64 bytes).
static void allocate_packed(PackedWeights& p) {
    const size_t bytes = (gemv_packed_floats(p.out, p.in) * sizeof(float) + 63) / 64 * 64;
    p.data.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
    if (!p.data) throw std::bad_alloc();
}

PackedWeights::PackedWeights(const Mat& W) {
    const Isa level = isa();
    if (W.rows() < 16 || W.cols() < 1 || W.rows() >= (1 << 30) || W.cols() >= (1 << 30) || !gemv_packed_supported(level))
        return;
    this->level = static_cast<int>(level), out = static_cast<int>(W.rows()), in = static_cast<int>(W.cols());
    allocate_packed(*this);
    pack_gemv_weights(out, in, W.data(), data.get());
}

PackedWeights::PackedWeights(const PackedWeights& o) : level(o.level), out(o.out), in(o.in) {
    if (!o.data) return;
    allocate_packed(*this);
    std::copy_n(o.data.get(), gemv_packed_floats(out, in), data.get());
}

PackedWeights& PackedWeights::operator=(const PackedWeights& o) {
    if (this != &o) *this = PackedWeights(o);
    return *this;
}

void linear_forward_packed(Mat& out, const Mat& x, const Mat& W, const PackedWeights& p, const Mat* b) {
    const Isa level = isa();
    if (!p.data || x.rows() >= 16 || x.rows() < 1 || p.level != static_cast<int>(level) || W.rows() != p.out ||
        W.cols() != p.in || x.cols() != p.in || (b && (b->rows() != 1 || b->cols() != p.out))) {
        linear_forward(out, x, W, b);  // checks the shapes, or takes a batch the GEMM serves
        return;
    }
    out.resize(x.rows(), p.out);
    gemv_packed_f32(level, int(x.rows()), p.out, p.in, x.data(), p.data.get(), b ? b->data() : nullptr, out.data());
}

}  // namespace imitate
