// The ops: each forward sits directly below its backward rule (the forward names the rule it installs, so the
// rule comes first), with the derivative in one comment.
// Backward rules only add into inputs that need a gradient (requires_grad), so constants cost nothing.
#include "autograd/ops.hpp"

#include <cmath>

#include "engine/elementwise.hpp"
#include "engine/linear.hpp"

namespace imitate {

template <class T>
static bool needs(Tape<T>& t, int id) { return id >= 0 && t.node(id).requires_grad; }

// ---------------------------------------------------------------------------------------------- linear
template <class T>
static void linear_bw(Tape<T>& t, Node<T>& o) {
    // d(x·Wᵀ + b)/dx = W,  /dW = xᵀ (per output row),  /db = 1 summed over the batch
    // (a gradient nothing has written yet is written, not added to: GradWrite in engine/linear.hpp)
    GradWrite fresh;
    MatT<T>* dx = needs(t, o.in[0]) ? &t.grad_to_write(o.in[0], fresh.dx) : nullptr;
    MatT<T>* dW = needs(t, o.in[1]) ? &t.grad_to_write(o.in[1], fresh.dW) : nullptr;
    MatT<T>* db = needs(t, o.in[2]) ? &t.grad_to_write(o.in[2], fresh.db) : nullptr;
    linear_backward(*o.grad, t.value(o.in[0]), t.value(o.in[1]), dx, dW, db, fresh);
}
template <class T>
Var<T> linear(Var<T> x, Var<T> W, Var<T> b) {
    Node<T>& o = x.tape->push("linear", x.id, W.id, b.id);
    linear_forward(o.own_value, x.value(), W.value(), &b.value());
    o.backward = linear_bw<T>;
    return {x.tape, x.tape->n - 1};
}

// ---------------------------------------------------------------------------------- broadcasting binary
enum Bcast : int { kSame = 0, kRow = 1, kCol = 2 };
template <class T>
static Bcast bcast(const char* op, const MatT<T>& a, const MatT<T>& b) {
    if (b.rows() == a.rows() && b.cols() == a.cols()) return kSame;
    if (b.rows() == 1 && b.cols() == a.cols()) return kRow;
    if (b.cols() == 1 && b.rows() == a.rows()) return kCol;
    throw std::invalid_argument(std::string(op) + ": shapes " + shape_str(a) + " and " + shape_str(b) +
                                " do not broadcast (b must be (R,C), (1,C) or (R,1))");
}
// Adds g (R,C) into db, summing over the broadcast dimension.
template <class T>
static void reduce_into(MatT<T>& db, const MatT<T>& g, Eigen::Index mode) {
    if (mode == kSame) db += g;
    else if (mode == kRow) db += g.colwise().sum();
    else db += g.rowwise().sum();
}
// Applies f(a, b) with b broadcast, writing out.
template <class T, class F>
static void bcast_apply(MatT<T>& out, const MatT<T>& a, const MatT<T>& b, Eigen::Index mode, F f) {
    out.resize(a.rows(), a.cols());
    if (mode == kSame) out = f(a.array(), b.array()).matrix();
    else if (mode == kRow) out = f(a.array(), b.row(0).array().replicate(a.rows(), 1)).matrix();
    else out = f(a.array(), b.col(0).array().replicate(1, a.cols())).matrix();
}

template <class T>
static void add_bw(Tape<T>& t, Node<T>& o) {
    // d(a+b)/da = 1, d(a+b)/db = 1
    if (needs(t, o.in[0])) t.grad(o.in[0]) += *o.grad;
    if (needs(t, o.in[1])) reduce_into(t.grad(o.in[1]), *o.grad, o.i0);
}
template <class T>
Var<T> add(Var<T> a, Var<T> b) {
    Bcast m = bcast("add", a.value(), b.value());
    Node<T>& o = a.tape->push("add", a.id, b.id);
    bcast_apply(o.own_value, a.value(), b.value(), m, [](auto x, auto y) { return x + y; });
    o.i0 = m;
    o.backward = add_bw<T>;
    return {a.tape, a.tape->n - 1};
}

template <class T>
static void sub_bw(Tape<T>& t, Node<T>& o) {
    // d(a−b)/da = 1, d(a−b)/db = −1
    if (needs(t, o.in[0])) t.grad(o.in[0]) += *o.grad;
    if (needs(t, o.in[1])) reduce_into<T>(t.grad(o.in[1]), -*o.grad, o.i0);
}
template <class T>
Var<T> sub(Var<T> a, Var<T> b) {
    Bcast m = bcast("sub", a.value(), b.value());
    Node<T>& o = a.tape->push("sub", a.id, b.id);
    bcast_apply(o.own_value, a.value(), b.value(), m, [](auto x, auto y) { return x - y; });
    o.i0 = m;
    o.backward = sub_bw<T>;
    return {a.tape, a.tape->n - 1};
}

template <class T>
static void mul_bw(Tape<T>& t, Node<T>& o) {
    // d(a·b)/da = b, d(a·b)/db = a
    const MatT<T>& a = t.value(o.in[0]);
    const MatT<T>& b = t.value(o.in[1]);
    if (needs(t, o.in[0])) {
        MatT<T>& da = t.grad(o.in[0]);
        if (o.i0 == kSame) da.array() += o.grad->array() * b.array();
        else if (o.i0 == kRow) da.array() += o.grad->array() * b.row(0).array().replicate(a.rows(), 1);
        else da.array() += o.grad->array() * b.col(0).array().replicate(1, a.cols());
    }
    if (needs(t, o.in[1])) reduce_into<T>(t.grad(o.in[1]), (o.grad->array() * a.array()).matrix(), o.i0);
}
template <class T>
Var<T> mul(Var<T> a, Var<T> b) {
    Bcast m = bcast("mul", a.value(), b.value());
    Node<T>& o = a.tape->push("mul", a.id, b.id);
    bcast_apply(o.own_value, a.value(), b.value(), m, [](auto x, auto y) { return x * y; });
    o.i0 = m;
    o.backward = mul_bw<T>;
    return {a.tape, a.tape->n - 1};
}

// ------------------------------------------------------------------------------------------- scalars
template <class T>
static void scale_bw(Tape<T>& t, Node<T>& o) { t.grad(o.in[0]) += o.s * *o.grad; }  // d(s·x)/dx = s
template <class T>
Var<T> scale(Var<T> x, T s) {
    Node<T>& o = x.tape->push("scale", x.id);
    o.own_value = s * x.value();
    o.s = s;
    o.backward = scale_bw<T>;
    return {x.tape, x.tape->n - 1};
}

template <class T>
static void add_scalar_bw(Tape<T>& t, Node<T>& o) { t.grad(o.in[0]) += *o.grad; }  // d(x+s)/dx = 1
template <class T>
Var<T> add_scalar(Var<T> x, T s) {
    Node<T>& o = x.tape->push("add_scalar", x.id);
    o.own_value = (x.value().array() + s).matrix();
    o.s = s;
    o.backward = add_scalar_bw<T>;
    return {x.tape, x.tape->n - 1};
}

// --------------------------------------------------------------------------------------- elementwise
template <class T>
static void relu_bw(Tape<T>& t, Node<T>& o) {  // d relu/dx = [x>0]
    bool fresh = false;
    MatT<T>& dx = t.grad_to_write(o.in[0], fresh);
    relu_backward(dx, *o.grad, t.value(o.in[0]), fresh);
}
template <class T>
Var<T> relu(Var<T> x) { return unary(x, "relu", relu_forward<T>, relu_bw<T>); }

template <class T>
static void tanh_bw(Tape<T>& t, Node<T>& o) { tanh_backward(t.grad(o.in[0]), *o.grad, *o.value); }  // d tanh/dx = 1 − tanh²
template <class T>
Var<T> tanh(Var<T> x) { return unary(x, "tanh", tanh_forward<T>, tanh_bw<T>); }

template <class T>
static void sigmoid_bw(Tape<T>& t, Node<T>& o) { sigmoid_backward(t.grad(o.in[0]), *o.grad, *o.value); }  // dσ/dx = σ(1−σ)
template <class T>
Var<T> sigmoid(Var<T> x) { return unary(x, "sigmoid", sigmoid_forward<T>, sigmoid_bw<T>); }

template <class T>
static void softplus_bw(Tape<T>& t, Node<T>& o) { softplus_backward(t.grad(o.in[0]), *o.grad, t.value(o.in[0])); }  // d softplus/dx = σ(x)
template <class T>
Var<T> softplus(Var<T> x) { return unary(x, "softplus", softplus_forward<T>, softplus_bw<T>); }

template <class T>
static void exp_bw(Tape<T>& t, Node<T>& o) { t.grad(o.in[0]).array() += o.grad->array() * o.value->array(); }  // d eˣ/dx = eˣ
template <class T>
Var<T> exp(Var<T> x) { return unary(x, "exp", [](MatT<T>& y, const MatT<T>& v) { y = v.array().exp().matrix(); }, exp_bw<T>); }

template <class T>
static void log_bw(Tape<T>& t, Node<T>& o) { t.grad(o.in[0]).array() += o.grad->array() / t.value(o.in[0]).array(); }  // d log x/dx = 1/x
template <class T>
Var<T> log(Var<T> x) { return unary(x, "log", [](MatT<T>& y, const MatT<T>& v) { y = v.array().log().matrix(); }, log_bw<T>); }

template <class T>
static void square_bw(Tape<T>& t, Node<T>& o) { t.grad(o.in[0]).array() += T(2) * o.grad->array() * t.value(o.in[0]).array(); }  // d x²/dx = 2x
template <class T>
Var<T> square(Var<T> x) { return unary(x, "square", [](MatT<T>& y, const MatT<T>& v) { y = v.array().square().matrix(); }, square_bw<T>); }

// ---------------------------------------------------------------------------------------- reductions
template <class T>
static void sum_bw(Tape<T>& t, Node<T>& o) { t.grad(o.in[0]).array() += o.s * (*o.grad)(0, 0); }  // d Σx/dx = 1 (mean: 1/N)
template <class T>
Var<T> sum(Var<T> x) {
    Node<T>& o = x.tape->push("sum", x.id, -1, -1, 1, 1);
    o.own_value(0, 0) = x.value().sum();
    o.s = T(1);
    o.backward = sum_bw<T>;
    return {x.tape, x.tape->n - 1};
}
template <class T>
Var<T> mean(Var<T> x) {
    if (x.value().size() == 0) throw std::invalid_argument("mean: empty input " + shape_str(x.value()));
    Node<T>& o = x.tape->push("mean", x.id, -1, -1, 1, 1);
    o.own_value(0, 0) = x.value().mean();
    o.s = T(1) / T(x.value().size());
    o.backward = sum_bw<T>;
    return {x.tape, x.tape->n - 1};
}

template <class T>
static void sum_rows_bw(Tape<T>& t, Node<T>& o) {
    // d(Σ_c x[r,c])/dx[r,c] = 1 (mean_rows: 1/C)
    MatT<T>& dx = t.grad(o.in[0]);
    dx.array() += o.s * o.grad->col(0).array().replicate(1, dx.cols());
}
template <class T>
Var<T> sum_rows(Var<T> x) {
    Node<T>& o = x.tape->push("sum_rows", x.id);
    o.own_value = x.value().rowwise().sum();
    o.s = T(1);
    o.backward = sum_rows_bw<T>;
    return {x.tape, x.tape->n - 1};
}
template <class T>
Var<T> mean_rows(Var<T> x) {
    if (x.value().cols() == 0) throw std::invalid_argument("mean_rows: input " + shape_str(x.value()) + " has no columns");
    Node<T>& o = x.tape->push("mean_rows", x.id);
    o.own_value = x.value().rowwise().mean();
    o.s = T(1) / T(x.value().cols());
    o.backward = sum_rows_bw<T>;
    return {x.tape, x.tape->n - 1};
}

// ------------------------------------------------------------------------------------ shape plumbing
template <class T>
static void reshape_bw(Tape<T>& t, Node<T>& o) {
    // identity on the element order
    MatT<T>& dx = t.grad(o.in[0]);
    Eigen::Map<MatT<T>>(dx.data(), o.grad->rows(), o.grad->cols()) += *o.grad;
}
template <class T>
Var<T> reshape(Var<T> x, Eigen::Index r, Eigen::Index c) {
    if (r < 0 || c < 0 || r * c != x.value().size())
        throw std::invalid_argument("reshape: cannot reshape " + shape_str(x.value()) + " to (" + std::to_string(r) + "," +
                                    std::to_string(c) + ")");
    Node<T>& o = x.tape->push("reshape", x.id);
    o.own_value = Eigen::Map<const MatT<T>>(x.value().data(), r, c);
    o.backward = reshape_bw<T>;
    return {x.tape, x.tape->n - 1};
}

template <class T>
static void slice_cols_bw(Tape<T>& t, Node<T>& o) { t.grad(o.in[0]).middleCols(o.i0, o.i1) += *o.grad; }  // scatter back
template <class T>
Var<T> slice_cols(Var<T> x, Eigen::Index c0, Eigen::Index w) {
    if (c0 < 0 || w < 0 || c0 + w > x.value().cols())
        throw std::invalid_argument("slice_cols: columns [" + std::to_string(c0) + "," + std::to_string(c0 + w) +
                                    ") out of range for " + shape_str(x.value()));
    Node<T>& o = x.tape->push("slice_cols", x.id);
    o.own_value = x.value().middleCols(c0, w);
    o.i0 = c0, o.i1 = w;
    o.backward = slice_cols_bw<T>;
    return {x.tape, x.tape->n - 1};
}

template <class T>
static void concat_cols_bw(Tape<T>& t, Node<T>& o) {
    // each input receives its own block of columns
    const Eigen::Index ca = t.value(o.in[0]).cols();
    if (needs(t, o.in[0])) t.grad(o.in[0]) += o.grad->leftCols(ca);
    if (needs(t, o.in[1])) t.grad(o.in[1]) += o.grad->rightCols(o.grad->cols() - ca);
}
template <class T>
Var<T> concat_cols(Var<T> a, Var<T> b) {
    if (a.value().rows() != b.value().rows())
        throw std::invalid_argument("concat_cols: shapes " + shape_str(a.value()) + " and " + shape_str(b.value()) +
                                    " have different row counts");
    Node<T>& o = a.tape->push("concat_cols", a.id, b.id, -1, a.value().rows(), a.value().cols() + b.value().cols());
    o.own_value << a.value(), b.value();
    o.backward = concat_cols_bw<T>;
    return {a.tape, a.tape->n - 1};
}

// ------------------------------------------------------------------------------------------- softmax
template <class T>
static void log_softmax_bw(Tape<T>& t, Node<T>& o) {
    // d(x_j − lse(x))/dx_k = [j=k] − softmax_k:  dx = dout − softmax · Σ_j dout_j
    MatT<T>& dx = t.grad(o.in[0]);
    auto rowsum = o.grad->rowwise().sum();
    dx.array() += o.grad->array() - o.value->array().exp() * rowsum.array().replicate(1, dx.cols());
}
template <class T>
Var<T> log_softmax(Var<T> x) {
    Node<T>& o = x.tape->push("log_softmax", x.id);
    const MatT<T>& v = x.value();
    o.own_value.resize(v.rows(), v.cols());
    for (Eigen::Index r = 0; r < v.rows(); ++r) {
        T m = v.row(r).maxCoeff();
        T lse = m + std::log((v.row(r).array() - m).exp().sum());
        o.own_value.row(r) = v.row(r).array() - lse;
    }
    o.backward = log_softmax_bw<T>;
    return {x.tape, x.tape->n - 1};
}

template <class T>
static void logsumexp_bw(Tape<T>& t, Node<T>& o) {
    // d lse(x)/dx_k = softmax_k = exp(x_k − lse)
    MatT<T>& dx = t.grad(o.in[0]);
    const MatT<T>& x = t.value(o.in[0]);
    dx.array() += (x.array() - o.value->col(0).array().replicate(1, x.cols())).exp() *
                  o.grad->col(0).array().replicate(1, x.cols());
}
template <class T>
Var<T> logsumexp(Var<T> x) {
    const MatT<T>& v = x.value();
    if (v.cols() == 0) throw std::invalid_argument("logsumexp: input " + shape_str(v) + " has no columns");
    Node<T>& o = x.tape->push("logsumexp", x.id, -1, -1, v.rows(), 1);
    for (Eigen::Index r = 0; r < v.rows(); ++r) {
        T m = v.row(r).maxCoeff();
        o.own_value(r, 0) = m + std::log((v.row(r).array() - m).exp().sum());
    }
    o.backward = logsumexp_bw<T>;
    return {x.tape, x.tape->n - 1};
}

#define IMITATE_OPS(T)                                                                          \
    template Var<T> linear(Var<T>, Var<T>, Var<T>);                                             \
    template Var<T> add(Var<T>, Var<T>);                                                        \
    template Var<T> sub(Var<T>, Var<T>);                                                        \
    template Var<T> mul(Var<T>, Var<T>);                                                        \
    template Var<T> scale(Var<T>, T);                                                           \
    template Var<T> add_scalar(Var<T>, T);                                                      \
    template Var<T> relu(Var<T>);                                                               \
    template Var<T> tanh(Var<T>);                                                               \
    template Var<T> sigmoid(Var<T>);                                                            \
    template Var<T> softplus(Var<T>);                                                           \
    template Var<T> exp(Var<T>);                                                                \
    template Var<T> log(Var<T>);                                                                \
    template Var<T> square(Var<T>);                                                             \
    template Var<T> sum(Var<T>);                                                                \
    template Var<T> mean(Var<T>);                                                               \
    template Var<T> sum_rows(Var<T>);                                                           \
    template Var<T> mean_rows(Var<T>);                                                          \
    template Var<T> reshape(Var<T>, Eigen::Index, Eigen::Index);                                \
    template Var<T> slice_cols(Var<T>, Eigen::Index, Eigen::Index);                             \
    template Var<T> concat_cols(Var<T>, Var<T>);                                                \
    template Var<T> log_softmax(Var<T>);                                                        \
    template Var<T> logsumexp(Var<T>);
IMITATE_OPS(float)
IMITATE_OPS(double)

}  // namespace imitate
