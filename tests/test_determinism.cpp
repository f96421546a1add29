// Determinism and the training plumbing around it: a 50-step run gives identical bytes on 1 and 2 threads;
// Adam's finite-step guard, gradient clipping, explicit zero_grad, MLP::infer against the taped forward,
// Linear's initialisation and parameter names, masked MSE, and shape errors that name both shapes.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "autograd/autograd.hpp"
#include "engine/engine.hpp"
#include "helpers.hpp"

using namespace imitate;

static Mat random_mat(Rng& rng, Eigen::Index r, Eigen::Index c, double lo = -1, double hi = 1) {
    Mat m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<float>(rng.uniform(lo, hi));
    return m;
}

// ------------------------------------------------------------------------------------ 1 vs 2 threads
struct RunResult {
    std::vector<Mat> weights;
    std::vector<float> losses;
};

// MLP 3→256→256→1 ReLU, a fresh batch of 256 per step, MSE + Adam, 50 steps, everything seeded.
static RunResult train_run(int threads) {
    set_threads(threads);
    Rng init(42), data(derive_seed(42, 1));
    MLP net({3, 256, 256, 1}, Activation::ReLU, init);
    Adam opt(net.parameters(), {.lr = 1e-3f});
    Tape<float> tape;
    RunResult r;
    Mat x(256, 3), y(256, 1);
    for (int step = 0; step < 50; ++step) {
        x = random_mat(data, 256, 3);
        for (int b = 0; b < 256; ++b) y(b, 0) = std::sin(2 * x(b, 0)) + x(b, 1) * x(b, 2);
        tape.reset();
        Var<float> loss = mse(net.forward(tape.input(x)), tape.input(y));
        r.losses.push_back(loss.value()(0, 0));
        tape.backward(loss);
        opt.guarded_step(loss.value()(0, 0));
        opt.zero_grad();
    }
    for (Param* p : net.parameters()) r.weights.push_back(p->value);
    return r;
}

TEST_CASE("50 training steps on 1 and on 2 threads give bit-identical weights") {
    if (!have_openmp()) MESSAGE("built without OpenMP: both runs use one thread");
    const int saved = get_threads();
    const RunResult one = train_run(1), two = train_run(2);
    set_threads(saved);
    REQUIRE(one.weights.size() == 6);
    REQUIRE(two.weights.size() == 6);
    for (size_t i = 0; i < one.weights.size(); ++i) {
        CAPTURE(i);
        CHECK(same_bytes(one.weights[i], two.weights[i]));
    }
    CHECK(std::memcmp(one.losses.data(), two.losses.data(), sizeof(float) * one.losses.size()) == 0);
    // And it trained: the loss fell.
    CHECK(one.losses.back() < 0.5f * one.losses.front());
}

// ------------------------------------------------------------------------------------------- guard
struct Toy {
    Rng rng{1};
    MLP net{{2, 4, 1}, Activation::Tanh, rng};
    std::vector<Param*> ps = net.parameters();
    std::vector<Mat> snapshot() const {
        std::vector<Mat> s;
        for (const Param* p : ps) s.push_back(p->value);
        return s;
    }
    bool unchanged(const std::vector<Mat>& s) const {
        for (size_t i = 0; i < ps.size(); ++i)
            if (!same_bytes(ps[i]->value, s[i])) return false;
        return true;
    }
    void set_grads(float v) {
        for (Param* p : ps) p->grad.setConstant(v);
    }
};

TEST_CASE("Adam::guarded_step refuses a NaN loss or an inf gradient and leaves the weights untouched") {
    Toy t;
    AdamConfig cfg;
    cfg.max_refusals = 3;
    Adam opt(t.ps, cfg);
    const std::vector<Mat> before = t.snapshot();

    // 1. NaN loss, finite gradients: refused.
    t.set_grads(0.5f);
    CHECK_FALSE(opt.guarded_step(std::numeric_limits<float>::quiet_NaN()));
    CHECK(t.unchanged(before));
    CHECK(opt.t == 0);
    CHECK(opt.refused == 1);
    CHECK(opt.refused_in_a_row == 1);
    for (size_t i = 0; i < t.ps.size(); ++i) {
        CHECK(opt.m[i].isZero(0));
        CHECK(opt.v[i].isZero(0));
    }

    // 2. finite loss, one infinite gradient element: refused.
    t.ps[2]->grad(0, 1) = std::numeric_limits<float>::infinity();
    CHECK_FALSE(opt.guarded_step(0.25f));
    CHECK(t.unchanged(before));
    CHECK(opt.refused == 2);
    CHECK(opt.refused_in_a_row == 2);

    // 3. a finite step is taken and resets the run of refusals.
    t.set_grads(0.5f);
    CHECK(opt.guarded_step(0.25f));
    CHECK_FALSE(t.unchanged(before));
    CHECK(opt.t == 1);
    CHECK(opt.refused == 2);
    CHECK(opt.refused_in_a_row == 0);

    // 4. max_refusals (3) refusals in a row: the first two return false, the third throws.
    const std::vector<Mat> after_step = t.snapshot();
    t.set_grads(-std::numeric_limits<float>::infinity());
    CHECK_FALSE(opt.guarded_step(1.0f));
    CHECK_FALSE(opt.guarded_step(std::numeric_limits<float>::infinity()));
    bool threw = false;
    try {
        opt.guarded_step(1.0f);
    } catch (const std::runtime_error& e) {
        threw = true;
        const std::string msg = e.what();
        INFO("message: " << msg);
        CHECK(msg.find("training diverged") != std::string::npos);
        CHECK(msg.find('3') != std::string::npos);
    }
    CHECK(threw);
    CHECK(t.unchanged(after_step));
    CHECK(opt.refused == 5);
    CHECK(opt.t == 1);
}

// ---------------------------------------------------------------------------------------- clipping
TEST_CASE("clip_grad_norm: global L2 norm, scaled by max_norm / (norm + 1e-6) when above") {
    Param a("a", 1, 2), b("b", 2, 1);
    a.grad << 3, 4;
    b.grad << 12, 0;  // norm sqrt(9 + 16 + 144) = 13
    std::vector<Param*> ps = {&a, &b};

    CHECK(clip_grad_norm(ps, 100.0f) == doctest::Approx(13.0).epsilon(1e-7));
    CHECK(a.grad(0, 0) == 3.0f);  // below the bound: untouched, exactly
    CHECK(b.grad(0, 0) == 12.0f);

    const float norm = clip_grad_norm(ps, 6.5f);
    CHECK(norm == doctest::Approx(13.0).epsilon(1e-7));
    const double coef = 6.5 / (13.0 + 1e-6);
    CHECK(a.grad(0, 0) == doctest::Approx(3 * coef).epsilon(1e-6));
    CHECK(a.grad(0, 1) == doctest::Approx(4 * coef).epsilon(1e-6));
    CHECK(b.grad(0, 0) == doctest::Approx(12 * coef).epsilon(1e-6));
    CHECK(b.grad(1, 0) == 0.0f);
    const double after = std::sqrt(double(a.grad.squaredNorm()) + double(b.grad.squaredNorm()));
    CHECK(after == doctest::Approx(6.5).epsilon(1e-6));
    CHECK(clip_grad_norm(ps, 6.5f) == doctest::Approx(6.5).epsilon(1e-6));  // returns the pre-clip norm

    // Many elements: the norm is computed without float overflow or loss (1e5 elements of 1e-3 and 3e3).
    Param big("big", 1000, 100);
    big.grad.setConstant(1e-3f);
    big.grad(0, 0) = 3e3f;
    std::vector<Param*> pb = {&big};
    const double want = std::sqrt(9e6 + (1e5 - 1) * 1e-6);
    CHECK(clip_grad_norm(pb, 1e9f) == doctest::Approx(want).epsilon(1e-6));
}

// ---------------------------------------------------------------------------------------- zero_grad
TEST_CASE("gradients accumulate until an explicit zero_grad") {
    Toy t;
    Adam opt(t.ps, {});
    Rng rng(4);
    const Mat x = random_mat(rng, 8, 2), y = random_mat(rng, 8, 1);
    Tape<float> tape;
    auto pass = [&] {
        tape.reset();
        Var<float> loss = mse(t.net.forward(tape.input(x)), tape.input(y));
        tape.backward(loss);
        return loss;
    };
    pass();
    std::vector<Mat> g1;
    for (Param* p : t.ps) g1.push_back(p->grad);
    CHECK(g1[0].squaredNorm() > 0);

    pass();  // a second forward + backward: gradients add (g + g = 2g exactly in floating point)
    for (size_t i = 0; i < t.ps.size(); ++i) {
        INFO(t.ps[i]->name << ": " << (t.ps[i]->grad - 2 * g1[i]).cwiseAbs().maxCoeff());
        CHECK(same_bytes(t.ps[i]->grad, Mat(2 * g1[i])));
    }

    opt.zero_grad();
    for (Param* p : t.ps) CHECK(p->grad.isZero(0));

    // Backward twice on the same recorded graph accumulates too (intermediate gradients are re-zeroed).
    Var<float> loss = pass();
    tape.backward(loss);
    for (size_t i = 0; i < t.ps.size(); ++i) {
        INFO(t.ps[i]->name << ": " << (t.ps[i]->grad - 2 * g1[i]).cwiseAbs().maxCoeff());
        CHECK(same_bytes(t.ps[i]->grad, Mat(2 * g1[i])));
    }

    opt.zero_grad();
    pass();
    for (size_t i = 0; i < t.ps.size(); ++i) CHECK(same_bytes(t.ps[i]->grad, g1[i]));
}

TEST_CASE("gradient accumulation at training size: biases exactly 2x, weights 2x to rounding") {
    // MLP 3→256→256→1, batch 256. Bias gradients are a batch sum added once: exactly 2x. Weight gradients
    // come from Eigen's GEMM/GEMV `dW += doutᵀ·x`, which adds partial products into dW block by block
    // when the batch is deep, so two passes equal 2x one only to rounding (a few ulp), not bit for bit.
    Rng rng(8);
    MLP net({3, 256, 256, 1}, Activation::ReLU, rng);
    const Mat x = random_mat(rng, 256, 3), y = random_mat(rng, 256, 1);
    Tape<float> tape;
    auto pass = [&] {
        tape.reset();
        tape.backward(mse(net.forward(tape.input(x)), tape.input(y)));
    };
    pass();
    std::vector<Mat> g1;
    for (Param* p : net.parameters()) g1.push_back(p->grad);
    pass();
    size_t i = 0;
    for (Param* p : net.parameters()) {
        const Mat want = 2 * g1[i++];
        INFO(p->name << ": max |g − 2·g1| = " << (p->grad - want).cwiseAbs().maxCoeff());
        if (p->name.find("bias") != std::string::npos) CHECK(same_bytes(p->grad, want));
        else CHECK((p->grad - want).cwiseAbs().maxCoeff() <= 1e-6f * want.cwiseAbs().maxCoeff());
    }
}

// ------------------------------------------------------------------------------------ infer == forward
TEST_CASE("MLP::infer equals MLP::forward on the tape") {
    for (Activation act : {Activation::ReLU, Activation::Tanh}) {
        Rng rng(9);
        MLP net({3, 64, 32, 2}, act, rng);
        MLPScratch scratch;
        for (int B : {1, 7, 64, 256}) {
            CAPTURE(B);
            const Mat x = random_mat(rng, B, 3, -2, 2);
            Tape<float> tape;
            const Mat taped = net.forward(tape.input(x)).value();
            Mat out;
            net.infer(x, out, scratch);
            CHECK(same_bytes(out, taped));
        }
    }
}

// --------------------------------------------------------------------------------- init and names
TEST_CASE("Linear: PyTorch's U(-1/sqrt(in), 1/sqrt(in)) init, shapes and names") {
    Rng rng(5);
    Linear l(50, 40, rng, "fc.");
    CHECK(l.W.name == "fc.weight");
    CHECK(l.b.name == "fc.bias");
    CHECK(l.W.value.rows() == 40);
    CHECK(l.W.value.cols() == 50);
    CHECK(l.b.value.rows() == 1);
    CHECK(l.b.value.cols() == 40);
    const float k = 1.0f / std::sqrt(50.0f);
    CHECK(l.W.value.maxCoeff() <= k);
    CHECK(l.W.value.minCoeff() >= -k);
    CHECK(l.b.value.cwiseAbs().maxCoeff() <= k);
    // spread over the whole interval (2000 draws), mean near 0
    CHECK(l.W.value.maxCoeff() > 0.95f * k);
    CHECK(l.W.value.minCoeff() < -0.95f * k);
    CHECK(std::abs(l.W.value.mean()) < 0.05f * k);
    CHECK(l.W.grad.isZero(0));

    Rng r2(5);
    MLP net({3, 8, 8, 2}, Activation::ReLU, r2);
    const std::vector<Param*> ps = net.parameters();
    const std::vector<std::string> names = {"net.0.weight", "net.0.bias", "net.2.weight",
                                            "net.2.bias",   "net.4.weight", "net.4.bias"};
    const std::vector<std::pair<int, int>> shapes = {{8, 3}, {1, 8}, {8, 8}, {1, 8}, {2, 8}, {1, 2}};
    REQUIRE(ps.size() == names.size());
    for (size_t i = 0; i < ps.size(); ++i) {
        CHECK(ps[i]->name == names[i]);
        CHECK(ps[i]->value.rows() == shapes[i].first);
        CHECK(ps[i]->value.cols() == shapes[i].second);
    }
    CHECK(net.in_features() == 3);
    CHECK(net.out_features() == 2);
    CHECK(ps[2]->value.cwiseAbs().maxCoeff() <= 1.0f / std::sqrt(8.0f));  // fan-in of layer 2 is 8
    CHECK(ps[0]->value.cwiseAbs().maxCoeff() <= 1.0f / std::sqrt(3.0f));

    Rng r3(5);
    MLP prefixed({3, 4}, Activation::Tanh, r3, "pi.");
    CHECK(prefixed.parameters()[0]->name == "pi.0.weight");

    Rng r4(0);
    CHECK_THROWS_AS(MLP({3}, Activation::ReLU, r4), std::invalid_argument);
    CHECK_THROWS_AS(MLP({3, 0, 2}, Activation::ReLU, r4), std::invalid_argument);
    CHECK(parse_activation("relu") == Activation::ReLU);
    CHECK(parse_activation("tanh") == Activation::Tanh);
    CHECK_THROWS_WITH_AS(parse_activation("gelu"), doctest::Contains("gelu"), std::invalid_argument);
}

// ------------------------------------------------------------------------------------- masked MSE
TEST_CASE("masked MSE ignores masked-out elements: no loss, no gradient") {
    Tape<float> tape;
    Param pred("pred", 2, 3);
    pred.value << 1, 2, 3, 4, 5, 6;
    Mat target(2, 3), mask(2, 3);
    target << 0, 0, 0, 0, 0, 0;
    mask << 1, 0, 1, 0, 0, 1;
    Var<float> loss = mse(tape.param(pred), tape.input(target), tape.input(mask));
    CHECK(loss.value()(0, 0) == doctest::Approx((1 + 9 + 36) / 3.0));  // Σ m(p−t)² / Σ m
    tape.backward(loss);
    // d/dp = 2 m (p − t) / Σm
    CHECK(pred.grad(0, 0) == doctest::Approx(2.0 / 3.0));
    CHECK(pred.grad(0, 2) == doctest::Approx(6.0 / 3.0));
    CHECK(pred.grad(1, 2) == doctest::Approx(12.0 / 3.0));
    CHECK(pred.grad(0, 1) == 0.0f);
    CHECK(pred.grad(1, 0) == 0.0f);
    CHECK(pred.grad(1, 1) == 0.0f);

    // Changing the masked-out predictions (even to huge values) changes nothing.
    pred.value(0, 1) = 1e6f, pred.value(1, 0) = -7, pred.value(1, 1) = 123;
    pred.zero_grad();
    tape.reset();
    Var<float> loss2 = mse(tape.param(pred), tape.input(target), tape.input(mask));
    CHECK(loss2.value()(0, 0) == loss.value()(0, 0));

    // An all-zero mask: loss 0 and zero gradient.
    const Mat none = Mat::Zero(2, 3);
    pred.zero_grad();
    tape.reset();
    Var<float> loss3 = mse(tape.param(pred), tape.input(target), tape.input(none));
    CHECK(loss3.value()(0, 0) == 0.0f);
    tape.backward(loss3);
    CHECK(pred.grad.isZero(0));

    // A mask that needs a gradient is refused.
    Param m("m", 2, 3);
    tape.reset();
    CHECK_THROWS_AS(mse(tape.param(pred), tape.input(target), tape.param(m)), std::invalid_argument);
}

// --------------------------------------------------------------------------------------- shapes

TEST_CASE("bad shapes throw std::invalid_argument naming both shapes") {
    Tape<float> t;
    const Mat a43 = Mat::Ones(4, 3), a42 = Mat::Ones(4, 2), a23 = Mat::Ones(2, 3), a85 = Mat::Ones(8, 5),
              b18 = Mat::Ones(1, 8), a53 = Mat::Ones(5, 3);
    auto in = [&](const Mat& m) { return t.input(m); };
    CHECK_NAMES(message_of([&] { mse(in(a43), in(a42)); }), "(4,3)", "(4,2)");
    CHECK_NAMES(message_of([&] { mse(in(a43), in(a43), in(a42)); }), "(4,3)", "(4,2)");
    CHECK_NAMES(message_of([&] { add(in(a43), in(a23)); }), "(4,3)", "(2,3)");
    CHECK_NAMES(message_of([&] { sub(in(a43), in(a42)); }), "(4,3)", "(4,2)");
    CHECK_NAMES(message_of([&] { mul(in(a43), in(a53)); }), "(4,3)", "(5,3)");
    CHECK_NAMES(message_of([&] { linear(in(a43), in(a85), in(b18)); }), "(4,3)", "(8,5)");
    CHECK_NAMES(message_of([&] { concat_cols(in(a43), in(a53)); }), "(4,3)", "(5,3)");
    CHECK_NAMES(message_of([&] { reshape(in(a43), 5, 2); }), "(4,3)", "(5,2)");
    CHECK_NAMES(message_of([&] { slice_cols(in(a43), 2, 2); }), "(4,3)", "[2,4)");
    t.reset();
    Param p("p", 4, 3);
    Var<float> y = mul(t.param(p), in(a43));
    CHECK_NAMES(message_of([&] { t.backward(y); }), "(4,3)", "(1,1)");
}

// ------------------------------------------------------------------------------------------- data parallel
// The minibatch in parts on their own tapes (autograd/data_parallel.hpp) gives the whole minibatch's loss
// and gradient up to rounding, the same bytes on 1 and 2 threads, and refuses a parameter it was not given.
namespace {
struct PartsRun {
    float loss = 0;
    std::vector<Mat> grads;
};
PartsRun parts_run(int B, int threads, bool parted) {
    set_threads(threads);
    Rng rng(7);
    MLP net({3, 64, 64, 2}, Activation::ReLU, rng);
    Mat x(B, 3), y(B, 2);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.normal());
    for (Eigen::Index i = 0; i < y.size(); ++i) y.data()[i] = static_cast<float>(rng.normal());
    PartsRun r;
    const int P = batch_parts(B);
    if (parted) {
        DataParallelStep step(net.parameters(), P);
        std::vector<Mat> xs, ys;
        for (int p = 0; p < P; ++p) {
            const Eigen::Index r0 = part_begin(B, P, p), n = part_begin(B, P, p + 1) - r0;
            xs.push_back(x.middleRows(r0, n)), ys.push_back(y.middleRows(r0, n));
        }
        r.loss = step.run([&](Tape<float>& t, int p) {
            return scale(mse(net.forward(t.input(xs[p])), t.input(ys[p])), float(xs[p].rows()) / float(B));
        });
    } else {
        Tape<float> t;
        Var<float> l = mse(net.forward(t.input(x)), t.input(y));
        t.backward(l);
        r.loss = l.value()(0, 0);
    }
    for (Param* p : net.parameters()) r.grads.push_back(p->grad);
    return r;
}
}  // namespace

TEST_CASE("data-parallel step: parts fixed by the batch, whole-batch loss and gradient, same bytes on 1 and 2 threads") {
    CHECK(batch_parts(1) == 1);
    CHECK(batch_parts(255) == 1);
    CHECK(batch_parts(256) == 2);
    CHECK(batch_parts(300) == 2);
    CHECK(batch_parts(1024) == 8);
    CHECK(batch_parts(100000) == 8);
    CHECK(part_begin(300, 2, 0) == 0);
    CHECK(part_begin(300, 2, 1) == 150);
    CHECK(part_begin(300, 2, 2) == 300);
    const int saved = get_threads();
    for (int B : {256, 300, 1024}) {
        CAPTURE(B);
        const PartsRun whole = parts_run(B, 1, false), one = parts_run(B, 1, true), two = parts_run(B, 2, true);
        CHECK(one.loss == doctest::Approx(whole.loss).epsilon(1e-5));
        REQUIRE(one.grads.size() == whole.grads.size());
        for (size_t i = 0; i < whole.grads.size(); ++i) {
            CAPTURE(i);
            const float scale_i = whole.grads[i].cwiseAbs().maxCoeff();
            CHECK((one.grads[i] - whole.grads[i]).cwiseAbs().maxCoeff() <= 1e-5f * scale_i + 1e-7f);
            CHECK(same_bytes(one.grads[i], two.grads[i]));
        }
        CHECK(std::memcmp(&one.loss, &two.loss, sizeof(float)) == 0);
    }
    set_threads(saved);

    Rng rng(1);
    MLP a({2, 4, 1}, Activation::ReLU, rng), b({2, 4, 1}, Activation::ReLU, rng);
    DataParallelStep step(a.parameters(), 2);
    Mat x = Mat::Ones(4, 2);
    CHECK_THROWS_WITH_AS(step.run([&](Tape<float>& t, int) { return sum(b.forward(t.input(x))); }),
                         doctest::Contains("not in the list"), std::invalid_argument);
    CHECK_THROWS_AS(DataParallelStep(a.parameters(), 0), std::invalid_argument);
}

// The update inside the parts' region (DataParallelStep::run with the optimiser) is update_step's arithmetic
// byte for byte, on 1 and 2 threads: plain, clipped, and refused (a NaN target makes every gradient NaN).
TEST_CASE("data-parallel step with the optimiser: update_step's bytes on 1 and 2 threads, clipped and refused") {
    const int saved = get_threads();
    for (float clip : {0.0f, 0.05f}) {
        for (bool poison : {false, true}) {
            CAPTURE(clip);
            CAPTURE(poison);
            auto train = [&](int threads, bool fused) {
                set_threads(threads);
                Rng rng(11);
                MLP net({3, 96, 96, 2}, Activation::ReLU, rng);  // 9.9k weights: several blocks, cut unevenly
                Adam opt(net.parameters(), {.lr = 1e-2f});
                const int B = 300, P = batch_parts(B);
                Mat x(B, 3), y(B, 2);
                for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.normal());
                for (Eigen::Index i = 0; i < y.size(); ++i) y.data()[i] = static_cast<float>(rng.normal());
                DataParallelStep step(net.parameters(), P);
                std::vector<Mat> xs, ys;
                for (int p = 0; p < P; ++p) {
                    const Eigen::Index r0 = part_begin(B, P, p), n = part_begin(B, P, p + 1) - r0;
                    xs.push_back(x.middleRows(r0, n)), ys.push_back(y.middleRows(r0, n));
                }
                for (int s = 0; s < 4; ++s) {
                    if (poison && s == 2) ys[1](0, 0) = std::numeric_limits<float>::quiet_NaN();
                    if (poison && s == 3) ys[1](0, 0) = 0.0f;
                    auto part = [&](Tape<float>& t, int p) {
                        return scale(mse(net.forward(t.input(xs[p])), t.input(ys[p])), float(xs[p].rows()) / float(B));
                    };
                    if (fused) step.run(part, &opt, clip);
                    else update_step(opt, clip, step.run(part));
                }
                std::vector<Mat> out;
                for (Param* p : net.parameters()) out.push_back(p->value), out.push_back(p->grad);
                for (size_t i = 0; i < opt.m.size(); ++i) out.push_back(opt.m[i]), out.push_back(opt.v[i]);
                return std::make_tuple(out, opt.t, opt.refused);
            };
            const auto serial = train(1, false), one = train(1, true), two = train(2, true);
            CHECK(std::get<1>(one) == (poison ? 3 : 4));
            CHECK(std::get<2>(one) == (poison ? 1 : 0));
            for (const auto* r : {&one, &two}) {
                CHECK(std::get<1>(*r) == std::get<1>(serial));
                CHECK(std::get<2>(*r) == std::get<2>(serial));
                const auto& a = std::get<0>(serial);
                const auto& b = std::get<0>(*r);
                REQUIRE(a.size() == b.size());
                for (size_t i = 0; i < a.size(); ++i) {
                    CAPTURE(i);
                    CHECK(same_bytes(a[i], b[i]));
                }
            }
        }
    }
    set_threads(saved);
    Rng rng(2);
    MLP a({2, 4, 1}, Activation::ReLU, rng), b({2, 4, 1}, Activation::ReLU, rng);
    Adam other(b.parameters());
    DataParallelStep step(a.parameters(), 2);
    Mat x = Mat::Ones(4, 2);
    CHECK_THROWS_WITH_AS(step.run([&](Tape<float>& t, int) { return sum(a.forward(t.input(x))); }, &other),
                         doctest::Contains("optimiser"), std::invalid_argument);
}
