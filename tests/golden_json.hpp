// Golden numbers from a JSON fixture written by PyTorch (scripts/make_*_fixture.py, float64): tensors as lists of
// rows, compared with ours (float32) element by element with a relative tolerance. Shared by test_transformer,
// test_dt and test_act.
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include <fstream>
#include <vector>

#include "autograd/tape.hpp"
#include "engine/tensor.hpp"

namespace golden {
using json = nlohmann::json;
using imitate::Mat;
using imitate::shape_str;

// Tolerance, as in test_golden.cpp: |actual − expected| <= 1e-4 · max(|expected|, 1e-3) for every number.
inline const double kRel = 1e-4, kFloor = 1e-3;
inline bool golden_close(double a, double e, double floor = kFloor) { return std::abs(a - e) <= kRel * std::max(std::abs(e), floor); }

// A (rows, cols) list of lists, or a flat list read as one row (PyTorch's 1-D bias (n) -> our (1,n)).
inline Mat to_mat(const json& j) {
    const bool nested = !j.empty() && j[0].is_array();
    Mat m(nested ? j.size() : 1, nested ? j[0].size() : j.size());
    for (Eigen::Index r = 0; r < m.rows(); ++r)
        for (Eigen::Index c = 0; c < m.cols(); ++c) m(r, c) = nested ? j[r][c].get<float>() : j[c].get<float>();
    return m;
}

// Compares `actual` with the fixture's tensor over columns [c0, c0 + w) (all columns by default); `floor`
// replaces kFloor (weights after Adam steps of size lr are known to about 1e-4·lr, whatever their value).
inline void check_tensor(const std::string& what, const Mat& actual, const json& expected_json, Eigen::Index c0 = 0,
                         Eigen::Index w = -1, double floor = kFloor) {
    const Mat full = to_mat(expected_json);
    REQUIRE_MESSAGE((actual.rows() == full.rows() && actual.cols() == full.cols()),
                    what << ": shape " << shape_str(actual) << " vs golden " << shape_str(full));
    if (w < 0) w = full.cols();
    const Mat e = full.middleCols(c0, w), a = actual.middleCols(c0, w);
    int bad = 0;
    double worst = 0;
    Eigen::Index wk = 0;
    for (Eigen::Index k = 0; k < e.size(); ++k) {
        const double x = e(k / w, k % w), y = a(k / w, k % w);
        if (!golden_close(y, x, floor)) ++bad;
        const double ratio = std::abs(y - x) / (kRel * std::max(std::abs(x), floor));
        if (ratio > worst) worst = ratio, wk = k;
    }
    INFO(what << ": " << bad << " of " << e.size() << " elements out of tolerance; worst element " << wk << " is "
              << a(wk / w, wk % w) << " vs golden " << e(wk / w, wk % w) << " (" << worst << " x the tolerance)");
    CHECK(bad == 0);
}

// tests/fixtures/<name>, parsed; requires a fixture written by PyTorch 1.13.
inline json read_fixture(const std::string& name) {
    const std::string path = std::string(IMITATE_SOURCE_DIR) + "/tests/fixtures/" + name;
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path);
    const json g = json::parse(in);
    REQUIRE(g["description"].get<std::string>().find("PyTorch 1.13") != std::string::npos);
    return g;
}

// The state_dict: the same names, in the same order, with the same shapes; then the fixture's initial values in.
inline void load_initial(const std::vector<imitate::Param*>& params, const json& g) {
    const std::vector<std::string> names = g["names"].get<std::vector<std::string>>();
    REQUIRE(params.size() == names.size());
    REQUIRE(g["initial"].size() == names.size());
    for (size_t i = 0; i < names.size(); ++i) {
        CHECK(params[i]->name == names[i]);
        const Mat v = to_mat(g["initial"][params[i]->name]);
        REQUIRE_MESSAGE((v.rows() == params[i]->value.rows() && v.cols() == params[i]->value.cols()),
                        names[i] << ": golden " << shape_str(v) << " vs ours " << shape_str(params[i]->value));
        params[i]->value = v;
    }
}

// The weights after the fixture's Adam steps (lr, β1, β2 as given; `floor` as check_tensor's). The key block of
// each in_proj_bias, columns [d, 2d), has an identically zero gradient (softmax is unchanged by adding one
// constant to a row of scores), so its Adam trajectory is rounding noise divided by its own size: in float32 it
// moves, in PyTorch's float64 it does not, and no output depends on it. It is checked to stay within Adam's
// largest step lr·(1−β1)/√(1−β2) per step; every other number to the tolerance.
inline void check_final(const std::vector<imitate::Param*>& params, const json& g, Eigen::Index d, double lr,
                        double beta1, double beta2, double floor = kFloor) {
    const double max_move = g["steps"].get<int>() * lr * (1 - beta1) / std::sqrt(1 - beta2);
    for (const imitate::Param* p : params) {
        const json& e = g["final"][p->name];
        if (p->name.ends_with("in_proj_bias")) {
            check_tensor("final " + p->name + " (query block)", p->value, e, 0, d, floor);
            check_tensor("final " + p->name + " (value block)", p->value, e, 2 * d, d, floor);
            const Mat moved = p->value.middleCols(d, d) - to_mat(g["initial"][p->name]).middleCols(d, d);
            CHECK(moved.cwiseAbs().maxCoeff() <= max_move);
        } else {
            check_tensor("final " + p->name, p->value, e, 0, -1, floor);
        }
    }
}

}  // namespace golden
using golden::check_final;
using golden::check_tensor;
using golden::golden_close;
using golden::load_initial;
using golden::read_fixture;
using golden::to_mat;
