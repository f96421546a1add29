// Batched products and attention (see attention.hpp for the contract). The fast paths run Eigen's products
// on each slice's row block; the naive ones are plain loops. The attention backward's per-thread scratch
// holds one slice's (Tq, Tk) score gradients.
#include "engine/attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "engine/threads.hpp"

namespace imitate {

// Runs f(i) for every slice i; in parallel when there are several slices and enough work (a function of
// the shapes only). A slice is one thread's whole job, so the split never changes a single bit.
template <class F>
static void for_slices(Eigen::Index n, double flops, F&& f) {
    if (n < 2 || flops < 2e5 || !can_fork()) {  // (can_fork: engine/threads.hpp)
        for (Eigen::Index i = 0; i < n; ++i) f(i);
        return;
    }
#pragma omp parallel for schedule(static)
    for (Eigen::Index i = 0; i < n; ++i) f(i);
}

// Rows per slice of each operand; throws naming the shapes when they do not split or the inner sizes differ.
struct Slices {
    Eigen::Index m, kb;  // rows of a slice of a and of b
};
template <class T>
static Slices bmm_slices(const char* op, const MatT<T>& a, const MatT<T>& b, Eigen::Index n, bool trans_b) {
    const bool split = n >= 1 && a.rows() % n == 0 && b.rows() % n == 0;
    const Eigen::Index kb = split ? b.rows() / n : 0;
    if (!split || (trans_b ? b.cols() != a.cols() : kb != a.cols()))
        throw std::invalid_argument(std::string(op) + ": shapes " + shape_str(a) + " and " + shape_str(b) +
                                    " are not " + std::to_string(n) + " slices of (M,K) and " +
                                    (trans_b ? "(P,K)" : "(K,P)"));
    return {a.rows() / n, kb};
}
template <class T>
static Slices attention_slices(const char* op, const MatT<T>& q, const MatT<T>& k, const MatT<T>& v, Eigen::Index n) {
    if (n < 1 || q.rows() % n != 0 || k.rows() % n != 0 || k.rows() < n || k.rows() != v.rows() || q.cols() != k.cols())
        throw std::invalid_argument(std::string(op) + ": q " + shape_str(q) + ", k " + shape_str(k) + ", v " + shape_str(v) +
                                    " are not " + std::to_string(n) + " slices of q (Tq,D), k (Tk,D), v (Tk,E) with Tk >= 1");
    return {q.rows() / n, k.rows() / n};
}

// ------------------------------------------------------------------------------------------------ bmm
template <class T>
void bmm_forward(MatT<T>& out, const MatT<T>& a, const MatT<T>& b, Eigen::Index n, bool trans_b) {
    const auto [M, Kb] = bmm_slices("bmm", a, b, n, trans_b);
    const Eigen::Index P = trans_b ? Kb : b.cols();
    out.resize(a.rows(), P);
    for_slices(n, 2.0 * double(a.size()) * double(P), [&](Eigen::Index i) {
        auto o = out.middleRows(i * M, M);
        if (trans_b) o.noalias() = a.middleRows(i * M, M) * b.middleRows(i * Kb, Kb).transpose();
        else o.noalias() = a.middleRows(i * M, M) * b.middleRows(i * Kb, Kb);
    });
}

template <class T>
void bmm_backward(const MatT<T>& dout, const MatT<T>& a, const MatT<T>& b, Eigen::Index n, bool trans_b, MatT<T>* da,
                  MatT<T>* db) {
    const auto [M, Kb] = bmm_slices("bmm_backward", a, b, n, trans_b);
    for_slices(n, 4.0 * double(a.size()) * double(dout.cols()), [&](Eigen::Index i) {
        auto g = dout.middleRows(i * M, M);
        auto ai = a.middleRows(i * M, M);
        auto bi = b.middleRows(i * Kb, Kb);
        if (da) {
            if (trans_b) da->middleRows(i * M, M).noalias() += g * bi;
            else da->middleRows(i * M, M).noalias() += g * bi.transpose();
        }
        if (db) {
            if (trans_b) db->middleRows(i * Kb, Kb).noalias() += g.transpose() * ai;
            else db->middleRows(i * Kb, Kb).noalias() += ai.transpose() * g;
        }
    });
}

// ------------------------------------------------------------------------------------------ attention
// S (Tq,Tk) holds q·kᵀ; turns each row into softmax(scale·S + M) in place, masked entries exactly 0.
template <class T, class M>
static void masked_softmax(M&& S, T scale, bool causal) {
    for (Eigen::Index t = 0; t < S.rows(); ++t) {
        const Eigen::Index w = causal ? std::min(t + 1, S.cols()) : S.cols();  // visible keys
        auto row = S.row(t).head(w);
        row *= scale;
        row.array() = (row.array() - row.maxCoeff()).exp();
        row /= row.sum();
        S.row(t).tail(S.cols() - w).setZero();
    }
}
template <class T>
static void check_probs(const MatT<T>& P, const MatT<T>& q, Eigen::Index Tk) {
    if (P.rows() != q.rows() || P.cols() != Tk)
        throw std::invalid_argument("attention_backward: probabilities " + shape_str(P) + " for q " + shape_str(q) +
                                    ", expected (" + std::to_string(q.rows()) + "," + std::to_string(Tk) + ")");
}

template <class T>
void attention_forward(MatT<T>& out, MatT<T>& P, const MatT<T>& q, const MatT<T>& k, const MatT<T>& v, Eigen::Index n,
                       bool causal) {
    const auto [Tq, Tk] = attention_slices("attention", q, k, v, n);
    const T scale = T(1) / std::sqrt(T(q.cols()));
    out.resize(q.rows(), v.cols());
    P.resize(q.rows(), Tk);
    for_slices(n, 2.0 * double(q.rows()) * double(Tk) * double(q.cols() + v.cols()), [&](Eigen::Index i) {
        auto Pi = P.middleRows(i * Tq, Tq);
        Pi.noalias() = q.middleRows(i * Tq, Tq) * k.middleRows(i * Tk, Tk).transpose();
        masked_softmax(Pi, scale, causal);
        out.middleRows(i * Tq, Tq).noalias() = Pi * v.middleRows(i * Tk, Tk);
    });
}

template <class T>
void attention_backward(const MatT<T>& dout, const MatT<T>& P, const MatT<T>& q, const MatT<T>& k, const MatT<T>& v,
                        Eigen::Index n, MatT<T>* dq, MatT<T>* dk, MatT<T>* dv) {
    const auto [Tq, Tk] = attention_slices("attention_backward", q, k, v, n);
    check_probs(P, q, Tk);
    const T scale = T(1) / std::sqrt(T(q.cols()));
    for_slices(n, 4.0 * double(q.rows()) * double(Tk) * double(q.cols() + v.cols()), [&](Eigen::Index i) {
        thread_local MatT<T> dP;
        auto Pi = P.middleRows(i * Tq, Tq);
        auto g = dout.middleRows(i * Tq, Tq);
        if (dv) dv->middleRows(i * Tk, Tk).noalias() += Pi.transpose() * g;
        dP.noalias() = g * v.middleRows(i * Tk, Tk).transpose();
        // softmax backward, row by row: dS = P∘(dP − Σ_j P∘dP), then the 1/√D of the scores
        for (Eigen::Index t = 0; t < Tq; ++t) {
            const T r = Pi.row(t).dot(dP.row(t));
            dP.row(t).array() = scale * Pi.row(t).array() * (dP.row(t).array() - r);
        }
        if (dq) dq->middleRows(i * Tq, Tq).noalias() += dP * k.middleRows(i * Tk, Tk);
        if (dk) dk->middleRows(i * Tk, Tk).noalias() += dP.transpose() * q.middleRows(i * Tq, Tq);
    });
}

// ------------------------------------------------------------------------------------ naive references
template <class T>
void bmm_forward_naive(MatT<T>& out, const MatT<T>& a, const MatT<T>& b, Eigen::Index n, bool trans_b) {
    const auto [M, Kb] = bmm_slices("bmm", a, b, n, trans_b);
    const Eigen::Index K = a.cols(), P = trans_b ? Kb : b.cols();
    out.resize(a.rows(), P);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index r = 0; r < M; ++r)
            for (Eigen::Index c = 0; c < P; ++c) {
                T s = 0;
                for (Eigen::Index x = 0; x < K; ++x) s += a(i * M + r, x) * (trans_b ? b(i * Kb + c, x) : b(i * Kb + x, c));
                out(i * M + r, c) = s;
            }
}

template <class T>
void bmm_backward_naive(const MatT<T>& dout, const MatT<T>& a, const MatT<T>& b, Eigen::Index n, bool trans_b,
                        MatT<T>* da, MatT<T>* db) {
    const auto [M, Kb] = bmm_slices("bmm_backward", a, b, n, trans_b);
    const Eigen::Index K = a.cols(), P = dout.cols();
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index r = 0; r < M; ++r)
            for (Eigen::Index c = 0; c < P; ++c) {
                const T g = dout(i * M + r, c);
                for (Eigen::Index x = 0; x < K; ++x) {
                    // the element of b that multiplied a(r, x) into out(r, c)
                    const Eigen::Index br = trans_b ? i * Kb + c : i * Kb + x, bc = trans_b ? x : c;
                    if (da) (*da)(i * M + r, x) += g * b(br, bc);
                    if (db) (*db)(br, bc) += g * a(i * M + r, x);
                }
            }
}

// P (Tq,Tk) of slice i: scores in ascending order of D, −∞ for masked keys, then a stable softmax.
template <class T>
static MatT<T> naive_probs(const MatT<T>& q, const MatT<T>& k, Eigen::Index i, Eigen::Index Tq, Eigen::Index Tk, bool causal) {
    const T scale = T(1) / std::sqrt(T(q.cols()));
    MatT<T> P(Tq, Tk);
    for (Eigen::Index t = 0; t < Tq; ++t) {
        T m = -std::numeric_limits<T>::infinity();
        for (Eigen::Index j = 0; j < Tk; ++j) {
            T s = 0;
            for (Eigen::Index d = 0; d < q.cols(); ++d) s += q(i * Tq + t, d) * k(i * Tk + j, d);
            P(t, j) = causal && j > t ? -std::numeric_limits<T>::infinity() : s * scale;
            m = std::max(m, P(t, j));
        }
        T z = 0;
        for (Eigen::Index j = 0; j < Tk; ++j) z += (P(t, j) = std::exp(P(t, j) - m));
        for (Eigen::Index j = 0; j < Tk; ++j) P(t, j) /= z;
    }
    return P;
}

template <class T>
void attention_forward_naive(MatT<T>& out, MatT<T>& Pall, const MatT<T>& q, const MatT<T>& k, const MatT<T>& v,
                             Eigen::Index n, bool causal) {
    const auto [Tq, Tk] = attention_slices("attention", q, k, v, n);
    out.resize(q.rows(), v.cols());
    Pall.resize(q.rows(), Tk);
    for (Eigen::Index i = 0; i < n; ++i) {
        const MatT<T> P = naive_probs(q, k, i, Tq, Tk, causal);
        Pall.middleRows(i * Tq, Tq) = P;
        for (Eigen::Index t = 0; t < Tq; ++t)
            for (Eigen::Index e = 0; e < v.cols(); ++e) {
                T s = 0;
                for (Eigen::Index j = 0; j < Tk; ++j) s += P(t, j) * v(i * Tk + j, e);
                out(i * Tq + t, e) = s;
            }
    }
}

template <class T>
void attention_backward_naive(const MatT<T>& dout, const MatT<T>& Pall, const MatT<T>& q, const MatT<T>& k,
                              const MatT<T>& v, Eigen::Index n, MatT<T>* dq, MatT<T>* dk, MatT<T>* dv) {
    const auto [Tq, Tk] = attention_slices("attention_backward", q, k, v, n);
    check_probs(Pall, q, Tk);
    const T scale = T(1) / std::sqrt(T(q.cols()));
    for (Eigen::Index i = 0; i < n; ++i) {
        const MatT<T> P = Pall.middleRows(i * Tq, Tq);
        MatT<T> dS(Tq, Tk);
        for (Eigen::Index t = 0; t < Tq; ++t) {
            T r = 0;
            for (Eigen::Index j = 0; j < Tk; ++j) {
                T dp = 0;
                for (Eigen::Index e = 0; e < v.cols(); ++e) dp += dout(i * Tq + t, e) * v(i * Tk + j, e);
                dS(t, j) = dp;
                r += P(t, j) * dp;
            }
            for (Eigen::Index j = 0; j < Tk; ++j) dS(t, j) = scale * P(t, j) * (dS(t, j) - r);
        }
        for (Eigen::Index t = 0; t < Tq; ++t)
            for (Eigen::Index j = 0; j < Tk; ++j) {
                if (dv)
                    for (Eigen::Index e = 0; e < v.cols(); ++e) (*dv)(i * Tk + j, e) += P(t, j) * dout(i * Tq + t, e);
                for (Eigen::Index d = 0; d < q.cols(); ++d) {
                    if (dq) (*dq)(i * Tq + t, d) += dS(t, j) * k(i * Tk + j, d);
                    if (dk) (*dk)(i * Tk + j, d) += dS(t, j) * q(i * Tq + t, d);
                }
            }
    }
}

#define IMITATE_ATTENTION(T)                                                                                         \
    template void bmm_forward(MatT<T>&, const MatT<T>&, const MatT<T>&, Eigen::Index, bool);                         \
    template void bmm_backward(const MatT<T>&, const MatT<T>&, const MatT<T>&, Eigen::Index, bool, MatT<T>*,         \
                               MatT<T>*);                                                                            \
    template void attention_forward(MatT<T>&, MatT<T>&, const MatT<T>&, const MatT<T>&, const MatT<T>&, Eigen::Index, \
                                    bool);                                                                           \
    template void attention_backward(const MatT<T>&, const MatT<T>&, const MatT<T>&, const MatT<T>&, const MatT<T>&,  \
                                     Eigen::Index, MatT<T>*, MatT<T>*, MatT<T>*);                                    \
    template void bmm_forward_naive(MatT<T>&, const MatT<T>&, const MatT<T>&, Eigen::Index, bool);                   \
    template void bmm_backward_naive(const MatT<T>&, const MatT<T>&, const MatT<T>&, Eigen::Index, bool, MatT<T>*,   \
                                     MatT<T>*);                                                                      \
    template void attention_forward_naive(MatT<T>&, MatT<T>&, const MatT<T>&, const MatT<T>&, const MatT<T>&,        \
                                          Eigen::Index, bool);                                                       \
    template void attention_backward_naive(const MatT<T>&, const MatT<T>&, const MatT<T>&, const MatT<T>&,          \
                                           const MatT<T>&, Eigen::Index, MatT<T>*, MatT<T>*, MatT<T>*);
IMITATE_ATTENTION(float)
IMITATE_ATTENTION(double)

}  // namespace imitate
