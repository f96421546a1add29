// MSE, plain and masked, and the masked L1, as one node each: the backward needs only pred − target.
#include "autograd/losses.hpp"

namespace imitate {

template <class T>
static void check_same(const char* op, const MatT<T>& a, const MatT<T>& b, const char* bname) {
    if (a.rows() != b.rows() || a.cols() != b.cols())
        throw std::invalid_argument(std::string(op) + ": pred has shape " + shape_str(a) + " but " + bname +
                                    " has shape " + shape_str(b));
}

template <class T>
static void mse_bw(Tape<T>& t, Node<T>& o) {
    // d/dpred of s·Σ m(p−y)² = 2·s·m·(p−y), s = 1/N (or 1/Σm); the target gets the negative
    const MatT<T>& p = t.value(o.in[0]);
    const MatT<T>& y = t.value(o.in[1]);
    const T g = T(2) * o.s * (*o.grad)(0, 0);
    auto diff = (p.array() - y.array());
    if (o.in[2] >= 0) {
        auto md = diff * t.value(o.in[2]).array();
        if (t.node(o.in[0]).requires_grad) t.grad(o.in[0]).array() += g * md;
        if (t.node(o.in[1]).requires_grad) t.grad(o.in[1]).array() -= g * md;
    } else {
        if (t.node(o.in[0]).requires_grad) t.grad(o.in[0]).array() += g * diff;
        if (t.node(o.in[1]).requires_grad) t.grad(o.in[1]).array() -= g * diff;
    }
}

template <class T>
Var<T> mse(Var<T> pred, Var<T> target) {
    check_same("mse", pred.value(), target.value(), "target");
    if (pred.value().size() == 0) throw std::invalid_argument("mse: empty prediction " + shape_str(pred.value()));
    Node<T>& o = pred.tape->push("mse", pred.id, target.id, -1, 1, 1);
    o.s = T(1) / T(pred.value().size());
    o.own_value(0, 0) = (pred.value() - target.value()).squaredNorm() * o.s;
    o.backward = mse_bw<T>;
    return {pred.tape, pred.tape->n - 1};
}

// The masked mean losses' node (mse, l1): checks that pred, target and mask have one shape and that the mask
// is a constant (errors name `name`), pushes node `op` (1×1) on (pred, target, mask) and sets s = 1/Σmask
// (0 for an all-zero mask); the caller fills the value and the backward.
template <class T>
static Node<T>& masked_loss_node(const char* name, const char* op, Var<T> pred, Var<T> target, Var<T> mask) {
    check_same(name, pred.value(), target.value(), "target");
    check_same(name, pred.value(), mask.value(), "mask");
    if (mask.tape->node(mask.id).requires_grad)
        throw std::invalid_argument(std::string(name) + ": the mask must be a constant");
    Node<T>& o = pred.tape->push(op, pred.id, target.id, mask.id, 1, 1);
    const T msum = mask.value().sum();
    o.s = msum > T(0) ? T(1) / msum : T(0);
    return o;
}

template <class T>
Var<T> mse(Var<T> pred, Var<T> target, Var<T> mask) {
    Node<T>& o = masked_loss_node("mse", "mse_masked", pred, target, mask);
    o.own_value(0, 0) =
        ((pred.value() - target.value()).array().square() * mask.value().array()).sum() * o.s;
    o.backward = mse_bw<T>;
    return {pred.tape, pred.tape->n - 1};
}

template <class T>
static void l1_bw(Tape<T>& t, Node<T>& o) {
    // d/dpred of s·Σ m|p−y| = s·m·sign(p−y), s = 1/Σm; the target gets the negative
    const T g = o.s * (*o.grad)(0, 0);
    auto sm = (t.value(o.in[0]).array() - t.value(o.in[1]).array()).sign() * t.value(o.in[2]).array();
    if (t.node(o.in[0]).requires_grad) t.grad(o.in[0]).array() += g * sm;
    if (t.node(o.in[1]).requires_grad) t.grad(o.in[1]).array() -= g * sm;
}

template <class T>
Var<T> l1(Var<T> pred, Var<T> target, Var<T> mask) {
    Node<T>& o = masked_loss_node("l1", "l1_masked", pred, target, mask);
    o.own_value(0, 0) = ((pred.value() - target.value()).array().abs() * mask.value().array()).sum() * o.s;
    o.backward = l1_bw<T>;
    return {pred.tape, pred.tape->n - 1};
}

template Var<float> mse(Var<float>, Var<float>);
template Var<double> mse(Var<double>, Var<double>);
template Var<float> mse(Var<float>, Var<float>, Var<float>);
template Var<double> mse(Var<double>, Var<double>, Var<double>);
template Var<float> l1(Var<float>, Var<float>, Var<float>);
template Var<double> l1(Var<double>, Var<double>, Var<double>);

}  // namespace imitate
