// Evaluation: the Wilson interval against hand-computed values, summarize() on synthetic episodes, the
// JSON report (parsed with nlohmann::json), seeds and determinism of evaluate(), and the swing-up expert's
// measured success as the reference every learned policy is compared with.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <numbers>

#include "algorithms/evaluate.hpp"
#include "engine/rng.hpp"
#include "envs/envs.hpp"

using namespace imitate;

namespace {

// A finished T-step pendulum episode whose pole sits at `before` until step `settle` (1-based) and at 0
// afterwards, ending at final θ `final_theta`; at_goal and final_error as Pendulum reports them
// (|angle_normalize(θ)| < 0.1 after each step; |angle_normalize(θ)| at the end).
Episode synthetic(double ret, bool success, double final_theta, int settle = 1, int T = 60, double before = 1.0) {
    Episode e;
    e.seed = static_cast<uint64_t>(ret * -1);
    e.states = MatD::Zero(T, 2);
    e.observations = Mat::Zero(T, 3);
    // post_step(0)[t] = states(t+1, 0): θ after step t+1 (1-based)
    for (int t = 0; t + 1 < T; ++t) e.states(t + 1, 0) = (t + 1 < settle) ? before : 0.0;
    e.final_state = {final_theta, 0.0};
    for (double th : e.post_step(0)) e.at_goal.push_back(std::fabs(angle_normalize(th)) < 0.1);
    e.final_error = std::fabs(angle_normalize(final_theta));
    e.episode_return = ret;
    e.success = success;
    e.truncated = true;
    return e;
}

// The swing-up law as a batch policy (envs/experts.hpp's swingup_expert).
BatchPolicy swingup_expert_policy() {
    return [](const Mat& obs, Mat& out) { swingup_expert(obs, out); };
}

}  // namespace

TEST_CASE("wilson_interval against hand-computed values") {
    // p̂ = k/n, centre = (p̂ + z²/2n)/(1 + z²/n), half = z·sqrt(p̂(1−p̂)/n + z²/4n²)/(1 + z²/n), z = 1.96;
    // values from an independent Python evaluation of the formula (0/10 -> [0, 0.2775] is the textbook one)
    struct Case {
        int k, n;
        double lo, hi;
    };
    for (const Case& c : {Case{0, 10, 0.0, 0.277540168766617}, Case{5, 10, 0.236589593615487, 0.763410406384513},
                          Case{10, 10, 0.722459831233383, 1.0}, Case{1, 3, 0.0614903152761605, 0.792345044873512},
                          Case{45, 50, 0.786395096652116, 0.956524876008429}}) {
        INFO("k = " << c.k << ", n = " << c.n);
        const auto [lo, hi] = wilson_interval(c.k, c.n);
        CHECK(lo == doctest::Approx(c.lo).epsilon(1e-12));
        CHECK(hi == doctest::Approx(c.hi).epsilon(1e-12));
        CHECK(lo >= 0.0);
        CHECK(hi <= 1.0);
        CHECK(lo <= double(c.k) / c.n);
        CHECK(hi >= double(c.k) / c.n);
    }
    CHECK(wilson_interval(0, 10).first == 0.0);  // clamped, never a tiny negative
    CHECK(wilson_interval(10, 10).second == 1.0);
    // n = 0: nothing is known
    CHECK(wilson_interval(0, 0) == std::pair<double, double>{0.0, 1.0});
    // symmetric: k of n and n−k of n mirror around 1/2
    const auto a = wilson_interval(3, 17), b = wilson_interval(14, 17);
    CHECK(a.first == doctest::Approx(1.0 - b.second).epsilon(1e-12));
    CHECK(a.second == doctest::Approx(1.0 - b.first).epsilon(1e-12));
}

TEST_CASE("summarize: success rate, mean and population std of returns, final error (|θ|), settle steps, lengths") {
    const double two_pi = 2 * std::numbers::pi;
    std::vector<Episode> eps = {
        synthetic(-100, true, 0.05),               // settled from step 1
        synthetic(-200, true, two_pi - 0.05, 20),  // final θ wraps to −0.05; settles at step 20
        synthetic(-300, false, 3.0, 60),           // last θ = 3.0: never settles
        synthetic(-400, false, -2.0, 60),
    };
    const EvalResult r = summarize(eps);
    CHECK(r.episodes == 4);
    CHECK(r.successes == 2);
    CHECK(r.success_rate == 0.5);
    CHECK(r.mean_return == doctest::Approx(-250.0).epsilon(1e-14));
    CHECK(r.std_return == doctest::Approx(std::sqrt(12500.0)).epsilon(1e-14));  // population: Σ(x−μ)²/4
    CHECK(r.mean_final_error == doctest::Approx((0.05 + 0.05 + 3.0 + 2.0) / 4).epsilon(1e-12));
    const auto [lo, hi] = wilson_interval(2, 4);
    CHECK(r.wilson_lo == lo);
    CHECK(r.wilson_hi == hi);
    REQUIRE(r.per_episode.size() == 4);
    CHECK(r.per_episode[0].settle_step == 1);
    CHECK(r.per_episode[1].settle_step == 20);
    CHECK(r.per_episode[1].final_error == doctest::Approx(0.05).epsilon(1e-12));
    for (const EpisodeRecord& rec : r.per_episode) CHECK(rec.length == 60);
    CHECK(r.per_episode[2].settle_step == -1);
    CHECK(r.per_episode[3].episode_return == -400);
    CHECK(r.per_episode[2].success == false);
    CHECK(r.per_episode[1].seed == 200);

    const EvalResult none = summarize({});
    CHECK(none.episodes == 0);
    CHECK(none.success_rate == 0.0);
    CHECK(none.mean_return == 0.0);
    CHECK(none.wilson_lo == 0.0);
    CHECK(none.wilson_hi == 1.0);
}

TEST_CASE("eval_json: valid JSON with the aggregated fields and one entry per episode") {
    const double two_pi = 2 * std::numbers::pi;
    const std::vector<Episode> eps = {synthetic(-100, true, 0.05), synthetic(-200, true, two_pi - 0.05, 20),
                                      synthetic(-300.25, false, 3.0, 60)};
    const EvalResult r = summarize(eps);
    const std::string text = eval_json(r);
    nlohmann::json j;
    REQUIRE_NOTHROW(j = nlohmann::json::parse(text));
    REQUIRE(j.is_object());
    CHECK(j.size() == 2);
    const auto& agg = j.at("aggregated");
    CHECK(agg.at("episodes") == 3);
    CHECK(agg.at("successes") == 2);
    CHECK(agg.at("success_rate").get<double>() == doctest::Approx(2.0 / 3).epsilon(1e-9));
    CHECK(agg.at("success_ci95").size() == 2);
    CHECK(agg.at("success_ci95")[0].get<double>() == doctest::Approx(r.wilson_lo).epsilon(1e-9));
    CHECK(agg.at("success_ci95")[1].get<double>() == doctest::Approx(r.wilson_hi).epsilon(1e-9));
    CHECK(agg.at("mean_return").get<double>() == doctest::Approx(r.mean_return).epsilon(1e-9));
    CHECK(agg.at("std_return").get<double>() == doctest::Approx(r.std_return).epsilon(1e-9));
    CHECK(agg.at("mean_final_error").get<double>() == doctest::Approx(r.mean_final_error).epsilon(1e-9));
    const auto& per = j.at("per_episode");
    REQUIRE(per.is_array());
    REQUIRE(per.size() == 3);
    for (int i = 0; i < 3; ++i) {
        CHECK(per[i].at("episode") == i);
        CHECK(per[i].at("seed").get<uint64_t>() == r.per_episode[i].seed);
        CHECK(per[i].at("return").get<double>() == doctest::Approx(r.per_episode[i].episode_return).epsilon(1e-9));
        CHECK(per[i].at("success").get<bool>() == r.per_episode[i].success);
        CHECK(per[i].at("settle_step") == r.per_episode[i].settle_step);
        CHECK(per[i].at("final_error").get<double>() == doctest::Approx(r.per_episode[i].final_error).epsilon(1e-9));
        CHECK(per[i].at("length") == 60);
    }
    // zero episodes is still valid JSON
    nlohmann::json empty = nlohmann::json::parse(eval_json(summarize({})));
    CHECK(empty.at("per_episode").empty());
    CHECK(empty.at("aggregated").at("episodes") == 0);
}

TEST_CASE("evaluate: held-out seeds per episode, deterministic, chunk execution passed through") {
    EvalConfig ev;
    ev.episodes = 6;
    ev.seed = 4242;
    const Pendulum env;
    const EvalResult a = evaluate(env, swingup_expert_policy(), ev);
    REQUIRE(a.per_episode.size() == 6);
    for (int i = 0; i < 6; ++i) CHECK(a.per_episode[i].seed == derive_seed(4242, i));
    const EvalResult b = evaluate(env, swingup_expert_policy(), ev);
    CHECK(a.mean_return == b.mean_return);  // exactly: same starts, same controller
    ev.seed = 4243;
    CHECK(evaluate(env, swingup_expert_policy(), ev).mean_return != a.mean_return);
    // the steps field shortens episodes: 40 steps cannot hold the last-50-steps success window
    ev.steps = 40;
    CHECK(evaluate(env, swingup_expert_policy(), ev).successes == 0);
    // a chunked stand-in executed receding k = 5 > H = 4 is rejected by the rollout
    ev.steps = 200;
    ev.exec.mode = Exec::Receding;
    ev.exec.receding_k = 5;
    BatchPolicy zeros4 = [](const Mat& obs, Mat& out) { out = Mat::Zero(obs.rows(), 4); };
    CHECK_THROWS_WITH_AS(evaluate(env, zeros4, ev), doctest::Contains("receding_k"), std::invalid_argument);
    ev.exec.receding_k = 2;
    CHECK(evaluate(env, zeros4, ev).episodes == 6);
    // evaluate_expert runs the same episodes as evaluate with the expert's law as a batch policy
    ev.steps = 0;  // the env's horizon, 200
    ev.exec = {};
    const EvalResult x = evaluate_expert(env, std::make_shared<PendulumSwingUp>(), ev);
    const EvalResult p = evaluate(env, swingup_expert_policy(), ev);
    CHECK(x.mean_return == p.mean_return);
    CHECK(x.successes == p.successes);
    for (const EpisodeRecord& rec : x.per_episode) CHECK(rec.length == 200);
}

TEST_CASE("the swing-up expert's evaluation: >= 99% success over 300 held-out episodes") {
    const Pendulum env;
    EvalConfig ev;
    ev.episodes = 300;
    ev.seed = 1000;
    const EvalResult r = evaluate_expert(env, std::make_shared<PendulumSwingUp>(), ev);
    MESSAGE("swing-up expert: " << r.successes << "/" << r.episodes << " = " << 100 * r.success_rate << "% [" << 100 * r.wilson_lo
                                << ", " << 100 * r.wilson_hi << "], return " << r.mean_return << " ± " << r.std_return);
    CHECK(r.success_rate >= 0.99);
    CHECK(r.mean_final_error < 0.1);
    // the PD expert is the weak one (envs/experts.hpp): far below
    const EvalResult pd = evaluate_expert(env, std::make_shared<PendulumPD>(), ev);
    CHECK(pd.success_rate < 0.3);
    CHECK(pd.mean_return < r.mean_return);
}
