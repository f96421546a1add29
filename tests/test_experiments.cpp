// Experiments (algorithms/experiments/): the shared statistics and table helpers, the multimodal toy and its
// scoring, and each experiment end to end in --quick mode: CSV columns, sane values, the headline claims on
// fixed seeds, and identical CSV bytes for 1 and 2 threads; the point-mass headline of the multimodal
// experiment (a distributional head beats MSE) at the experiment's budget for two heads; --env: each
// experiment on another environment, and a clear refusal of one it cannot use.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "algorithms/io/atomic_file.hpp"
#include "algorithms/bc.hpp"
#include "algorithms/evaluate.hpp"
#include "algorithms/experiments/experiments.hpp"
#include "algorithms/experiments/report.hpp"
#include "algorithms/experiments/scores.hpp"
#include "engine/threads.hpp"
#include "envs/point_mass.hpp"
#include "helpers.hpp"

using namespace imitate;
using namespace imitate::experiments;

namespace {

std::string out_dir(const std::string& name) {
    const std::string d = scratch_dir("test_experiments", name);
    std::filesystem::create_directories(d);
    return d;
}

ExperimentOptions quick(const std::string& dir) {
    ExperimentOptions o;
    o.out_dir = dir;
    o.seeds = 2;
    o.quick = true;
    o.render = false;
    return o;
}

struct ParsedCsv {
    std::vector<std::string> header;
    std::vector<std::vector<double>> rows;
    int col(const std::string& name) const {
        for (size_t j = 0; j < header.size(); ++j)
            if (header[j] == name) return static_cast<int>(j);
        FAIL("no column " << name);
        return -1;
    }
};

ParsedCsv parse_csv(const std::string& path) {
    ParsedCsv c;
    std::istringstream in(read_file(path));
    std::string line, cell;
    std::getline(in, line);
    std::istringstream h(line);
    while (std::getline(h, cell, ',')) c.header.push_back(cell);
    while (std::getline(in, line)) {
        std::vector<double> row;
        std::istringstream l(line);
        while (std::getline(l, cell, ',')) row.push_back(std::stod(cell));
        REQUIRE(row.size() == c.header.size());
        c.rows.push_back(row);
    }
    return c;
}

// The point mass's expert demonstrations, each episode appended with Dataset::append (as the experiment does).
Dataset collect_demos_for_test(const Env& env, int episodes, uint64_t seed) {
    RolloutConfig rc;
    rc.episodes = episodes;
    rc.seed = seed;
    Dataset d;
    d.env = env.spec().identity();
    for (const Episode& e : rollout_expert(env, std::make_shared<PointMassExpert>(), rc)) d.append(e, Labels::Actions);
    d.validate("point-mass demonstrations");
    return d;
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Every value finite; every column named like a rate (success, lo, hi, fraction) in [0, 1].
void check_sane(const ParsedCsv& c) {
    for (const auto& row : c.rows)
        for (size_t j = 0; j < row.size(); ++j) {
            INFO("column " << c.header[j]);
            CHECK(std::isfinite(row[j]));
            const std::string& h = c.header[j];
            if (ends_with(h, "_success") || ends_with(h, "_lo") || ends_with(h, "_hi") || ends_with(h, "_fraction")) {
                if (h.find("error") == std::string::npos && h.find("disagreement") == std::string::npos &&
                    h.rfind("bin_", 0) != 0) {
                    CHECK(row[j] >= 0.0);
                    CHECK(row[j] <= 1.0);
                }
            }
        }
}

// Runs `run` at 2 threads (returned) and again at 1 thread into <dir>_t1; the CSV bytes must match
// (under short_run(), only the 2-thread run).
ExperimentResult run_both_thread_counts(ExperimentResult (*run)(const ExperimentOptions&), const std::string& name,
                                        const std::string& csv) {
    const int saved = get_threads();
    set_threads(2);
    const std::string d2 = out_dir(name);
    ExperimentResult r2 = run(quick(d2));
    if (short_run()) {  // sanitizer pass: one run; the thread-count comparison is the release run's
        set_threads(saved);
        return r2;
    }
    set_threads(1);
    const std::string d1 = out_dir(name + "_t1");
    run(quick(d1));
    set_threads(saved);
    CHECK(read_file(d1 + "/" + csv) == read_file(d2 + "/" + csv));
    return r2;
}

// The same for an experiment's measure_* and report_*: returns the 2-thread run's typed result.
template <class Measure, class Report>
auto measure_both_thread_counts(Measure measure, Report report, const std::string& name, const std::string& csv) {
    const int saved = get_threads();
    set_threads(2);
    const std::string d2 = out_dir(name);
    const auto r2 = measure(quick(d2));
    report(r2, quick(d2));
    if (!short_run()) {
        set_threads(1);
        const std::string d1 = out_dir(name + "_t1");
        report(measure(quick(d1)), quick(d1));
        CHECK(read_file(d1 + "/" + csv) == read_file(d2 + "/" + csv));
    }
    set_threads(saved);
    return r2;
}

}  // namespace

TEST_CASE("stats: mean, sample std, Student-t interval; slope; t quantiles") {
    const Stats s = stats_of({1, 2, 3, 4, 5});
    CHECK(s.n == 5);
    CHECK(s.mean == doctest::Approx(3.0));
    CHECK(s.std == doctest::Approx(std::sqrt(2.5)));
    CHECK(s.hi - s.mean == doctest::Approx(2.776 * std::sqrt(2.5) / std::sqrt(5.0)));
    CHECK(stats_of({7}).std == 0.0);
    CHECK(t975(1) == doctest::Approx(12.706));
    CHECK(t975(100000) == doctest::Approx(1.96));
    CHECK(fit_slope({0, 1, 2, 3}, {1, 3, 5, 7}) == doctest::Approx(2.0));
    CHECK(std::isnan(fit_slope({1, 1}, {2, 3})));
}

TEST_CASE("paired per-seed differences and the verdict their interval allows") {
    // d = {2, 3, 2, 3}: mean 2.5, sd √(1/3), half-width t(3)·sd/√4 = 3.182 · 0.57735 / 2 = 0.91856 (by hand)
    const Stats d = paired({3, 5, 4, 6}, {1, 2, 2, 3});
    CHECK(d.n == 4);
    CHECK(d.mean == doctest::Approx(2.5));
    CHECK(d.lo == doctest::Approx(1.58144).epsilon(1e-4));
    CHECK(d.hi == doctest::Approx(3.41856).epsilon(1e-4));
    CHECK(verdict_of(d) == Verdict::ABeatsB);
    CHECK(verdict_of(paired({1, 2, 2, 3}, {3, 5, 4, 6})) == Verdict::BBeatsA);
    CHECK(verdict_of(paired({1, 2, 3}, {1, 2, 3})) == Verdict::Match);       // identical on every seed
    const Stats mixed = paired({1, 0, 1, 0}, {0, 1, 0, 1});                  // d = ±1: mean 0, interval ±1.837
    CHECK(verdict_of(mixed) == Verdict::NotEstablished);
    CHECK(verdict_of(mixed, 2.0) == Verdict::Match);                         // inside ±2
    CHECK(verdict_of(paired({1}, {0})) == Verdict::NotEstablished);          // one seed: no interval
    CHECK(verdict_text("A", "B", d, 0, 1, "points") == "A beats B: A − B = +2.5 [95% CI 1.6, 3.4] points, paired over 4 seeds");
    CHECK(verdict_text("A", "B", mixed, 0, 1, "").find("A vs B not established: ") == 0);
    CHECK_THROWS_AS(paired({1, 2}, {1}), std::invalid_argument);
    // a claim's status is read off the verdict: the expected side, an interval across 0, or the other side
    CHECK(claim_status(verdict_of(d), Verdict::ABeatsB) == "held");
    CHECK(claim_status(verdict_of(mixed), Verdict::ABeatsB) == "not established");
    CHECK(claim_status(verdict_of(d), Verdict::BBeatsA) == "did not hold");
    CHECK(claim_status(verdict_of(mixed, 2.0), Verdict::ABeatsB) == "did not hold");  // a match is no win
    CHECK(claim_line("A beats B", "`pendulum`, section 3", "held", "x") == "**A beats B** (`pendulum`, section 3) — held: x");
}

TEST_CASE("REPORT.md ends with every experiment's claims; push's budget note names what it cut") {
    const std::string dir = out_dir("claims");
    ExperimentResult a, b, c;
    a.name = "compounding", a.markdown = "## 1. A\n", a.claims = {claim_line("first", "`reacher`, section 1", "held", "e1")};
    b.name = "dagger", b.markdown = "## 3. B\n", b.claims = {claim_line("second", "`reacher`, section 3", "did not hold", "e2")};
    c.name = "noise", c.markdown = "## 7. C\n";
    const std::string md = read_file(write_report(dir, {a, b, c}, "imitate experiment all --env reacher", 2));
    const size_t head = md.find("## Which of the seed's claims held"), first = md.find("- **first** (`reacher`, section 1) — held: e1.\n");
    CHECK(head != std::string::npos);
    CHECK(md.find("## 7. C") < head);  // after every section
    CHECK(first > head);
    CHECK(md.find("- **second** (`reacher`, section 3) — did not hold: e2.\n") > first);
    CHECK(read_file(write_report(dir, {c}, "x", 1)).find("claims held") == std::string::npos);  // no claims, no list
    CHECK(env_budget_note("pendulum", 30, 100, "episodes").empty());
    CHECK(env_budget_note("push", 100, 100, "episodes").empty());
    CHECK(env_budget_note("push", 30, 100, "evaluation episodes per cell").find(" On `push` 30 evaluation episodes per cell instead of 100: ") == 0);
}

TEST_CASE("tables and CSV text") {
    Table t{{"a", "b"}, {{"x", "1"}, {"long θ", "22"}}};
    CHECK(t.markdown() == "| a | b |\n|---|---:|\n| x | 1 |\n| long θ | 22 |\n");
    CHECK(t.text().find("long θ  22") != std::string::npos);
    Csv c{{"t", "v"}, {{1, 0.5}, {2, 0.25}}};
    CHECK(c.str() == "t,v\n1,0.5\n2,0.25\n");
    CHECK(c.col("v") == 2);
    CHECK_THROWS_AS(c.col("w"), std::invalid_argument);
    c.rows.push_back({1});
    CHECK_THROWS_AS(c.str(), std::invalid_argument);
}

TEST_CASE("options are checked") {
    ExperimentOptions o = quick(out_dir("bad"));
    o.seeds = 0;
    CHECK_THROWS_AS(run_multimodal(o), std::invalid_argument);
    o.seeds = 1;
    o.out_dir = std::string(IMITATE_BUILD_DIR) + "/test_experiments/does/not/exist";
    CHECK_THROWS_AS(run_chunking(o), std::invalid_argument);
    CHECK_THROWS_AS(run_experiment("nope", quick(out_dir("bad"))), std::invalid_argument);
}

TEST_CASE("bimodal toy: two valid actions per observation; evaluate_modes scores samplers") {
    const Dataset d = make_bimodal_toy(250, 3, 100, 7);
    CHECK(d.size() == 250);
    CHECK(d.episode_ends == std::vector<int64_t>{100, 200, 250});
    CHECK(((d.actions.array() == 1.0f) || (d.actions.array() == -1.0f)).all());
    CHECK(d.observations.cwiseAbs().maxCoeff() <= 1.0f);
    CHECK_THROWS_AS(make_bimodal_toy(0, 3, 100, 7), std::invalid_argument);

    const Mat obs = toy_observations(2000, 3, 8);
    Rng rng(9);
    // A sampler that picks a mode at random: all valid, balanced.
    ModeStats both = evaluate_modes(
        [](const Mat& o, Mat& out, Rng& r) {
            out.resize(o.rows(), 1);
            for (Eigen::Index i = 0; i < o.rows(); ++i) out(i, 0) = r.uniform() < 0.5 ? 1.0f : -1.0f;
        },
        obs, rng);
    CHECK(both.valid_fraction == 1.0);
    CHECK(both.mode_balance == doctest::Approx(0.5).epsilon(0.1));
    // The MSE optimum, 0 everywhere: nothing valid, balance undefined.
    ModeStats zero = evaluate_modes([](const Mat& o, Mat& out, Rng&) { out = Mat::Zero(o.rows(), 1); }, obs, rng);
    CHECK(zero.valid_fraction == 0.0);
    CHECK(std::isnan(zero.mode_balance));
    CHECK(zero.mean_action == 0.0);
    CHECK_THROWS_AS(evaluate_modes([](const Mat&, Mat& out, Rng&) { out = Mat::Zero(3, 1); }, obs, rng),
                    std::invalid_argument);
}

// Both multimodal cases train every head for thousands of steps (30 s here in release, ~15 min under the
// sanitizers): skipped in the sanitizer pass; test_heads runs the same heads' code there in short form.
TEST_CASE("multimodal (quick): MSE averages the toy's modes, GMM / tokens / diffusion sample both; same bytes at 1 and 2 threads" *
          doctest::skip(short_run())) {
    const MultimodalResult r = measure_both_thread_counts(measure_multimodal, report_multimodal, "multimodal", "multimodal.csv");
    const std::string dir = std::string(IMITATE_BUILD_DIR) + "/test_experiments/multimodal";
    const ExperimentResult out = report_multimodal(r, quick(dir));
    CHECK(read_file(dir + "/multimodal_point_mass.csv") == read_file(dir + "_t1/multimodal_point_mass.csv"));
    const ParsedCsv c = parse_csv(dir + "/multimodal.csv");
    for (const char* k : {"mse", "gmm", "tokens", "cvae", "cvae_z0", "diffusion", "diffusion_ddim"}) {
        CHECK(c.col(std::string(k) + "_count") >= 0);
        CHECK(c.col(std::string(k) + "_fraction") >= 0);
    }
    check_sane(c);
    REQUIRE(r.row_keys.size() == 7);
    auto mean_of = [&](int q, double ModeStats::*f) {
        double m = 0;
        for (const ModeStats& x : r.toy[q]) m += x.*f / r.toy[q].size();
        return m;
    };
    // (a) the toy's headline: MSE's predictions sit between the modes ...
    CHECK(std::abs(mean_of(0, &ModeStats::mean_action)) < 0.3);
    CHECK(mean_of(0, &ModeStats::valid_fraction) < 0.01);
    // ... the mixture, the tokens and diffusion (DDPM) sample valid actions from both modes in balance.
    for (const char* k : {"gmm", "tokens", "diffusion"}) {
        INFO(k);
        const int q = static_cast<int>(std::find(r.row_keys.begin(), r.row_keys.end(), k) - r.row_keys.begin());
        CHECK(mean_of(q, &ModeStats::valid_fraction) >= 0.95);
        CHECK(mean_of(q, &ModeStats::mode_balance) >= 0.4);
        CHECK(mean_of(q, &ModeStats::mode_balance) <= 0.6);
    }
    // (b) the point mass at the quick budget is a smoke test (the headline is the next test case): sane rates;
    // the expert, scored on held-out starts of the demonstrations' band, always succeeds and passes on both
    // sides; the wider band is a second test distribution.
    const ParsedCsv p = parse_csv(dir + "/multimodal_point_mass.csv");
    CHECK(p.rows.size() == 2 * 7);  // two test distributions × one H (quick) × 7 rows
    check_sane(p);
    REQUIRE(r.tests.size() == 2);
    int ok = 0, left = 0, right = 0, n = 0;
    for (const PathStats& e : r.expert[0]) ok += e.successes, left += e.left, right += e.right, n += e.episodes;
    CHECK(n == 2 * 30);
    CHECK(ok == n);
    CHECK(left > 0.2 * n);
    CHECK(right > 0.2 * n);
    CHECK(r.expert[1][0].episodes == 30);
    for (const char* f : {"multimodal.gp", "multimodal.md", "multimodal_paths.gp", "multimodal_paths_H4.csv"})
        CHECK(std::filesystem::exists(dir + "/" + f));
    CHECK(out.markdown.find("imitate experiment multimodal") != std::string::npos);
    CHECK(out.markdown.find("a wider band") != std::string::npos);
}

TEST_CASE("multimodal headline on the point mass: a distributional head clearly beats MSE (H = 8, fixed seed)" *
          doctest::skip(short_run())) {
    // The experiment's full per-head budget for two heads, one seed: BC on 50 expert demonstrations that pass
    // the obstacle left or right at random, 8-action chunks executed open loop, 100 held-out starts.
    set_threads(1);
    const PointMass env;
    const Dataset data = collect_demos_for_test(env, 50, 21);
    struct Rate {
        double success, lo, hi;  // the rate over 100 episodes and its Wilson 95% interval
    };
    std::map<HeadKind, Rate> res;
    for (HeadKind k : {HeadKind::MSE, HeadKind::GMM}) {
        BCConfig bc;
        bc.policy.chunk = 8;
        bc.steps = 3000;
        bc.policy.hidden = {64, 64};
        bc.lr = 1e-3f;
        bc.normalize = true;
        bc.seed = 22;
        bc.policy.head.kind = k;
        const Policy pi = train_bc(data, bc).policy;
        RolloutConfig ev;
        ev.episodes = 100;
        ev.seed = 23;
        int ok = 0;
        for (const Episode& e : rollout(env, pi.as_sampling_policy(24), ev)) ok += e.success;
        const auto [lo, hi] = wilson_interval(ok, 100);
        res[k] = Rate{ok / 100.0, lo, hi};
        MESSAGE(std::string(head_name(k)) << ": " << ok << "/100 reach the goal [" << lo << ", " << hi << "]");
    }
    CHECK(res[HeadKind::GMM].lo > res[HeadKind::MSE].hi);
    CHECK(res[HeadKind::MSE].success < 0.7);  // the averaged chunk at the fork heads into the obstacle
}

TEST_CASE("compounding (quick): BC's error grows; same bytes at 1 and 2 threads") {
    run_both_thread_counts(run_compounding, "compounding", "compounding.csv");
    const ParsedCsv c = parse_csv(std::string(IMITATE_BUILD_DIR) + "/test_experiments/compounding/compounding.csv");
    CHECK(c.rows.size() == 200);
    for (const char* k : {"t", "pd_bc_error_mean", "pd_bc_error_lo", "pd_bc_error_hi", "pd_dagger_error_mean",
                          "swingup_bc_disagreement_mean", "swingup_dagger_disagreement_hi"})
        CHECK(c.col(k) >= 0);
    check_sane(c);
    const int e = c.col("pd_bc_error_mean");
    // The headline: BC with the PD expert is off the expert's path by much more after 200 steps than after 20.
    CHECK(c.rows[199][e] >= 2.0 * c.rows[19][e]);
    // Errors start tiny: both begin from the same state.
    CHECK(c.rows[0][e] < 0.05);
    // Early growth (t = 1..10) of the mean curve is a power law of order 1-3 in t.
    std::vector<double> lt, le;
    for (int t = 1; t <= 10; ++t) lt.push_back(std::log(double(t))), le.push_back(std::log(c.rows[t - 1][e]));
    CHECK(fit_slope(lt, le) > 1.0);
    CHECK(fit_slope(lt, le) < 3.0);
}

TEST_CASE("mean squared jerk: the third difference of the clipped executed actions") {
    // a(t) = t³/100 has third difference 6/100 everywhere: jerk² = 0.0036; a quadratic has none; clipping
    // to [−1, 1] turns a ramp past the bound into a kink.
    Episode e;
    e.executed.resize(6, 2);
    e.observations.resize(6, 1);
    for (int t = 0; t < 6; ++t) e.executed(t, 0) = float(t * t * t) / 100, e.executed(t, 1) = float(t * t) / 100;
    CHECK(mean_squared_jerk(e, {-10, -10}, {10, 10}) == doctest::Approx(0.0036).epsilon(1e-4));
    for (int t = 0; t < 6; ++t) e.executed(t, 0) = 0.5f * t, e.executed(t, 1) = 0;
    // clipped: 0, 0.5, 1, 1, 1, 1 -> third differences 1 − 3 + 1.5 − 0 = −0.5, 1 − 3 + 3 − 0.5 = 0.5, 0: mean 0.5/3
    CHECK(mean_squared_jerk(e, {-1, -1}, {1, 1}) == doctest::Approx(0.5 / 3));
    e.executed.resize(3, 2), e.observations.resize(3, 1);
    CHECK(std::isnan(mean_squared_jerk(e, {-1, -1}, {1, 1})));
}

TEST_CASE("chunking (quick): every cell sane, the k and m sweeps, jerk measured; same bytes at 1 and 2 threads") {
    run_both_thread_counts(run_chunking, "chunking", "chunking_seeds.csv");
    const std::string dir = std::string(IMITATE_BUILD_DIR) + "/test_experiments/chunking";
    const ParsedCsv c = parse_csv(dir + "/chunking.csv");
    REQUIRE(c.rows.size() == 5);
    for (const char* m : {"open", "receding", "ensemble"})
        for (const char* q : {"_k", "_success", "_lo", "_hi", "_pooled", "_return_mean", "_jerk_mean"})
            CHECK(c.col(std::string(m) + q) >= 0);
    check_sane(c);
    CHECK(c.rows[4][c.col("receding_k")] == 8);  // ⌈16/2⌉
    // cells: H = 1 once, then per H > 1 open, receding k = 1..H−1 and the quick run's 3 ensemble weights
    const ParsedCsv cells = parse_csv(dir + "/chunking_cells.csv");
    CHECK(cells.rows.size() == 1 + (2 + 3) + (4 + 3) + (8 + 3) + (16 + 3));
    check_sane(cells);
    for (const auto& row : cells.rows) CHECK(row[cells.col("jerk_mean")] >= 0);
    const ParsedCsv per_seed = parse_csv(dir + "/chunking_seeds.csv");
    CHECK(per_seed.rows.size() == cells.rows.size() * 2);  // (cell, seed)
    const std::string md = read_file(dir + "/chunking.md");
    CHECK(md.find("H = 8 open loop − H = 1 = ") != std::string::npos);  // the paired comparisons are printed
    CHECK(md.find("jerk: H = 8 ensemble − H = 8 open loop = ") != std::string::npos);
}

TEST_CASE("noise (quick): the clip shrinks the executed noise; same bytes at 1 and 2 threads") {
    run_both_thread_counts(run_noise, "noise", "noise_seeds.csv");
    const ParsedCsv c = parse_csv(std::string(IMITATE_BUILD_DIR) + "/test_experiments/noise/noise.csv");
    REQUIRE(c.rows.size() == 3);  // σ ∈ {0, 0.25, 1} × 2 N·m
    check_sane(c);
    CHECK(c.rows[0][c.col("clipped_fraction")] == 0);
    CHECK(c.rows[0][c.col("effective_std")] == 0);
    CHECK(c.rows[0][c.col("diff_mean")] == 0);  // σ = 0 against itself
    CHECK(c.rows[0][c.col("saturated_fraction")] > 0.05);  // the swing-up expert pumps at the bound
    for (int i = 1; i < 3; ++i) {
        CHECK(c.rows[i][c.col("nominal_std")] == doctest::Approx(c.rows[i][c.col("sigma")]).epsilon(0.1));
        CHECK(c.rows[i][c.col("effective_std")] < c.rows[i][c.col("nominal_std")]);
        CHECK(c.rows[i][c.col("effective_std")] > 0);
    }
    CHECK(c.rows[2][c.col("clipped_fraction")] > c.rows[1][c.col("clipped_fraction")]);
}

TEST_CASE("demos (quick): equal labels per method, DAgger with one episode is BC; same bytes at 1 and 2 threads") {
    run_both_thread_counts(run_demos, "demos", "demos_seeds.csv");
    const ParsedCsv c = parse_csv(std::string(IMITATE_BUILD_DIR) + "/test_experiments/demos/demos.csv");
    REQUIRE(c.rows.size() == 3);  // N ∈ {1, 5, 20}
    check_sane(c);
    for (const auto& row : c.rows) {
        CHECK(row[c.col("bc_labels")] == 200 * row[c.col("N")]);  // Pendulum's episodes all run 200 steps
        CHECK(row[c.col("noise_labels")] == row[c.col("bc_labels")]);
        CHECK(row[c.col("dagger_labels")] == row[c.col("bc_labels")]);
        CHECK(row[c.col("bc_error_mean")] >= 0);
    }
    CHECK(c.rows[0][c.col("dagger_success")] == c.rows[0][c.col("bc_success")]);
    CHECK(c.rows[0][c.col("dagger_error_mean")] == c.rows[0][c.col("bc_error_mean")]);
}

TEST_CASE("dagger (quick): DAgger at least as good as BC on the same labels") {
    const ExperimentResult r = run_dagger(quick(out_dir("dagger")));
    const ParsedCsv c = parse_csv(std::string(IMITATE_BUILD_DIR) + "/test_experiments/dagger/dagger.csv");
    REQUIRE(c.rows.size() >= 3);
    const size_t R = c.rows.size() - 1;
    for (const char* m : {"dagger", "bc", "noise"})
        for (const char* q : {"_success", "_lo", "_hi", "_pooled", "_pooled_lo", "_pooled_hi", "_return_mean"})
            CHECK(c.col(std::string(m) + q) >= 0);
    check_sane(c);
    for (size_t i = 1; i <= R; ++i)  // labels grow by the same amount each round
        CHECK(c.rows[i][c.col("labels")] - c.rows[i - 1][c.col("labels")] == c.rows[1][c.col("labels")] - c.rows[0][c.col("labels")]);
    // Round 0 is the same policy for DAgger and BC.
    CHECK(c.rows[0][c.col("dagger_success")] == c.rows[0][c.col("bc_success")]);
    CHECK(c.rows[R][c.col("dagger_success")] >= c.rows[R][c.col("bc_success")] - 0.05);
    // every comparison is a paired per-seed difference with its interval, worded from it
    CHECK(r.markdown.find("paired over 2 seeds") != std::string::npos);
    const ParsedCsv per_seed = parse_csv(std::string(IMITATE_BUILD_DIR) + "/test_experiments/dagger/dagger_seeds.csv");
    CHECK(per_seed.rows.size() == (R + 1) * 2);  // (round, seed)
    check_sane(per_seed);
}

TEST_CASE("horizon (quick): gap and failures per T; same bytes at 1 and 2 threads and after a resume") {
    const ExperimentResult r = run_both_thread_counts(run_horizon, "horizon", "horizon.csv");
    const std::string dir = std::string(IMITATE_BUILD_DIR) + "/test_experiments/horizon";
    const ParsedCsv c = parse_csv(dir + "/horizon.csv");
    REQUIRE(c.rows.size() == 6);
    const double T[6] = {25, 50, 100, 200, 400, 800};
    for (int k = 0; k < 6; ++k) {
        CHECK(c.rows[k][c.col("T")] == T[k]);
        for (double v : c.rows[k]) CHECK(std::isfinite(v));
        for (const char* q : {"expert_success", "bc_failed_mean", "dagger_failed_mean"}) {
            CHECK(c.rows[k][c.col(q)] >= 0.0);
            CHECK(c.rows[k][c.col(q)] <= 1.0);
        }
    }
    // Pendulum's swing-up takes longer than 25 steps and success needs 50 steps upright: nothing succeeds at T = 25.
    CHECK(c.rows[0][c.col("expert_success")] == 0.0);
    CHECK(c.rows[5][c.col("expert_success")] > 0.9);
    // Costs only add up: the expert's cost and (for these weak quick policies) BC's gap grow with T.
    for (int k = 1; k < 6; ++k) CHECK(c.rows[k][c.col("expert_cost")] >= c.rows[k - 1][c.col("expert_cost")]);
    CHECK(c.rows[5][c.col("bc_gap_mean")] > c.rows[2][c.col("bc_gap_mean")]);
    CHECK(r.markdown.find("BC's exponent: ") != std::string::npos);
    // A resumed run (one job file lost, one corrupted) reruns those two and writes the same bytes.
    const std::string csv = read_file(dir + "/horizon.csv"), md = read_file(dir + "/horizon.md");
    std::filesystem::remove(dir + "/jobs/horizon/bc_s001.txt");
    write_file_atomic(dir + "/jobs/horizon/dagger_s000.txt", "# sweep job dagger_s000: 13 values\n1\n");
    ExperimentOptions o = quick(dir);
    o.resume = true;
    std::vector<std::string> lines;
    o.log = [&](const std::string& m) { lines.push_back(m); };
    run_horizon(o);
    CHECK(read_file(dir + "/horizon.csv") == csv);
    CHECK(read_file(dir + "/horizon.md") == md);
    int ran = 0;
    for (const auto& l : lines) ran += l.rfind("job ", 0) == 0;
    CHECK(ran == 2);
}

TEST_CASE("architectures (quick): every row scored and timed, MLP-MSE's parameters counted; same bytes at 1 and 2 threads") {
    const ArchitecturesResult r = measure_both_thread_counts(
        [](const ExperimentOptions& o) { return measure_architectures(o); }, report_architectures, "architectures",
        "architectures_seeds.csv");
    const int R = static_cast<int>(architecture_rows().size());
    REQUIRE(r.score.size() == size_t(R));
    REQUIRE(r.cost.size() == size_t(R));
    CHECK(r.env_id == "pendulum");
    CHECK(r.expert_name == "swingup");
    CHECK(r.demo_rows == 5 * 200);  // 5 swing-up episodes of 200 steps
    // the Decision Transformer's row adds the mixed-quality episodes: the noisy demonstrator and the random
    // controller, 3 episodes of 200 steps each in quick mode
    CHECK(r.mixed_rows == 2 * 3 * 200);
    // MLP-MSE: 3→128→128→1 = (3·128 + 128) + (128·128 + 128) + (128 + 1) parameters
    CHECK(r.cost[0].params == 17153);
    CHECK(r.cost[0].acting_params == 17153);
    for (const ArchCost& k : r.cost) {
        CHECK(k.params >= k.acting_params);
        CHECK(k.step_seconds >= 0);  // a difference of two timed runs: under load, 0 is possible in quick mode
        CHECK(std::isfinite(k.step_seconds));
        CHECK(k.query_us > 0);
        CHECK(k.action_us <= k.query_us);
    }
    for (const SeedScore& e : r.expert) CHECK(e.rate() == 1.0);  // the swing-up expert succeeds from every start
    const ParsedCsv c = parse_csv(std::string(IMITATE_BUILD_DIR) + "/test_experiments/architectures/architectures.csv");
    REQUIRE(c.rows.size() == size_t(R + 1));  // the rows, then the demonstrator
    check_sane(c);
    CHECK(c.rows[0][c.col("diff_mean")] == 0);  // MLP-MSE against itself
    CHECK(c.rows[R][c.col("row")] == -1);
    const std::string md = read_file(std::string(IMITATE_BUILD_DIR) + "/test_experiments/architectures/architectures.md");
    CHECK(md.find("**Which representation wins where (`pendulum`).**") != std::string::npos);
    for (const ArchRow& row : architecture_rows()) CHECK(md.find(row.label) != std::string::npos);
}

TEST_CASE("--env: an environment an experiment cannot use is refused with one clear invalid_argument") {
    for (const char* id : {"nope", "cartpole"}) {
        ExperimentOptions o = quick(out_dir("bad_env"));
        o.env = id;
        std::vector<std::string> names = experiment_names();
        names.insert(names.end(), extra_experiment_names().begin(), extra_experiment_names().end());
        for (const std::string& name : names) {
            INFO(name << " --env " << id);
            try {
                run_experiment(name, o);
                FAIL("no exception");
            } catch (const std::invalid_argument& e) {
                const std::string what = e.what();
                CHECK(what.find("experiment " + name + ": --env '" + id + "'") != std::string::npos);
            }
        }
    }
}

TEST_CASE("--env point_mass: compounding, chunking and DAgger run on an env other than their default") {
    // Compounding: the env's one expert, error = Env::state_distance (the point mass: Euclidean between positions).
    ExperimentOptions o = quick(out_dir("compounding_pm"));
    o.env = "point_mass";
    const CompoundingResult cm = measure_compounding(o);
    const ExperimentResult c = report_compounding(cm, o);
    const ParsedCsv cc = parse_csv(o.out_dir + "/compounding.csv");
    CHECK(cc.rows.size() == 60);  // the point mass's horizon
    CHECK(cc.col("sides_bc_error_mean") >= 0);
    REQUIRE(cm.experts == std::vector<std::string>{"sides"});
    CHECK(cm.expert_success[0] == 1.0);
    for (int s = 0; s < 2; ++s) {
        CHECK(cm.at(0, 0, s).error.size() == 60);
        CHECK(cm.at(0, 0, s).error[0] < 0.05);  // both start from the same state
    }
    CHECK(c.markdown.find("constant torque offset") == std::string::npos);  // Pendulum's reference only
    CHECK(c.markdown.find("`point_mass`") != std::string::npos);
    CHECK(c.markdown.find("--env point_mass") != std::string::npos);

    o.out_dir = out_dir("chunking_pm");
    const ExperimentResult k = run_chunking(o);
    const ParsedCsv kc = parse_csv(o.out_dir + "/chunking.csv");
    REQUIRE(kc.rows.size() == 5);
    check_sane(kc);
    CHECK(kc.rows[0][kc.col("open_success")] == kc.rows[0][kc.col("ensemble_success")]);
    CHECK(k.markdown.find("`point_mass`") != std::string::npos);

    o.out_dir = out_dir("dagger_pm");
    const DaggerExpResult dm = measure_dagger(o);
    report_dagger(dm, o);
    const ParsedCsv dc = parse_csv(o.out_dir + "/dagger.csv");
    check_sane(dc);
    for (int s = 0; s < 2; ++s) CHECK(dm.at(0, s, 0).success == dm.at(1, s, 0).success);
    // Point-mass episodes end at the goal: DAgger's label count is what it labelled, not episodes × horizon.
    CHECK(dm.at(0, 0, 0).labels < 2 * 60);
    CHECK(dm.at(0, 0, 1).labels > dm.at(0, 0, 0).labels);

    // Horizon: the T grid is ⅛ … 4 × the env's 60-step time limit, and the report says where the limit lies.
    o.out_dir = out_dir("horizon_pm");
    const ExperimentResult h = run_horizon(o);
    const ParsedCsv hc = parse_csv(o.out_dir + "/horizon.csv");
    REQUIRE(hc.rows.size() == 6);
    const double T[6] = {7, 15, 30, 60, 120, 240};
    for (int k = 0; k < 6; ++k) CHECK(hc.rows[k][hc.col("T")] == T[k]);
    CHECK(h.markdown.find("time limit of 60 steps") != std::string::npos);
    CHECK(h.claims.size() == 2);
    for (const ExperimentResult* x : {&c, &k, &h}) {  // every claim names this env
        REQUIRE_FALSE(x->claims.empty());
        for (const std::string& claim : x->claims) CHECK(claim.find("`point_mass`") != std::string::npos);
    }
}
