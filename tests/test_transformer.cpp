// The transformer pieces: attention and batched-product kernels against their naive references, 1 thread
// against 2 byte for byte, the fused attention op against its composition from primitives (values and
// gradients), shape errors, and the golden test against PyTorch 1.13: a small encoder-decoder's forward,
// gradients and 10 Adam steps (tests/fixtures/transformer_golden.json, written by
// scripts/make_transformer_fixture.py with PyTorch in float64; imitate runs in float32).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "autograd/autograd.hpp"
#include "autograd/transformer.hpp"
#include "engine/engine.hpp"
#include "golden_json.hpp"  // golden_close, to_mat, check_tensor
#include "helpers.hpp"  // error_of

using namespace imitate;
using json = nlohmann::json;
using namespace golden;

template <class T>
static MatT<T> randn(Rng& rng, Eigen::Index r, Eigen::Index c) {
    MatT<T> m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<T>(rng.normal());
    return m;
}
static bool same_bytes(const Mat& a, const Mat& b) {
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<size_t>(a.size())) == 0;
}
static double max_abs_diff(const Mat& a, const Mat& b) { return (a - b).cwiseAbs().maxCoeff(); }

// ------------------------------------------------------------------------------------------- kernels
TEST_CASE("attention and bmm kernels agree with their naive references") {
    Rng rng(5);
    for (bool causal : {false, true}) {
        // n = 6 slices (B = 3, h = 2), Tq = Tk = 7 (causal needs no more), D = 8, E = 5
        const Eigen::Index n = 6, Tq = 7, Tk = causal ? 7 : 9, D = 8, E = 5;
        const Mat q = randn<float>(rng, n * Tq, D), k = randn<float>(rng, n * Tk, D), v = randn<float>(rng, n * Tk, E);
        const Mat dout = randn<float>(rng, n * Tq, E);
        Mat out, ref, P, rP;
        attention_forward(out, P, q, k, v, n, causal);
        attention_forward_naive(ref, rP, q, k, v, n, causal);
        CHECK(max_abs_diff(out, ref) < 1e-5);
        CHECK(max_abs_diff(P, rP) < 1e-6);
        CHECK(P.rowwise().sum().isOnes(1e-5));
        if (causal) CHECK(P(1, 2) == 0.0f);  // query 1 never sees key 2
        Mat dq = Mat::Zero(q.rows(), D), dk = Mat::Zero(k.rows(), D), dv = Mat::Zero(v.rows(), E);
        Mat rq = dq, rk = dk, rv = dv;
        attention_backward(dout, P, q, k, v, n, &dq, &dk, &dv);
        attention_backward_naive(dout, rP, q, k, v, n, &rq, &rk, &rv);
        CHECK(max_abs_diff(dq, rq) < 1e-5);
        CHECK(max_abs_diff(dk, rk) < 1e-5);
        CHECK(max_abs_diff(dv, rv) < 1e-5);
        CHECK(dq.norm() > 0.1);
    }
    {
        // a causal query sees nothing of the future: changing the last key and value leaves every other row alone
        const Eigen::Index n = 2, Tn = 4, D = 3;
        Mat q = randn<float>(rng, n * Tn, D), k = randn<float>(rng, n * Tn, D), v = randn<float>(rng, n * Tn, D);
        Mat a, b, P;
        attention_forward(a, P, q, k, v, n, true);
        k.row(Tn - 1).array() += 3.0f, v.row(Tn - 1).array() -= 2.0f;
        attention_forward(b, P, q, k, v, n, true);
        CHECK(same_bytes(a.topRows(Tn - 1), b.topRows(Tn - 1)));
        CHECK_FALSE(same_bytes(a.row(Tn - 1), b.row(Tn - 1)));
    }
    for (bool trans_b : {false, true}) {
        const Eigen::Index n = 3, M = 4, K = 6, P = 5;
        const Mat a = randn<float>(rng, n * M, K), b = trans_b ? randn<float>(rng, n * P, K) : randn<float>(rng, n * K, P);
        const Mat dout = randn<float>(rng, n * M, P);
        Mat out, ref;
        bmm_forward(out, a, b, n, trans_b);
        bmm_forward_naive(ref, a, b, n, trans_b);
        CHECK(max_abs_diff(out, ref) < 1e-5);
        Mat da = Mat::Zero(a.rows(), a.cols()), db = Mat::Zero(b.rows(), b.cols()), ra = da, rb = db;
        bmm_backward(dout, a, b, n, trans_b, &da, &db);
        bmm_backward_naive(dout, a, b, n, trans_b, &ra, &rb);
        CHECK(max_abs_diff(da, ra) < 1e-5);
        CHECK(max_abs_diff(db, rb) < 1e-5);
    }
}

TEST_CASE("attention kernels and a transformer layer give the same bytes on 1 and 2 threads") {
    // Shapes large enough that the kernels split their slices over threads.
    Rng rng(9);
    const Eigen::Index n = 16, Tn = 48, D = 32;
    const Mat q = randn<float>(rng, n * Tn, D), k = randn<float>(rng, n * Tn, D), v = randn<float>(rng, n * Tn, D);
    const Mat dout = randn<float>(rng, n * Tn, D);
    auto run = [&](int threads, bool causal) {
        set_threads(threads);
        std::vector<Mat> r(5);
        attention_forward(r[0], r[4], q, k, v, n, causal);
        r[1] = Mat::Zero(q.rows(), D), r[2] = Mat::Zero(k.rows(), D), r[3] = Mat::Zero(v.rows(), D);
        attention_backward(dout, r[4], q, k, v, n, &r[1], &r[2], &r[3]);
        return r;
    };
    for (bool causal : {false, true}) {
        const std::vector<Mat> one = run(1, causal), two = run(2, causal);
        for (size_t i = 0; i < one.size(); ++i) CHECK(same_bytes(one[i], two[i]));
    }

    // A whole encoder layer, forward and backward: every parameter's gradient is bit-identical.
    auto layer_grads = [&](int threads) {
        set_threads(threads);
        Rng init(3);
        EncoderLayer layer({64, 4, 128, FeedForwardAct::GELU}, init, "");
        const Mat x = randn<float>(init, 8 * 32, 64), c = randn<float>(init, 8 * 32, 64);
        Tape<float> t;
        Var<float> y = layer(t.input(x), 8, true);
        t.backward(sum(mul(y, t.input(c))));
        std::vector<Mat> g{y.value()};
        for (Param* p : layer.parameters()) g.push_back(p->grad);
        return g;
    };
    const std::vector<Mat> one = layer_grads(1), two = layer_grads(2);
    for (size_t i = 0; i < one.size(); ++i) CHECK(same_bytes(one[i], two[i]));
    set_threads(1);
}

// ----------------------------------------------------------------------------- fused vs composition
TEST_CASE("the fused attention op equals its composition from primitives, values and gradients") {
    Rng rng(11);
    for (bool causal : {false, true}) {
        const Eigen::Index n = 4, Tq = 5, Tk = causal ? 5 : 6, D = 6, E = 3;
        ParamT<double> q("q", n * Tq, D), k("k", n * Tk, D), v("v", n * Tk, E);
        q.value = randn<double>(rng, n * Tq, D), k.value = randn<double>(rng, n * Tk, D), v.value = randn<double>(rng, n * Tk, E);
        const MatD c = randn<double>(rng, n * Tq, E);
        auto grads = [&](bool fused) {
            for (auto* p : {&q, &k, &v}) p->zero_grad();
            Tape<double> t;
            Var<double> o = fused ? attention(t.param(q), t.param(k), t.param(v), n, causal)
                                  : attention_composed(t.param(q), t.param(k), t.param(v), n, causal);
            t.backward(sum(mul(o, t.constant(c))));
            return std::vector<MatD>{o.value(), q.grad, k.grad, v.grad};
        };
        const std::vector<MatD> f = grads(true), r = grads(false);
        for (size_t i = 0; i < f.size(); ++i) {
            INFO("causal " << causal << ", tensor " << i << " (output, dq, dk, dv)");
            CHECK((f[i] - r[i]).cwiseAbs().maxCoeff() < 1e-12);
            CHECK(f[i].norm() > 1e-3);
        }
    }
}

// A pre-norm decoder-only block written with the ops in double (the modules are float): every input, the
// token activations included, passes the central-difference check through layer norm, the fused (3d)
// projection, head split/merge, causal attention, residuals and a GELU feed-forward.
TEST_CASE("a pre-norm attention block built from the ops passes gradcheck") {
    const Eigen::Index B = 2, Tn = 3, d = 4, h = 2, ff = 6;
    Rng rng(21);
    // x, ln1 w/b, in_proj W/b, out W/b, ln2 w/b, W1, b1, W2, b2
    const std::vector<MatD> in = {randn<double>(rng, B * Tn, d), randn<double>(rng, 1, d), randn<double>(rng, 1, d),
                                  randn<double>(rng, 3 * d, d),  randn<double>(rng, 1, 3 * d), randn<double>(rng, d, d),
                                  randn<double>(rng, 1, d),      randn<double>(rng, 1, d), randn<double>(rng, 1, d),
                                  randn<double>(rng, ff, d),     randn<double>(rng, 1, ff), randn<double>(rng, d, ff),
                                  randn<double>(rng, 1, d)};
    const GradcheckReport r = gradcheck(
        [&](const std::vector<Var<double>>& v) {
            Var<double> qkv = linear(layer_norm(v[0], v[1], v[2]), v[3], v[4]);
            Var<double> o = attention(split_heads(slice_cols(qkv, 0, d), B, h), split_heads(slice_cols(qkv, d, d), B, h),
                                      split_heads(slice_cols(qkv, 2 * d, d), B, h), B * h, true);
            Var<double> x = add(v[0], linear(merge_heads(o, B, h), v[5], v[6]));
            return add(x, linear(gelu(linear(layer_norm(x, v[7], v[8]), v[9], v[10])), v[11], v[12]));
        },
        in);
    INFO(r.message);
    CHECK(r.ok);
}

// ------------------------------------------------------------------------------------------- errors
TEST_CASE("shape errors name both shapes") {
    Tape<float> t;
    const Mat a = Mat::Zero(6, 4), b = Mat::Zero(5, 3), w = Mat::Ones(1, 3);
    std::string e = error_of([&] { bmm(t.input(a), t.input(b), 2); });
    CHECK(e.find("(6,4)") != std::string::npos);
    CHECK(e.find("(5,3)") != std::string::npos);
    e = error_of([&] { attention(t.input(a), t.input(b), t.input(b), 2, false); });
    CHECK(e.find("q (6,4)") != std::string::npos);
    CHECK(e.find("k (5,3)") != std::string::npos);
    e = error_of([&] { layer_norm(t.input(a), t.input(w), t.input(w)); });
    CHECK(e.find("(6,4)") != std::string::npos);
    CHECK(e.find("(1,3)") != std::string::npos);
    e = error_of([&] { embedding(t.input(b), {0, 5}); });
    CHECK(e == "embedding: index 5 at position 1 is outside the table (5,3)");
    e = error_of([&] { split_heads(t.input(b), 2, 1); });
    CHECK(e.find("(5,3)") != std::string::npos);
    Rng rng(1);
    CHECK(error_of([&] { MultiheadAttention(10, 3, rng, ""); }) ==
          "MultiheadAttention: d = 10 is not a positive multiple of heads = 3");
    MultiheadAttention mha(4, 2, rng, "");
    e = error_of([&] { mha(t.input(a), t.input(b), 2, false); });
    CHECK(e.find("x (6,4) and memory (5,3)") != std::string::npos);
}

// ------------------------------------------------------------------------------------ golden (PyTorch)
// The fixture's encoder-decoder, in imitate's modules with PyTorch's parameter names.
struct EncoderDecoder {
    int B, Ts, Tt, d;
    Embedding tok, pos;
    EncoderLayer enc;
    DecoderLayer dec;
    Linear head;
    EncoderDecoder(const json& s, Rng& rng)
        : B(s["B"]), Ts(s["Ts"]), Tt(s["Tt"]), d(s["d"]), tok(s["vocab"], d, rng, "tok."), pos(Tt, d, rng, "pos."),
          enc({d, s["heads"], s["ff"], FeedForwardAct::GELU}, rng, "enc."),
          dec({d, s["heads"], s["ff"], FeedForwardAct::ReLU}, rng, "dec."), head(d, s["out"], rng, "head.") {}
    // src (B·Ts, d), tgt (B·Tt) tokens -> (B·Tt, out)
    Var<float> operator()(Var<float> src, const std::vector<int>& tgt) {
        Tape<float>& t = *src.tape;
        Var<float> memory = enc(add(src, t.constant(sinusoidal_positions(B, Ts, d))), B);
        Var<float> y = add(tok(t, tgt), pos(t, positions(B, Tt)));
        return head(dec(y, memory, B));
    }
    std::vector<Param*> parameters() {
        std::vector<Param*> ps{&tok.weight, &pos.weight};
        for (Param* p : enc.parameters()) ps.push_back(p);
        for (Param* p : dec.parameters()) ps.push_back(p);
        ps.push_back(&head.W), ps.push_back(&head.b);
        return ps;
    }
};

TEST_CASE("a small encoder-decoder reproduces PyTorch 1.13: forward, gradients, 10 Adam steps") {
    const json g = read_fixture("transformer_golden.json");
    Rng rng(0);
    EncoderDecoder net(g["sizes"], rng);
    std::vector<Param*> params = net.parameters();
    load_initial(params, g);
    Param src("src", net.B * net.Ts, net.d);
    src.value = to_mat(g["src"]);
    const std::vector<int> tgt = g["tgt"].get<std::vector<int>>();
    const Mat target = to_mat(g["target"]);

    // 1. forward and gradients (of every parameter and of the source)
    Tape<float> t;
    Var<float> out = net(t.param(src), tgt);
    Var<float> loss = mse(out, t.input(target));
    check_tensor("output", out.value(), g["output"]);
    CHECK(golden_close(loss.value()(0, 0), g["loss"].get<double>()));
    t.backward(loss);
    for (Param* p : params) check_tensor("grad " + p->name, p->grad, g["grads"][p->name]);
    check_tensor("grad src", src.grad, g["src_grad"]);

    // 2. ten Adam steps
    AdamConfig cfg;
    cfg.lr = g["lr"].get<float>();
    cfg.beta1 = g["betas"][0].get<float>(), cfg.beta2 = g["betas"][1].get<float>(), cfg.eps = g["eps"].get<float>();
    Adam opt(params, cfg);
    const int steps = g["steps"].get<int>();
    REQUIRE(steps == 10);
    for (int s = 0; s < steps; ++s) {
        opt.zero_grad();
        t.reset();
        loss = mse(net(t.input(src.value), tgt), t.input(target));
        INFO("loss before step " << s << ": " << loss.value()(0, 0) << " vs golden " << g["losses"][s].get<double>());
        CHECK(golden_close(loss.value()(0, 0), g["losses"][s].get<double>()));
        t.backward(loss);
        opt.step();
    }
    check_final(params, g, net.d, cfg.lr, cfg.beta1, cfg.beta2);
    t.reset();
    loss = mse(net(t.input(src.value), tgt), t.input(target));
    INFO("final loss " << loss.value()(0, 0) << " vs golden " << g["final_loss"].get<double>());
    CHECK(golden_close(loss.value()(0, 0), g["final_loss"].get<double>()));
}
