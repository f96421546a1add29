// Golden test against PyTorch: tests/fixtures/golden/adam_mlp.json was computed by PyTorch 1.13 (see the
// README beside it). We replay the same run — MLP {3,8,8,2} ReLU with the fixture's initial weights, MSE,
// Adam(lr 0.01, betas (0.9, 0.999), eps 1e-8), 10 steps on one batch of 16 — and compare the loss before
// every step, the first step's gradients, the final weights and the final loss.
// Tolerance, stated once: |actual − expected| <= 1e-4 · max(|expected|, 1e-3) for every number.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "autograd/autograd.hpp"
#include "engine/engine.hpp"

using namespace imitate;
using json = nlohmann::json;

static const double kRel = 1e-4, kFloor = 1e-3;
static bool golden_close(double a, double e) { return std::abs(a - e) <= kRel * std::max(std::abs(e), kFloor); }

static json load_fixture() {
    const std::string path = std::string(IMITATE_SOURCE_DIR) + "/tests/fixtures/golden/adam_mlp.json";
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path);
    return json::parse(in);
}

// A (rows, cols) list of lists, or a flat list read as one row (PyTorch's bias (out) -> our (1,O)).
static Mat to_mat(const json& j) {
    if (j.is_array() && !j.empty() && j[0].is_array()) {
        Mat m(j.size(), j[0].size());
        for (size_t r = 0; r < j.size(); ++r) {
            REQUIRE(j[r].size() == static_cast<size_t>(m.cols()));
            for (size_t c = 0; c < j[r].size(); ++c) m(r, c) = j[r][c].get<float>();
        }
        return m;
    }
    Mat m(1, j.size());
    for (size_t c = 0; c < j.size(); ++c) m(0, c) = j[c].get<float>();
    return m;
}

// Compares a parameter-shaped tensor with the fixture's; counts and reports the worst element.
static void check_tensor(const std::string& what, const Mat& actual, const json& expected_json) {
    const Mat e = to_mat(expected_json);
    REQUIRE_MESSAGE(actual.rows() == e.rows(), what << ": shape " << shape_str(actual) << " vs golden " << shape_str(e));
    REQUIRE_MESSAGE(actual.cols() == e.cols(), what << ": shape " << shape_str(actual) << " vs golden " << shape_str(e));
    int bad = 0;
    double worst = 0;
    Eigen::Index worst_k = 0;
    for (Eigen::Index k = 0; k < e.size(); ++k) {
        const double a = actual.data()[k], x = e.data()[k];
        const double ratio = std::abs(a - x) / (kRel * std::max(std::abs(x), kFloor));
        if (!golden_close(a, x)) ++bad;
        if (!(ratio <= worst)) worst = ratio, worst_k = k;
    }
    INFO(what << ": " << bad << " of " << e.size() << " elements out of tolerance; worst element " << worst_k << " is "
              << actual.data()[worst_k] << " vs golden " << e.data()[worst_k] << " (" << worst << " x the tolerance)");
    CHECK(bad == 0);
}

TEST_CASE("MLP + MSE + Adam reproduces PyTorch 1.13 (tests/fixtures/golden/adam_mlp.json)") {
    const json g = load_fixture();
    REQUIRE(g.contains("description"));
    CHECK(g["description"].get<std::string>().find("PyTorch 1.13") != std::string::npos);
    REQUIRE(g["steps"].get<int>() == 10);
    const Mat x = to_mat(g["x"]), y = to_mat(g["y"]);
    REQUIRE(x.rows() == 16);
    REQUIRE(x.cols() == 3);
    REQUIRE(y.rows() == 16);
    REQUIRE(y.cols() == 2);

    // The architecture, then PyTorch's initial weights over our random ones (names match nn.Sequential's).
    Rng rng(0);
    MLP net({3, 8, 8, 2}, Activation::ReLU, rng);
    std::vector<Param*> params = net.parameters();
    REQUIRE(params.size() == g["initial"].size());
    for (Param* p : params) {
        REQUIRE_MESSAGE(g["initial"].contains(p->name), "golden file has no initial value for " << p->name);
        const Mat v = to_mat(g["initial"][p->name]);
        REQUIRE_MESSAGE(v.rows() == p->value.rows(), p->name << ": " << shape_str(v) << " vs " << shape_str(p->value));
        REQUIRE_MESSAGE(v.cols() == p->value.cols(), p->name << ": " << shape_str(v) << " vs " << shape_str(p->value));
        p->value = v;
    }

    AdamConfig cfg;
    cfg.lr = g["lr"].get<float>();
    cfg.beta1 = g["betas"][0].get<float>();
    cfg.beta2 = g["betas"][1].get<float>();
    cfg.eps = g["eps"].get<float>();
    CHECK(cfg.lr == 0.01f);
    CHECK(cfg.beta1 == 0.9f);
    CHECK(cfg.beta2 == 0.999f);
    CHECK(cfg.eps == 1e-8f);
    Adam opt(params, cfg);

    Tape<float> tape;
    const json& losses = g["losses"];
    REQUIRE(losses.size() == 10);
    for (int step = 0; step < 10; ++step) {
        tape.reset();
        Var<float> loss = mse(net.forward(tape.input(x)), tape.input(y));
        const double l = loss.value()(0, 0), e = losses[step].get<double>();
        INFO("loss before step " << step << ": " << l << " vs golden " << e);
        CHECK(golden_close(l, e));
        tape.backward(loss);
        if (step == 0)
            for (Param* p : params) check_tensor("first_grads " + p->name, p->grad, g["first_grads"][p->name]);
        opt.step();
        opt.zero_grad();
    }
    for (Param* p : params) check_tensor("final " + p->name, p->value, g["final"][p->name]);

    tape.reset();
    Var<float> loss = mse(net.forward(tape.input(x)), tape.input(y));
    const double fl = loss.value()(0, 0), fe = g["final_loss"].get<double>();
    INFO("final loss " << fl << " vs golden " << fe);
    CHECK(golden_close(fl, fe));
    // The inference path agrees with the trained weights too.
    Mat out;
    MLPScratch scratch;
    net.infer(x, out, scratch);
    CHECK(golden_close((out - y).squaredNorm() / double(out.size()), fe));
}
