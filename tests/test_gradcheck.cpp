// The gradient-check registry: every differentiable op in autograd/ops.hpp, ops_transformer.hpp and losses.hpp, each
// with random double inputs kept away from kinks, walked by gradcheck() (central differences, eps 1e-6,
// |analytic − numeric| <= 1e-5 + 1e-3·|numeric|, outputs contracted with a random cotangent).
// A second test parses the headers and fails if an op is declared without an entry here; a third shows
// that the checker rejects a deliberately wrong backward.
#include <doctest/doctest.h>

#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/autograd.hpp"
#include "engine/engine.hpp"

using namespace imitate;

using V = Var<double>;

// ---------------------------------------------------------------------------------------- input makers
// Uniform in [lo, hi).
static MatD uni(Rng& rng, Eigen::Index r, Eigen::Index c, double lo = -1.5, double hi = 1.5) {
    MatD m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = rng.uniform(lo, hi);
    return m;
}
// Magnitude in [lo, hi) with a random sign: away from the kink at 0.
static MatD away_from_zero(Rng& rng, Eigen::Index r, Eigen::Index c, double lo = 0.1, double hi = 1.5) {
    MatD m = uni(rng, r, c, lo, hi);
    for (Eigen::Index k = 0; k < m.size(); ++k)
        if (rng.uniform() < 0.5) m.data()[k] = -m.data()[k];
    return m;
}
// A fixed 0/1 mask (a constant of the op, not an input: gradcheck would perturb an input).
static MatD fixed_mask(Eigen::Index r, Eigen::Index c) {
    MatD m(r, c);
    for (Eigen::Index i = 0; i < r; ++i)
        for (Eigen::Index j = 0; j < c; ++j) m(i, j) = (i * c + j) % 3 == 1 ? 0.0 : 1.0;
    return m;
}

// ------------------------------------------------------------------------------------------- registry
// One entry per op (and per broadcasting mode / overload): a name, a builder of random inputs, and the
// function from those inputs (trainable leaves on a double tape) to the op's output.
struct OpCase {
    std::string name;
    std::function<std::vector<MatD>(Rng&)> inputs;
    GradFn f;
};

static const std::vector<OpCase>& registry() {
    static const std::vector<OpCase> r = {
        // x (B,I), W (O,I), b (1,O): x requires grad too (every input is a trainable leaf).
        {"linear", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 3), uni(g, 5, 3), uni(g, 1, 5)}; },
         [](const std::vector<V>& v) { return linear(v[0], v[1], v[2]); }},
        // B >= 32 takes the kernel's row-split path; B = 1 the column-split path.
        {"linear_b33", [](Rng& g) { return std::vector<MatD>{uni(g, 33, 4), uni(g, 3, 4), uni(g, 1, 3)}; },
         [](const std::vector<V>& v) { return linear(v[0], v[1], v[2]); }},
        {"linear_b1", [](Rng& g) { return std::vector<MatD>{uni(g, 1, 6), uni(g, 7, 6), uni(g, 1, 7)}; },
         [](const std::vector<V>& v) { return linear(v[0], v[1], v[2]); }},

        {"add", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 3), uni(g, 4, 3)}; },
         [](const std::vector<V>& v) { return add(v[0], v[1]); }},
        {"add_row", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 3), uni(g, 1, 3)}; },
         [](const std::vector<V>& v) { return add(v[0], v[1]); }},
        {"add_col", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 3), uni(g, 4, 1)}; },
         [](const std::vector<V>& v) { return add(v[0], v[1]); }},
        {"sub", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 3), uni(g, 4, 3)}; },
         [](const std::vector<V>& v) { return sub(v[0], v[1]); }},
        {"sub_row", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 3), uni(g, 1, 3)}; },
         [](const std::vector<V>& v) { return sub(v[0], v[1]); }},
        {"sub_col", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 3), uni(g, 4, 1)}; },
         [](const std::vector<V>& v) { return sub(v[0], v[1]); }},
        {"mul", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 3), uni(g, 4, 3)}; },
         [](const std::vector<V>& v) { return mul(v[0], v[1]); }},
        {"mul_row", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 3), uni(g, 1, 3)}; },
         [](const std::vector<V>& v) { return mul(v[0], v[1]); }},
        {"mul_col", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 3), uni(g, 4, 1)}; },
         [](const std::vector<V>& v) { return mul(v[0], v[1]); }},
        // the same Var on both sides: gradients from two uses must add up (d(x·x)/dx = 2x)
        {"mul_self", [](Rng& g) { return std::vector<MatD>{uni(g, 3, 4)}; },
         [](const std::vector<V>& v) { return mul(v[0], v[0]); }},

        {"scale", [](Rng& g) { return std::vector<MatD>{uni(g, 3, 4)}; },
         [](const std::vector<V>& v) { return scale(v[0], -1.7); }},
        {"add_scalar", [](Rng& g) { return std::vector<MatD>{uni(g, 3, 4)}; },
         [](const std::vector<V>& v) { return add_scalar(v[0], 2.5); }},

        {"relu", [](Rng& g) { return std::vector<MatD>{away_from_zero(g, 4, 5)}; },
         [](const std::vector<V>& v) { return relu(v[0]); }},
        {"tanh", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 5, -2, 2)}; },
         [](const std::vector<V>& v) { return tanh(v[0]); }},
        {"sigmoid", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 5, -3, 3)}; },
         [](const std::vector<V>& v) { return sigmoid(v[0]); }},
        {"softplus", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 5, -4, 4)}; },
         [](const std::vector<V>& v) { return softplus(v[0]); }},
        {"exp", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 5, -2, 2)}; },
         [](const std::vector<V>& v) { return exp(v[0]); }},
        {"log", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 5, 0.5, 3)}; },
         [](const std::vector<V>& v) { return log(v[0]); }},
        {"square", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 5)}; },
         [](const std::vector<V>& v) { return square(v[0]); }},

        {"sum", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 5)}; },
         [](const std::vector<V>& v) { return sum(v[0]); }},
        {"mean", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 5)}; },
         [](const std::vector<V>& v) { return mean(v[0]); }},
        {"sum_rows", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 5)}; },
         [](const std::vector<V>& v) { return sum_rows(v[0]); }},
        {"mean_rows", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 5)}; },
         [](const std::vector<V>& v) { return mean_rows(v[0]); }},

        {"reshape", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 6)}; },
         [](const std::vector<V>& v) { return reshape(v[0], 3, 8); }},
        {"slice_cols", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 6)}; },
         [](const std::vector<V>& v) { return slice_cols(v[0], 2, 3); }},
        {"concat_cols", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 2), uni(g, 4, 3)}; },
         [](const std::vector<V>& v) { return concat_cols(v[0], v[1]); }},
        {"log_softmax", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 5, -3, 3)}; },
         [](const std::vector<V>& v) { return log_softmax(v[0]); }},
        {"logsumexp", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 5, -3, 3)}; },
         [](const std::vector<V>& v) { return logsumexp(v[0]); }},

        // the transformer ops (autograd/ops_transformer.hpp); n slices of (M,K) stacked by rows
        {"bmm", [](Rng& g) { return std::vector<MatD>{uni(g, 2 * 3, 4), uni(g, 2 * 4, 5)}; },
         [](const std::vector<V>& v) { return bmm(v[0], v[1], 2); }},
        {"bmm_nt", [](Rng& g) { return std::vector<MatD>{uni(g, 2 * 3, 4), uni(g, 2 * 5, 4)}; },
         [](const std::vector<V>& v) { return bmm_nt(v[0], v[1], 2); }},
        {"softmax", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 5, -3, 3)}; },
         [](const std::vector<V>& v) { return softmax(v[0]); }},
        // −∞ entries (a causal mask) give exactly zero probability and zero gradient
        {"softmax_masked", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 4, -3, 3)}; },
         [](const std::vector<V>& v) { return softmax(add(v[0], v[0].tape->constant(causal_mask<double>(1, 4, 4)))); }},
        {"layer_norm", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 5, -2, 2), uni(g, 1, 5), uni(g, 1, 5)}; },
         [](const std::vector<V>& v) { return layer_norm(v[0], v[1], v[2]); }},
        {"gelu", [](Rng& g) { return std::vector<MatD>{uni(g, 4, 5, -3, 3)}; },
         [](const std::vector<V>& v) { return gelu(v[0]); }},
        // repeated indices: the scatter-add must sum both rows' gradients into one table row
        {"embedding", [](Rng& g) { return std::vector<MatD>{uni(g, 5, 3)}; },
         [](const std::vector<V>& v) { return embedding(v[0], {3, 1, 3, 0, 4, 1}); }},
        {"slice_rows", [](Rng& g) { return std::vector<MatD>{uni(g, 6, 4)}; },
         [](const std::vector<V>& v) { return slice_rows(v[0], 1, 3); }},
        // B = 2 sequences of T = 3 tokens, h = 2 heads of D = 4
        {"split_heads", [](Rng& g) { return std::vector<MatD>{uni(g, 2 * 3, 2 * 4)}; },
         [](const std::vector<V>& v) { return split_heads(v[0], 2, 2); }},
        {"merge_heads", [](Rng& g) { return std::vector<MatD>{uni(g, 2 * 2 * 3, 4)}; },
         [](const std::vector<V>& v) { return merge_heads(v[0], 2, 2); }},
        // n = 4 slices, Tq = 3 queries over Tk = 5 keys, D = 4, values of width E = 3
        {"attention", [](Rng& g) { return std::vector<MatD>{uni(g, 4 * 3, 4), uni(g, 4 * 5, 4), uni(g, 4 * 5, 3)}; },
         [](const std::vector<V>& v) { return attention(v[0], v[1], v[2], 4, false); }},
        {"attention_causal", [](Rng& g) { return std::vector<MatD>{uni(g, 4 * 4, 4), uni(g, 4 * 4, 4), uni(g, 4 * 4, 3)}; },
         [](const std::vector<V>& v) { return attention(v[0], v[1], v[2], 4, true); }},
        {"attention_composed", [](Rng& g) { return std::vector<MatD>{uni(g, 4 * 3, 4), uni(g, 4 * 5, 4), uni(g, 4 * 5, 3)}; },
         [](const std::vector<V>& v) { return attention_composed(v[0], v[1], v[2], 4, false); }},
        {"attention_composed_causal", [](Rng& g) { return std::vector<MatD>{uni(g, 4 * 4, 4), uni(g, 4 * 4, 4), uni(g, 4 * 4, 3)}; },
         [](const std::vector<V>& v) { return attention_composed(v[0], v[1], v[2], 4, true); }},

        // losses: pred and target both get gradients; the mask is a constant on the tape
        {"mse", [](Rng& g) { return std::vector<MatD>{uni(g, 5, 3), uni(g, 5, 3)}; },
         [](const std::vector<V>& v) { return mse(v[0], v[1]); }},
        {"mse_masked", [](Rng& g) { return std::vector<MatD>{uni(g, 5, 3), uni(g, 5, 3)}; },
         [](const std::vector<V>& v) { return mse(v[0], v[1], v[0].tape->constant(fixed_mask(5, 3))); }},
        // |p − y| has a kink at p = y: independent uniform inputs keep every difference far from 0 next to eps
        {"l1", [](Rng& g) { return std::vector<MatD>{uni(g, 5, 3), uni(g, 5, 3)}; },
         [](const std::vector<V>& v) { return l1(v[0], v[1], v[0].tape->constant(fixed_mask(5, 3))); }},
    };
    return r;
}

TEST_CASE("every op in the registry passes gradcheck") {
    int checked = 0;
    for (const OpCase& c : registry()) {
        Rng rng(derive_seed(1234, static_cast<uint64_t>(checked)));
        const std::vector<MatD> inputs = c.inputs(rng);
        const GradcheckReport rep = gradcheck(c.f, inputs, /*seed=*/7, /*eps=*/1e-6, /*atol=*/1e-5, /*rtol=*/1e-3);
        INFO("op '" << c.name << "': " << rep.message << " (max abs error " << rep.max_abs_err << ")");
        CHECK(rep.ok);
        ++checked;
    }
    MESSAGE(checked << " registry entries checked");
}

// ------------------------------------------------------------------------------------- completeness
// Names declared as `template <class T> Var<T> NAME(` in a header, one per declaration (overloads repeat).
static std::vector<std::string> declared_ops(const std::string& path) {
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path);
    static const std::regex decl(R"(^\s*template\s*<\s*(?:class|typename)\s+T\s*>\s*Var<\s*T\s*>\s+(\w+)\s*\()");
    std::vector<std::string> names;
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
        if (std::regex_search(line, m, decl)) names.push_back(m[1]);
    return names;
}

TEST_CASE("every op declared in ops.hpp, ops_transformer.hpp and losses.hpp has a registry entry") {
    const std::string root = IMITATE_SOURCE_DIR;
    std::map<std::string, int> declared;  // name -> number of declarations (overloads)
    for (const char* h : {"/autograd/ops.hpp", "/autograd/ops_transformer.hpp", "/autograd/losses.hpp"})
        for (const std::string& n : declared_ops(root + h)) ++declared[n];
    CHECK(declared.size() >= 20);  // the regex still matches the headers' style
    CHECK(declared.count("linear") == 1);
    CHECK(declared["mse"] == 2);

    for (const auto& [name, count] : declared) {
        // An op declared once needs an entry with exactly its name; an op overloaded k times needs at least
        // k entries named NAME or NAME_<variant> (mse, mse_masked), one per overload.
        bool exact = false;
        int variants = 0;
        for (const OpCase& c : registry()) {
            exact |= c.name == name;
            if (c.name == name || c.name.rfind(name + "_", 0) == 0) ++variants;
        }
        const std::string what = "op '" + name + "' is declared " + std::to_string(count) +
                                 " time(s); the gradient-check registry in tests/test_gradcheck.cpp has " +
                                 (exact ? std::string("an entry of that name and ") : std::string("no entry of that name and ")) +
                                 std::to_string(variants) + " entries for it in all: add one (random inputs away from kinks, the op's output)";
        INFO(what);
        CHECK(exact);
        CHECK(variants >= count);
    }
    // And no stale entries: each entry's name is a declared op or a variant of one.
    for (const OpCase& c : registry()) {
        bool known = false;
        for (const auto& [name, count] : declared) known |= c.name == name || c.name.rfind(name + "_", 0) == 0;
        INFO("registry entry '" << c.name << "' matches no declared op");
        CHECK(known);
    }
}

// -------------------------------------------------------------------------------- the checker itself
// x (R,C) -> (R,C) = x², with the backward under test. Built the way ops.cpp builds ops: Tape::push and a
// plain function as the backward rule.
static void square_bw_wrong(Tape<double>& t, Node<double>& o) {
    t.grad(o.in[0]).array() += o.grad->array() * t.value(o.in[0]).array();  // BUG: d x²/dx is 2x, not x
}
static void square_bw_right(Tape<double>& t, Node<double>& o) {
    t.grad(o.in[0]).array() += 2.0 * o.grad->array() * t.value(o.in[0]).array();
}
static void square_bw_nan(Tape<double>& t, Node<double>& o) {
    t.grad(o.in[0]).array() += std::nan("");
}
static V custom_square(V x, void (*bw)(Tape<double>&, Node<double>&)) {
    Node<double>& o = x.tape->push("custom_square", x.id);
    o.own_value = x.value().array().square().matrix();
    o.backward = bw;
    return {x.tape, x.tape->n - 1};
}

TEST_CASE("gradcheck rejects a deliberately wrong backward") {
    Rng rng(3);
    const std::vector<MatD> in = {uni(rng, 3, 4, 0.2, 1.5)};
    const GradcheckReport wrong = gradcheck([](const std::vector<V>& v) { return custom_square(v[0], square_bw_wrong); }, in);
    CHECK_FALSE(wrong.ok);
    CHECK(wrong.message.find("analytic") != std::string::npos);
    CHECK(wrong.max_abs_err > 1e-2);
    MESSAGE("wrong square backward reported: " << wrong.message);

    // The same op with the right derivative passes: the failure above is the derivative's, not the harness's.
    const GradcheckReport right = gradcheck([](const std::vector<V>& v) { return custom_square(v[0], square_bw_right); }, in);
    CHECK(right.ok);

    // A backward that produces NaN fails (NaN compares false with every tolerance).
    const GradcheckReport nan = gradcheck([](const std::vector<V>& v) { return custom_square(v[0], square_bw_nan); }, in);
    CHECK_FALSE(nan.ok);

    // A forgotten backward (no rule: zero gradient) fails.
    const GradcheckReport none = gradcheck([](const std::vector<V>& v) { return custom_square(v[0], nullptr); }, in);
    CHECK_FALSE(none.ok);

    // An error in only the second input is found too.
    const std::vector<MatD> two = {uni(rng, 2, 3), uni(rng, 2, 3, 0.2, 1.5)};
    const GradcheckReport second =
        gradcheck([](const std::vector<V>& v) { return add(v[0], custom_square(v[1], square_bw_wrong)); }, two);
    CHECK_FALSE(second.ok);
    CHECK(second.message.find("input 1") != std::string::npos);
}

// ---------------------------------------------------------------------------------- composite graphs
TEST_CASE("composite graphs: small MLPs built from ops, in double") {
    Rng rng(17);
    // x (6,3) -> relu(x·W1ᵀ + b1) (6,5) -> ·W2ᵀ + b2 (6,2); MSE against a fixed target. Every tensor,
    // including x, is a trainable leaf. Pre-activations of these seeds stay far from relu's kink.
    const MatD target = uni(rng, 6, 2);
    const std::vector<MatD> in = {uni(rng, 6, 3), uni(rng, 5, 3), uni(rng, 1, 5), uni(rng, 2, 5), uni(rng, 1, 2)};
    auto mlp = [&](const std::vector<V>& v, bool use_relu) {
        V h = linear(v[0], v[1], v[2]);
        h = use_relu ? relu(h) : tanh(h);
        return mse(linear(h, v[3], v[4]), v[0].tape->constant(target));
    };
    const GradcheckReport r1 = gradcheck([&](const std::vector<V>& v) { return mlp(v, true); }, in);
    INFO("relu MLP: " << r1.message);
    CHECK(r1.ok);
    const GradcheckReport r2 = gradcheck([&](const std::vector<V>& v) { return mlp(v, false); }, in);
    INFO("tanh MLP: " << r2.message);
    CHECK(r2.ok);

    // A Gaussian-policy-style head: mean and log-std from one linear layer, a negative log-likelihood with
    // broadcasting, slicing, exp, square, and a log_softmax mixture weight; fan-out of h to three users.
    const MatD act = uni(rng, 6, 2);
    const std::vector<MatD> in2 = {uni(rng, 6, 3), uni(rng, 6, 3), uni(rng, 1, 6), uni(rng, 1, 2)};
    const GradcheckReport r3 = gradcheck(
        [&](const std::vector<V>& v) {
            V h = tanh(linear(v[0], v[1], v[2]));  // (6,6)
            V mu = slice_cols(h, 0, 2), log_std = slice_cols(h, 2, 2), logits = slice_cols(h, 4, 2);
            V a = v[0].tape->constant(act);
            V z = mul(sub(a, mu), exp(scale(log_std, -1.0)));  // (a − mu) / std
            V nll = add(scale(square(z), 0.5), log_std);       // per-dimension Gaussian NLL (no constant)
            V w = log_softmax(add(logits, v[3]));              // (6,2), bias broadcast by row
            V per_row = logsumexp(sub(w, nll));                // (6,1) mixture log-likelihood
            return scale(mean(add_scalar(per_row, 0.25)), -1.0);
        },
        in2);
    INFO("Gaussian head: " << r3.message);
    CHECK(r3.ok);
}
