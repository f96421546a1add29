// The transformer ops: each forward is followed by its backward rule, with the derivative in one comment.
// Batched products and attention call engine/attention.hpp's kernels; the rest is short enough to be here.
#include "autograd/ops_transformer.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "autograd/ops.hpp"
#include "engine/attention.hpp"

namespace imitate {

template <class T>
static MatT<T>* grad_if(Tape<T>& t, int id) { return id >= 0 && t.node(id).requires_grad ? &t.grad(id) : nullptr; }

// ------------------------------------------------------------------------------------- batched products
template <class T>
static void bmm_bw(Tape<T>& t, Node<T>& o) {
    // d(a_i·b_i)/da_i = ·b_iᵀ, /db_i = a_iᵀ· (bmm_nt: d(a_i·b_iᵀ)/da_i = ·b_i, /db_i = doutᵀ·a_i)
    bmm_backward(*o.grad, t.value(o.in[0]), t.value(o.in[1]), o.i0, o.i1 != 0, grad_if(t, o.in[0]), grad_if(t, o.in[1]));
}
template <class T>
static Var<T> bmm_op(const char* name, Var<T> a, Var<T> b, Eigen::Index n, bool trans_b) {
    Node<T>& o = a.tape->push(name, a.id, b.id);
    bmm_forward(o.own_value, a.value(), b.value(), n, trans_b);
    o.i0 = n, o.i1 = trans_b;
    o.backward = bmm_bw<T>;
    return {a.tape, a.tape->n - 1};
}
template <class T>
Var<T> bmm(Var<T> a, Var<T> b, Eigen::Index n) { return bmm_op("bmm", a, b, n, false); }
template <class T>
Var<T> bmm_nt(Var<T> a, Var<T> b, Eigen::Index n) { return bmm_op("bmm_nt", a, b, n, true); }

// ------------------------------------------------------------------------------------------- softmax
template <class T>
static void softmax_bw(Tape<T>& t, Node<T>& o) {
    // d y_j/dx_k = y_j([j=k] − y_k):  dx = y∘(dy − Σ_j dy_j y_j)
    const MatT<T>& y = *o.value;
    MatT<T>& dx = t.grad(o.in[0]);
    for (Eigen::Index r = 0; r < y.rows(); ++r)
        dx.row(r).array() += y.row(r).array() * (o.grad->row(r).array() - o.grad->row(r).dot(y.row(r)));
}
template <class T>
Var<T> softmax(Var<T> x) {
    const MatT<T>& v = x.value();
    if (v.cols() == 0) throw std::invalid_argument("softmax: input " + shape_str(v) + " has no columns");
    Node<T>& o = x.tape->push("softmax", x.id, -1, -1, v.rows(), v.cols());
    for (Eigen::Index r = 0; r < v.rows(); ++r) {
        o.own_value.row(r) = (v.row(r).array() - v.row(r).maxCoeff()).exp();
        o.own_value.row(r) /= o.own_value.row(r).sum();
    }
    o.backward = softmax_bw<T>;
    return {x.tape, x.tape->n - 1};
}

// ---------------------------------------------------------------------------------------- layer norm
// Row r's mean μ and ρ = 1/√(var + eps) (biased variance); x̂ = (x − μ)·ρ. The backward recomputes them.
template <class T>
static std::pair<T, T> row_moments(const MatT<T>& x, Eigen::Index r, T eps) {
    const T mu = x.row(r).mean();
    return {mu, T(1) / std::sqrt((x.row(r).array() - mu).square().mean() + eps)};
}
template <class T>
static void layer_norm_bw(Tape<T>& t, Node<T>& o) {
    // y = x̂·w + b:  dw = Σ_rows dy∘x̂,  db = Σ_rows dy,
    // dx = ρ·(g − mean(g) − x̂·mean(g∘x̂)) with g = dy∘w (x̂ depends on x through μ and ρ too)
    const MatT<T>& x = t.value(o.in[0]);
    const auto w = t.value(o.in[1]).row(0).array();
    MatT<T>* dx = grad_if(t, o.in[0]);
    MatT<T>* dw = grad_if(t, o.in[1]);
    MatT<T>* db = grad_if(t, o.in[2]);
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
        const auto [mu, rho] = row_moments(x, r, o.s);
        const auto xhat = (x.row(r).array() - mu) * rho;
        const auto dy = o.grad->row(r).array();
        if (dw) dw->row(0).array() += dy * xhat;
        if (db) db->row(0).array() += dy;
        if (dx) {
            const T mg = (dy * w).mean(), mgx = (dy * w * xhat).mean();
            dx->row(r).array() += rho * (dy * w - mg - xhat * mgx);
        }
    }
}
template <class T>
Var<T> layer_norm(Var<T> x, Var<T> w, Var<T> b, T eps) {
    const MatT<T>& xv = x.value();
    if (w.rows() != 1 || w.cols() != xv.cols() || b.rows() != 1 || b.cols() != xv.cols() || xv.cols() == 0)
        throw std::invalid_argument("layer_norm: x " + shape_str(xv) + " needs weight and bias (1," +
                                    std::to_string(xv.cols()) + "), got " + shape_str(w.value()) + " and " + shape_str(b.value()));
    Node<T>& o = x.tape->push("layer_norm", x.id, w.id, b.id, xv.rows(), xv.cols());
    for (Eigen::Index r = 0; r < xv.rows(); ++r) {
        const auto [mu, rho] = row_moments(xv, r, eps);
        o.own_value.row(r).array() = (xv.row(r).array() - mu) * rho * w.value().row(0).array() + b.value().row(0).array();
    }
    o.s = eps;
    o.backward = layer_norm_bw<T>;
    return {x.tape, x.tape->n - 1};
}

// Φ(x) = (1 + erf(x/√2))/2, the standard normal CDF, elementwise
template <class T>
static auto normal_cdf(const MatT<T>& x) {
    return x.array().unaryExpr([](T v) { return T(0.5) * (T(1) + std::erf(v * T(0.70710678118654752440))); });
}
template <class T>
static void gelu_bw(Tape<T>& t, Node<T>& o) {
    // d(x·Φ(x))/dx = Φ(x) + x·φ(x),  φ(x) = e^(−x²/2)/√(2π)
    const MatT<T>& x = t.value(o.in[0]);
    t.grad(o.in[0]).array() +=
        o.grad->array() * (normal_cdf(x) + x.array() * (T(-0.5) * x.array().square()).exp() * T(0.39894228040143267794));
}
template <class T>
Var<T> gelu(Var<T> x) {
    return unary(x, "gelu", [](MatT<T>& y, const MatT<T>& v) { y = (v.array() * normal_cdf(v)).matrix(); }, gelu_bw<T>);
}

// ----------------------------------------------------------------------------------------- embedding
template <class T>
static void embedding_bw(Tape<T>& t, Node<T>& o) {
    // d W[idx[r]]/dW[v] = [idx[r] = v]: scatter-add each output row's gradient into its table row
    MatT<T>& dW = t.grad(o.in[0]);
    const MatT<T>& idx = t.value(o.in[1]);
    for (Eigen::Index r = 0; r < idx.rows(); ++r) dW.row(static_cast<Eigen::Index>(idx(r, 0))) += o.grad->row(r);
}
template <class T>
Var<T> embedding(Var<T> W, const std::vector<int>& idx) {
    const MatT<T>& table = W.value();
    for (size_t r = 0; r < idx.size(); ++r)
        if (idx[r] < 0 || idx[r] >= table.rows())
            throw std::invalid_argument("embedding: index " + std::to_string(idx[r]) + " at position " + std::to_string(r) +
                                        " is outside the table " + shape_str(table));
    const Eigen::Index R = static_cast<Eigen::Index>(idx.size());
    // The indices live on the tape as a constant (R,1) node (exact in float below 2^24), for the backward.
    Node<T>& ids = W.tape->push("embedding_indices", -1, -1, -1, R, 1);
    for (Eigen::Index r = 0; r < R; ++r) ids.own_value(r, 0) = T(idx[static_cast<size_t>(r)]);
    Node<T>& o = W.tape->push("embedding", W.id, W.tape->n - 1, -1, R, table.cols());
    for (Eigen::Index r = 0; r < R; ++r) o.own_value.row(r) = table.row(idx[static_cast<size_t>(r)]);
    o.backward = embedding_bw<T>;
    return {W.tape, W.tape->n - 1};
}

// ------------------------------------------------------------------------------------ shape plumbing
template <class T>
Var<T> slice_rows(Var<T> x, Eigen::Index r0, Eigen::Index h) {
    if (r0 < 0 || h < 0 || r0 + h > x.value().rows())
        throw std::invalid_argument("slice_rows: rows [" + std::to_string(r0) + "," + std::to_string(r0 + h) +
                                    ") out of range for " + shape_str(x.value()));
    // derived: rows [r0, r0+h) of a row-major (R,C) matrix are its elements [r0·C, (r0+h)·C)
    const Eigen::Index C = x.cols();
    return reshape(slice_cols(reshape(x, 1, x.rows() * C), r0 * C, h * C), h, C);
}

// Calls f(merged block, split block) for every (sequence b, head j): the (T,D) block at rows b·T, columns
// j·D of the merged (B·T, h·D) matrix and at rows (b·h + j)·T of the split (B·h·T, D) one.
template <class M, class S, class F>
static void for_heads(M& merged, S& split, Eigen::Index B, Eigen::Index h, F f) {
    const Eigen::Index Tn = merged.rows() / B, D = split.cols();
    for (Eigen::Index b = 0; b < B; ++b)
        for (Eigen::Index j = 0; j < h; ++j) f(merged.block(b * Tn, j * D, Tn, D), split.middleRows((b * h + j) * Tn, Tn));
}
template <class T>
static void check_heads(const char* op, const MatT<T>& x, Eigen::Index B, Eigen::Index h, bool merged) {
    const bool ok = B >= 1 && h >= 1 && (merged ? x.rows() % B == 0 && x.cols() % h == 0 : x.rows() % (B * h) == 0);
    if (!ok)
        throw std::invalid_argument(std::string(op) + ": input " + shape_str(x) + " is not " +
                                    (merged ? "(B·T, h·D)" : "(B·h·T, D)") + " for B = " + std::to_string(B) +
                                    ", h = " + std::to_string(h));
}
template <class T>
static void split_heads_bw(Tape<T>& t, Node<T>& o) {  // a permutation: the gradient moves back unchanged
    for_heads(t.grad(o.in[0]), *o.grad, o.i0, o.i1, [](auto m, auto s) { m += s; });
}
template <class T>
Var<T> split_heads(Var<T> x, Eigen::Index B, Eigen::Index h) {
    check_heads("split_heads", x.value(), B, h, true);
    Node<T>& o = x.tape->push("split_heads", x.id, -1, -1, x.rows() * h, x.cols() / h);
    for_heads(x.value(), o.own_value, B, h, [](auto m, auto s) { s = m; });
    o.i0 = B, o.i1 = h;
    o.backward = split_heads_bw<T>;
    return {x.tape, x.tape->n - 1};
}
template <class T>
static void merge_heads_bw(Tape<T>& t, Node<T>& o) {  // the inverse permutation
    for_heads(*o.grad, t.grad(o.in[0]), o.i0, o.i1, [](auto m, auto s) { s += m; });
}
template <class T>
Var<T> merge_heads(Var<T> x, Eigen::Index B, Eigen::Index h) {
    check_heads("merge_heads", x.value(), B, h, false);
    Node<T>& o = x.tape->push("merge_heads", x.id, -1, -1, x.rows() / h, x.cols() * h);
    for_heads(o.own_value, x.value(), B, h, [](auto m, auto s) { m = s; });
    o.i0 = B, o.i1 = h;
    o.backward = merge_heads_bw<T>;
    return {x.tape, x.tape->n - 1};
}

// ------------------------------------------------------------------------------------------ attention
template <class T>
static void attention_bw(Tape<T>& t, Node<T>& o) {
    // out = P·v, P = softmax(S), S = q·kᵀ/√D:  dv = Pᵀ·dout,  dS = P∘(dP − rowsum(P∘dP)) with dP = dout·vᵀ,
    // dq = dS·k/√D,  dk = dSᵀ·q/√D   (engine/attention.cpp). P is the value of node i1.
    attention_backward(*o.grad, t.value(static_cast<int>(o.i1)), t.value(o.in[0]), t.value(o.in[1]), t.value(o.in[2]),
                       o.i0, grad_if(t, o.in[0]), grad_if(t, o.in[1]), grad_if(t, o.in[2]));
}
template <class T>
Var<T> attention(Var<T> q, Var<T> k, Var<T> v, Eigen::Index n, bool causal) {
    // The probabilities P (N·Tq, Tk) get a node of their own just before this one (no inputs, no backward),
    // so that the backward can read them; its id goes in i1. (A deque's references survive push.)
    Node<T>& p = q.tape->push("attention_probs");
    const int pid = q.tape->n - 1;
    Node<T>& o = q.tape->push("attention", q.id, k.id, v.id);
    attention_forward(o.own_value, p.own_value, q.value(), k.value(), v.value(), n, causal);
    o.i0 = n, o.i1 = pid;
    o.backward = attention_bw<T>;
    return {q.tape, q.tape->n - 1};
}

template <class T>
Var<T> attention_composed(Var<T> q, Var<T> k, Var<T> v, Eigen::Index n, bool causal) {
    Var<T> s = scale(bmm_nt(q, k, n), T(1) / std::sqrt(T(q.cols())));  // (N·Tq, Tk); bmm_nt checks the shapes
    if (causal) s = add(s, q.tape->constant(causal_mask<T>(n, q.rows() / n, k.rows() / n)));
    return bmm(softmax(s), v, n);
}

template <class T>
MatT<T> causal_mask(Eigen::Index n, Eigen::Index Tq, Eigen::Index Tk) {
    MatT<T> m = MatT<T>::Zero(n * Tq, Tk);
    for (Eigen::Index r = 0; r < n * Tq; ++r)
        for (Eigen::Index j = r % Tq + 1; j < Tk; ++j) m(r, j) = -std::numeric_limits<T>::infinity();
    return m;
}

#define IMITATE_TRANSFORMER_OPS(T)                                                  \
    template Var<T> bmm(Var<T>, Var<T>, Eigen::Index);                              \
    template Var<T> bmm_nt(Var<T>, Var<T>, Eigen::Index);                           \
    template Var<T> softmax(Var<T>);                                                \
    template Var<T> layer_norm(Var<T>, Var<T>, Var<T>, T);                          \
    template Var<T> gelu(Var<T>);                                                   \
    template Var<T> embedding(Var<T>, const std::vector<int>&);                     \
    template Var<T> slice_rows(Var<T>, Eigen::Index, Eigen::Index);                 \
    template Var<T> split_heads(Var<T>, Eigen::Index, Eigen::Index);                \
    template Var<T> merge_heads(Var<T>, Eigen::Index, Eigen::Index);                \
    template Var<T> attention(Var<T>, Var<T>, Var<T>, Eigen::Index, bool);          \
    template Var<T> attention_composed(Var<T>, Var<T>, Var<T>, Eigen::Index, bool); \
    template MatT<T> causal_mask<T>(Eigen::Index, Eigen::Index, Eigen::Index);
IMITATE_TRANSFORMER_OPS(float)
IMITATE_TRANSFORMER_OPS(double)

}  // namespace imitate
