// The tape: reverse-mode automatic differentiation over a list of nodes in creation order.
// Each op pushes one node holding its value, the ids of its inputs and a pointer to its backward rule;
// backward() seeds d(loss)/d(loss) = 1 and walks the nodes in reverse, each rule adding its inputs'
// gradients (+=). Nodes are kept between steps and reused in order, so a training loop that rebuilds the
// same graph each step allocates nothing after the first step.
#pragma once
#include <deque>
#include <stdexcept>
#include <string>

#include "engine/tensor.hpp"

namespace imitate {

template <class T>
struct Tape;

// A trainable tensor: value and accumulated gradient live here, outside any tape. Gradients accumulate
// across backward() calls until zero_grad().
template <class T>
struct ParamT {
    std::string name;
    MatT<T> value, grad;
    ParamT() = default;
    ParamT(std::string n, Eigen::Index r, Eigen::Index c) : name(std::move(n)), value(MatT<T>::Zero(r, c)), grad(MatT<T>::Zero(r, c)) {}
    void zero_grad() { grad.setZero(); }
};
using Param = ParamT<float>;

// A handle to a node on a tape: cheap to copy, valid until the tape is reset.
template <class T>
struct Var {
    Tape<T>* tape = nullptr;
    int id = -1;
    const MatT<T>& value() const;
    MatT<T>& grad() const;
    Eigen::Index rows() const { return value().rows(); }
    Eigen::Index cols() const { return value().cols(); }
};

template <class T>
struct Node {
    const char* op = "";
    MatT<T> own_value, own_grad;       // storage of computed nodes and copied constants
    MatT<T>* value = &own_value;        // -> own_value, or an input's / a parameter's storage
    MatT<T>* grad = &own_grad;
    int in[3] = {-1, -1, -1};           // input node ids
    T s = 0;                            // a scalar argument (scale, offset)
    Eigen::Index i0 = 0, i1 = 0;        // integer arguments (slice start and width, ...)
    bool requires_grad = false;         // some parameter lies upstream
    bool is_param = false;              // a parameter leaf (its gradient is never zeroed by backward)
    bool grad_stale = false;            // grad's contents are last step's: it reads as zero (Tape::grad)
    ParamT<T>* param = nullptr;         // that parameter
    void (*backward)(Tape<T>&, Node<T>&) = nullptr;
};

template <class T>
struct Tape {
    std::deque<Node<T>> nodes;  // deque: node addresses stay valid as the tape grows
    int n = 0;                  // live nodes this step
    // false: a parameter's gradient accumulates straight into ParamT::grad (one tape per step).
    // true: into the parameter node's own storage, zero when backward returns, so several tapes can run
    // the same parameters at once (one per part of a minibatch) and their gradients be summed afterwards in
    // a fixed order (autograd/data_parallel.hpp).
    bool own_param_grads = false;

    // Forget the graph but keep every node's storage for the next step.
    void reset() { n = 0; }

    Node<T>& node(int id) { return nodes[static_cast<size_t>(id)]; }
    const MatT<T>& value(int id) { return *node(id).value; }
    // A node's gradient. One that nothing has written since backward began holds stale values: it is zeroed
    // on first access, so every rule may simply add (+=) into it.
    MatT<T>& grad(int id) {
        Node<T>& nd = node(id);
        if (nd.grad_stale) nd.grad->setZero(), nd.grad_stale = false;
        return *nd.grad;
    }
    // The same gradient for a rule that will overwrite all of it when `fresh` comes back true (linear's and
    // relu's rules: = instead of +=, which saves zeroing the buffer and reading the zeros back).
    MatT<T>& grad_to_write(int id, bool& fresh) {
        Node<T>& nd = node(id);
        fresh = nd.grad_stale;
        nd.grad_stale = false;
        return *nd.grad;
    }

    // A constant that refers to `v` without copying; `v` must outlive this step's use of the tape.
    Var<T> input(const MatT<T>& v) {
        Node<T>& nd = push("input");
        nd.value = const_cast<MatT<T>*>(&v);  // never written through: constants have no backward
        return {this, n - 1};
    }
    // A constant copied onto the tape (safe for temporaries).
    Var<T> constant(const MatT<T>& v) {
        Node<T>& nd = push("constant");
        nd.own_value = v;
        return {this, n - 1};
    }
    // A trainable leaf: value and gradient are the parameter's own.
    Var<T> param(ParamT<T>& p) {
        Node<T>& nd = push("param");
        nd.value = &p.value;
        nd.requires_grad = true;
        nd.is_param = true;
        nd.param = &p;
        if (own_param_grads) {
            nd.own_grad.resize(p.value.rows(), p.value.cols());
            nd.grad_stale = true;  // reads as zero; zeroed at the end of backward if no rule wrote it
        } else {
            nd.grad = &p.grad;
            if (p.grad.rows() != p.value.rows() || p.grad.cols() != p.value.cols()) p.grad.setZero(p.value.rows(), p.value.cols());
        }
        return {this, n - 1};
    }

    // Append a node for op `op` with inputs a, b, c (ids, -1 = none); its value is sized (rows, cols).
    // Used by every op in ops.cpp; public so tests (and users) can define new ops.
    Node<T>& push(const char* op, int a = -1, int b = -1, int c = -1, Eigen::Index rows = 0, Eigen::Index cols = 0) {
        if (n == static_cast<int>(nodes.size())) nodes.emplace_back();
        Node<T>& nd = nodes[static_cast<size_t>(n++)];
        nd.op = op;
        nd.value = &nd.own_value;
        nd.grad = &nd.own_grad;
        nd.in[0] = a, nd.in[1] = b, nd.in[2] = c;
        nd.s = 0, nd.i0 = 0, nd.i1 = 0;
        nd.is_param = false;
        nd.grad_stale = false;
        nd.param = nullptr;
        nd.backward = nullptr;
        nd.requires_grad = false;
        for (int id : {a, b, c})
            if (id >= 0) nd.requires_grad |= node(id).requires_grad;
        if (rows > 0 || cols > 0) nd.own_value.resize(rows, cols);
        return nd;
    }

    // Reverse pass from a (1,1) loss: the non-parameter gradients start at zero (marked stale: zeroed on first
    // access, or overwritten by a rule that writes them whole), dloss = 1, then each node's rule runs from last
    // to first. A node whose gradient nothing wrote has gradient zero and its rule is skipped (it would add
    // zeros). Parameter gradients accumulate (+=) across calls; zero them explicitly. A tape's own parameter
    // gradients (own_param_grads) are all written or zeroed when this returns.
    void backward(Var<T> loss) {
        if (loss.tape != this) throw std::invalid_argument("backward: loss is not on this tape");
        if (loss.rows() != 1 || loss.cols() != 1)
            throw std::invalid_argument("backward: loss has shape " + shape_str(loss.value()) + ", expected (1,1)");
        for (int i = 0; i <= loss.id; ++i) {
            Node<T>& nd = node(i);
            if (nd.requires_grad && !nd.is_param) nd.grad->resize(nd.value->rows(), nd.value->cols()), nd.grad_stale = true;
        }
        if (node(loss.id).requires_grad) {  // else nothing trainable upstream
            grad(loss.id)(0, 0) += T(1);
            for (int i = loss.id; i >= 0; --i) {
                Node<T>& nd = node(i);
                if (nd.requires_grad && nd.backward && !nd.grad_stale) nd.backward(*this, nd);
            }
        }
        for (int i = 0; i < n; ++i)
            if (node(i).is_param) grad(i);  // a parameter no rule reached: its own gradient is zero
    }
};

template <class T>
const MatT<T>& Var<T>::value() const { return tape->value(id); }
template <class T>
MatT<T>& Var<T>::grad() const { return tape->grad(id); }

// An elementwise op's node (ops.cpp, ops_transformer.cpp): pushes `op` on x, forward(y, x.value()) fills its
// value y (x's shape), bw is its backward rule.
template <class T, class Forward>
Var<T> unary(Var<T> x, const char* op, Forward forward, void (*bw)(Tape<T>&, Node<T>&)) {
    Node<T>& o = x.tape->push(op, x.id);
    forward(o.own_value, x.value());
    o.backward = bw;
    return {x.tape, x.tape->n - 1};
}

}  // namespace imitate
