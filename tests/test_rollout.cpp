// Lockstep rollouts (the one generic loop of envs/rollout.hpp): thread-count independence on Pendulum and the
// point mass, clean recording under noise, chunk execution modes (query counts, which prediction is
// executed), the temporal-ensemble weights, beta mixing, start states, episodes an env terminates early, and
// a non-finite policy action refused with the step and episode named.
#include <array>
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/threads.hpp"
#include "envs/envs.hpp"
#include "helpers.hpp"

using namespace imitate;

namespace {

// Every per-step record of e holds T steps.
void check_steps(const Episode& e, int T) {
    const size_t n = static_cast<size_t>(T);
    CHECK(e.length() == T);
    CHECK(e.states.rows() == T);
    CHECK(e.observations.rows() == T);
    CHECK(e.actions.rows() == T);
    CHECK(e.executed.rows() == T);
    CHECK(e.rewards.size() == n);
    CHECK(e.at_goal.size() == n);
    CHECK(e.expert_executed.size() == n);
}

bool same_episode(const Episode& a, const Episode& b) {
    return a.seed == b.seed && same_bytes(a.states, b.states) && same_bytes(a.observations, b.observations) &&
           same_bytes(a.actions, b.actions) && same_bytes(a.executed, b.executed) &&
           same_bytes(a.expert_actions, b.expert_actions) && same_bytes(a.expert_executed, b.expert_executed) &&
           same_bytes(a.rewards, b.rewards) && same_bytes(a.at_goal, b.at_goal) &&
           same_bytes(a.final_state, b.final_state) &&
           std::memcmp(&a.final_error, &b.final_error, sizeof(double)) == 0 && a.terminated == b.terminated &&
           a.truncated == b.truncated && a.success == b.success &&
           std::memcmp(&a.episode_return, &b.episode_return, sizeof(double)) == 0;
}

std::shared_ptr<const Expert> swingup() { return std::make_shared<PendulumSwingUp>(); }
std::shared_ptr<const Expert> pd() { return std::make_shared<PendulumPD>(); }

// A chunked stand-in for a network on Pendulum: action j of row b is a linear function of the observation
// plus 0.01·j, so each prediction in a chunk is distinguishable. Counts its calls.
struct ChunkPolicy {
    int H;
    int* calls;
    void operator()(const Mat& obs, Mat& out) const {
        ++*calls;
        out.resize(obs.rows(), H);
        for (Eigen::Index b = 0; b < obs.rows(); ++b)
            for (int j = 0; j < H; ++j) out(b, j) = -0.5f * obs(b, 1) - 0.1f * obs(b, 2) + 0.01f * j;
    }
};

// The same for the point mass (A = 2): H velocities per row, drifting towards x = 0 and upwards.
struct PointMassChunkPolicy {
    int H;
    void operator()(const Mat& obs, Mat& out) const {
        out.resize(obs.rows(), 2 * H);
        for (Eigen::Index b = 0; b < obs.rows(); ++b)
            for (int j = 0; j < H; ++j) {
                out(b, 2 * j) = -0.3f * obs(b, 0) + 0.02f * j;
                out(b, 2 * j + 1) = 0.8f - 0.05f * j;
            }
    }
};

// Runs `cfg` at 1 thread and at 2 threads and checks every episode is the same bytes; returns the episodes.
std::vector<Episode> same_at_1_and_2_threads(const Env& env, const BatchPolicy& pol, const RolloutConfig& cfg) {
    const int before = get_threads();
    set_threads(1);
    std::vector<Episode> a = rollout(env, pol, cfg);
    set_threads(2);
    if (have_openmp()) CHECK(get_threads() == 2);
    std::vector<Episode> b = rollout(env, pol, cfg);
    set_threads(before);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) CHECK(same_episode(a[i], b[i]));
    return a;
}

}  // namespace

TEST_CASE("1 and 2 threads give byte-identical episodes: pendulum") {
    const Pendulum env;
    RolloutConfig cfg;
    cfg.episodes = 300;  // >= 256: the env loop really runs on 2 threads
    cfg.seed = 11;
    cfg.noise_sigma = 0.3;
    cfg.exec.mode = Exec::Ensemble;
    cfg.expert = swingup();
    cfg.beta = 0.5;
    int calls = 0;
    ChunkPolicy pol{4, &calls};
    const std::vector<Episode> a = same_at_1_and_2_threads(env, pol, cfg);
    int mixed = 0;  // both the policy and the expert drove
    for (const Episode& e : a)
        for (uint8_t f : e.expert_executed) mixed += f;
    CHECK(mixed > 0);
    CHECK(mixed < 300 * 200);
    // and different seeds really differ
    cfg.seed = 12;
    CHECK_FALSE(same_episode(a[0], rollout(env, pol, cfg)[0]));
}

TEST_CASE("1 and 2 threads give byte-identical episodes: point mass, episodes ending at different steps") {
    const PointMass env;
    RolloutConfig cfg;
    cfg.episodes = 300;
    cfg.seed = 13;
    cfg.noise_sigma = 0.2;
    cfg.exec.mode = Exec::Receding;
    cfg.exec.receding_k = 2;
    cfg.expert = std::make_shared<PointMassExpert>();
    cfg.beta = 0.5;
    const std::vector<Episode> a = same_at_1_and_2_threads(env, PointMassChunkPolicy{3}, cfg);
    // the lockstep loop really had episodes finishing while others ran on
    int shortest = 1 << 30, longest = 0, terminated = 0;
    for (const Episode& e : a) {
        shortest = std::min(shortest, e.length());
        longest = std::max(longest, e.length());
        terminated += e.terminated;
    }
    CHECK(shortest < longest);
    CHECK(terminated > 0);
    cfg.seed = 14;
    CHECK_FALSE(same_episode(a[0], rollout(env, PointMassChunkPolicy{3}, cfg)[0]));
}

TEST_CASE("episode records: shapes, seeds, replayable states, rewards, truncation, success") {
    RolloutConfig cfg;
    cfg.episodes = 3;
    cfg.seed = 5;
    std::vector<Episode> eps = rollout_expert(Pendulum(), swingup(), cfg);
    REQUIRE(eps.size() == 3);
    for (size_t i = 0; i < eps.size(); ++i) {
        const Episode& e = eps[i];
        CHECK(e.seed == derive_seed(5, i));
        check_steps(e, 200);
        CHECK(e.states.cols() == 2);
        CHECK(e.observations.cols() == 3);
        CHECK(e.actions.cols() == 1);
        // the expert drives alone: it labels every state with the action it executes
        CHECK(same_bytes(e.expert_actions, e.actions));
        CHECK(e.expert_executed == std::vector<uint8_t>(200, 1));
        CHECK(e.truncated);
        CHECK_FALSE(e.terminated);
        // Replay: the start is the episode Rng's reset; each row shows the state the action was chosen in.
        Rng rng(e.seed);
        Pendulum env;
        env.reset(rng);
        double ret = 0.0;
        bool rows_ok = true;
        for (int t = 0; t < 200; ++t) {
            auto o = env.observation();
            rows_ok &= e.states(t, 0) == env.theta() && e.states(t, 1) == env.thetadot();
            rows_ok &= e.observations(t, 0) == o[0] && e.observations(t, 1) == o[1] && e.observations(t, 2) == o[2];
            rows_ok &= e.actions(t, 0) == swingup_action(o.data()) && e.executed(t, 0) == e.actions(t, 0);
            const double r = env.step(e.executed(t, 0)).reward;
            rows_ok &= e.rewards[t] == r;
            ret += r;
            rows_ok &= e.at_goal[t] == env.at_goal();
        }
        CHECK(rows_ok);
        CHECK(e.final_state[0] == env.theta());
        CHECK(e.final_state[1] == env.thetadot());
        CHECK(e.final_error == env.goal_error());
        CHECK(e.episode_return == ret);
        CHECK(e.success == is_success(e.post_step(0)));
        CHECK(e.settle_step() == settle_step(e.post_step(0)));
        CHECK(e.success);
    }
}

TEST_CASE("noise perturbs the executed action; the recorded action stays clean") {
    RolloutConfig cfg;
    cfg.episodes = 4;
    cfg.seed = 9;
    cfg.noise_sigma = 0.5;
    std::vector<Episode> eps = rollout_expert(Pendulum(), pd(), cfg);
    double sum = 0.0, sum2 = 0.0;
    int n = 0;
    for (const Episode& e : eps) {
        Rng rng(e.seed);
        Pendulum env;
        env.reset(rng);
        for (int t = 0; t < 200; ++t) {
            auto o = env.observation();
            const float clean = pd_expert_action(o.data());
            CHECK(e.actions(t, 0) == clean);
            // executed = clean + σ·z, z the episode Rng's next normal (the expert drives alone: no beta draw)
            const float expect = static_cast<float>(double(clean) + 0.5 * rng.normal());
            CHECK(e.executed(t, 0) == expect);
            const double d = double(e.executed(t, 0)) - double(clean);
            sum += d, sum2 += d * d, ++n;
            env.step(e.executed(t, 0));
        }
    }
    CHECK(std::fabs(sum / n) < 0.05);
    CHECK(std::sqrt(sum2 / n) == doctest::Approx(0.5).epsilon(0.08));
}

TEST_CASE("ensemble_weights: exp(-m i), oldest first, normalised") {
    std::vector<double> w = ensemble_weights(3, 0.01);
    const double z = 1.0 + std::exp(-0.01) + std::exp(-0.02);
    REQUIRE(w.size() == 3);
    CHECK(w[0] == doctest::Approx(1.0 / z).epsilon(1e-15));
    CHECK(w[1] == doctest::Approx(std::exp(-0.01) / z).epsilon(1e-15));
    CHECK(w[2] == doctest::Approx(std::exp(-0.02) / z).epsilon(1e-15));
    CHECK(w[0] > w[1]);  // m > 0 favours the oldest prediction, as in ACT
    CHECK(ensemble_weights(1, 0.01)[0] == 1.0);
    std::vector<double> u = ensemble_weights(4, 0.0);
    for (double x : u) CHECK(x == 0.25);
    CHECK_THROWS_AS(ensemble_weights(0, 0.01), std::invalid_argument);
}

TEST_CASE("open, receding and ensemble query counts and executed predictions") {
    const Pendulum env;
    const int T = 10, H = 4;
    RolloutConfig cfg;
    cfg.episodes = 3;
    cfg.steps = T;
    // A policy whose chunk value encodes (query step, index in chunk): q·100 + j. The query step is counted
    // by the calls, so the executed action tells which prediction was used.
    int calls = 0;
    BatchPolicy tagged = [&](const Mat& obs, Mat& out) {
        out.resize(obs.rows(), H);
        for (Eigen::Index b = 0; b < obs.rows(); ++b)
            for (int j = 0; j < H; ++j) out(b, j) = float(calls * 100 + j);
        ++calls;
    };
    // every episode executed `want` at steps 0..T-1
    auto executes = [&](const std::vector<Episode>& eps, const std::array<float, T>& want) {
        for (const Episode& e : eps)
            for (int t = 0; t < T; ++t) CHECK(e.actions(t, 0) == want[t]);
    };
    // actions here are far outside ±2: the env clips them, the record keeps the commanded value.

    SUBCASE("open: query at t = 0, 4, 8; execute all H") {
        cfg.exec.mode = Exec::Open;
        executes(rollout(env, tagged, cfg), {0, 1, 2, 3, 100, 101, 102, 103, 200, 201});
        CHECK(calls == 3);
    }
    SUBCASE("receding k=3: query at t = 0, 3, 6, 9; execute the first 3") {
        cfg.exec.mode = Exec::Receding;
        cfg.exec.receding_k = 3;
        executes(rollout(env, tagged, cfg), {0, 1, 2, 100, 101, 102, 200, 201, 202, 300});
        CHECK(calls == 4);
    }
    SUBCASE("receding k=H is open loop") {
        cfg.exec.mode = Exec::Receding;
        cfg.exec.receding_k = H;
        rollout(env, tagged, cfg);
        CHECK(calls == 3);
    }
    SUBCASE("ensemble: query every step; average the predictions for t, oldest weighted most") {
        cfg.exec.mode = Exec::Ensemble;
        cfg.exec.ensemble_m = 0.5;
        std::vector<Episode> eps = rollout(env, tagged, cfg);
        CHECK(calls == T);
        for (const Episode& e : eps)
            for (int t = 0; t < T; ++t) {
                // predictions for step t come from queries s = max(0, t-H+1) .. t, value s·100 + (t-s)
                const int s0 = t - H + 1 > 0 ? t - H + 1 : 0;
                std::vector<double> w = ensemble_weights(t - s0 + 1, 0.5);
                double expect = 0.0;
                for (int s = s0; s <= t; ++s) expect += w[s - s0] * (s * 100.0 + (t - s));
                CHECK(e.actions(t, 0) == static_cast<float>(expect));
            }
        // by hand for t = 1: predictions 1 (query 0) and 100 (query 1), weights 1 and e^-0.5
        const double z = 1.0 + std::exp(-0.5);
        CHECK(eps[0].actions(1, 0) == doctest::Approx((1.0 + 100.0 * std::exp(-0.5)) / z).epsilon(1e-6));
    }
    SUBCASE("bad configurations are rejected with the field name") {
        cfg.exec.mode = Exec::Receding;
        cfg.exec.receding_k = 5;
        CHECK_THROWS_WITH_AS(rollout(env, tagged, cfg), doctest::Contains("receding_k"), std::invalid_argument);
        cfg.exec.receding_k = 2;
        int shrinking_calls = 0;
        BatchPolicy shrinking = [&](const Mat& obs, Mat& out) {  // H = 4 at the first call, then 3 columns
            tagged(obs, out);
            if (++shrinking_calls > 1) out.conservativeResize(Eigen::NoChange, 3);
        };
        CHECK_THROWS_WITH_AS(rollout(env, shrinking, cfg), doctest::Contains("policy returned shape (3,3), expected (3,4)"),
                             std::invalid_argument);
        BatchPolicy odd = [](const Mat& obs, Mat& out) { out.setZero(obs.rows(), 3); };  // A = 2: no H gives 3
        CHECK_THROWS_WITH_AS(rollout(PointMass(), odd, cfg), doctest::Contains("expected (3, H·A) with A = 2"),
                             std::invalid_argument);
        cfg.beta = 1.5;
        CHECK_THROWS_WITH_AS(rollout(env, tagged, cfg), doctest::Contains("beta"), std::invalid_argument);
        cfg.beta = 0.0;
        cfg.starts = {{0.0, 0.0}};
        CHECK_THROWS_WITH_AS(rollout(env, tagged, cfg), doctest::Contains("starts"), std::invalid_argument);
    }
}

TEST_CASE("beta: 1 always executes the expert, 0 never; the expert labels every state") {
    const Pendulum env;
    RolloutConfig cfg;
    cfg.episodes = 8;
    cfg.seed = 3;
    cfg.expert = swingup();
    BatchPolicy zero = [](const Mat& obs, Mat& out) { out = Mat::Zero(obs.rows(), 1); };

    cfg.beta = 1.0;
    for (const Episode& e : rollout(env, zero, cfg)) {
        CHECK(e.expert_actions.rows() == 200);
        int n = 0;
        for (uint8_t f : e.expert_executed) n += f;
        CHECK(n == 200);
        CHECK(same_bytes(e.actions, e.expert_actions));
        CHECK(e.success);  // it is the swing-up expert driving
    }
    cfg.beta = 0.0;
    for (const Episode& e : rollout(env, zero, cfg)) {
        int n = 0;
        for (uint8_t f : e.expert_executed) n += f;
        CHECK(n == 0);
        CHECK(e.actions.isZero());
        // the labels are the expert's answer in the states the zero policy visited
        for (int t = 0; t < 200; t += 37)
            CHECK(e.expert_actions(t, 0) == swingup_action(e.observations.row(t).data()));
    }
    cfg.beta = 0.5;
    int n = 0;
    for (const Episode& e : rollout(env, zero, cfg))
        for (int t = 0; t < 200; ++t) {
            n += e.expert_executed[t];
            CHECK(e.actions(t, 0) == (e.expert_executed[t] ? e.expert_actions(t, 0) : 0.0f));
        }
    CHECK(n > 700);  // 1600 coin flips, σ = 20
    CHECK(n < 900);
}

TEST_CASE("start states are honoured and draw nothing from the Rng") {
    RolloutConfig cfg;
    cfg.episodes = 3;
    cfg.starts = {{0.1, 0.0}, {M_PI, 0.5}, {-7.0, -2.0}};
    std::vector<Episode> eps = rollout_expert(Pendulum(), pd(), cfg);
    for (int i = 0; i < 3; ++i) {
        CHECK(eps[i].states(0, 0) == cfg.starts[i][0]);
        CHECK(eps[i].states(0, 1) == cfg.starts[i][1]);
    }
    CHECK(eps[0].success);  // the PD holds a pole that starts near upright at rest
    CHECK_FALSE(eps[1].success);
    CHECK(rollout_expert(Pendulum(), pd(), RolloutConfig{}).size() == 1);
    cfg.episodes = 0;
    cfg.starts.clear();
    CHECK(rollout_expert(Pendulum(), pd(), cfg).empty());
}

TEST_CASE("an env that terminates ends its episode early with the right flags (point mass)") {
    const PointMass env;
    // Straight up from three starts, in one lockstep batch: from the centre line into the obstacle (terminated
    // at step 11, y = 1.1: the first point inside; y = 1.0 grazes the edge); from x = ±2 past both the
    // obstacle and the goal into the time limit, while the first episode's row is no longer stepped.
    BatchPolicy up = [](const Mat& obs, Mat& out) {
        out = Mat::Zero(obs.rows(), 2);
        out.col(1).setOnes();
    };
    RolloutConfig cfg;
    cfg.episodes = 3;
    cfg.starts = {{0.0, 0.0}, {2.0, 0.0}, {-2.0, 0.0}};
    const std::vector<Episode> eps = rollout(env, up, cfg);
    REQUIRE(eps.size() == 3);
    const Episode& hit = eps[0];
    check_steps(hit, 11);
    CHECK(hit.terminated);
    CHECK_FALSE(hit.truncated);
    CHECK_FALSE(hit.success);
    CHECK(hit.rewards.back() == -1.0);
    CHECK(hit.episode_return == -1.0);
    CHECK(hit.final_state[1] == doctest::Approx(1.1));
    CHECK(hit.final_error == doctest::Approx(1.9));
    CHECK(hit.settle_step() == -1);
    for (int i = 1; i < 3; ++i) {
        const Episode& e = eps[i];
        CHECK(e.length() == 60);  // PointMass's max_steps
        CHECK(e.truncated);
        CHECK_FALSE(e.terminated);
        CHECK_FALSE(e.success);
        CHECK(e.final_state[1] == doctest::Approx(6.0));
    }
    // steps = 5 overrides the env's horizon: the one that would collide later is truncated instead
    cfg.steps = 5;
    for (const Episode& e : rollout(env, up, cfg)) {
        CHECK(e.length() == 5);
        CHECK(e.truncated);
        CHECK_FALSE(e.terminated);
    }

    // The expert reaches the goal: terminated at the goal, with success, at_goal only on the last step.
    cfg = RolloutConfig{};
    cfg.episodes = 4;
    cfg.seed = 2;
    for (const Episode& e : rollout_expert(env, std::make_shared<PointMassExpert>(), cfg)) {
        CHECK(e.length() < 60);
        CHECK(e.terminated);
        CHECK_FALSE(e.truncated);
        CHECK(e.success);
        CHECK(e.rewards.back() == 1.0);
        CHECK(e.at_goal.back() == 1);
        CHECK(e.settle_step() == e.length());
        CHECK(e.final_error < 0.2);
        CHECK(e.states.rows() == e.length());
        CHECK(e.expert_executed.size() == size_t(e.length()));
    }
}

TEST_CASE("a policy returning NaN is refused with one line naming the step and the episode") {
    const Pendulum env;
    RolloutConfig cfg;
    cfg.episodes = 3;
    cfg.seed = 1;
    int calls = 0;
    BatchPolicy nan_at_3 = [&](const Mat& obs, Mat& out) {
        out = Mat::Zero(obs.rows(), 1);
        if (calls++ == 3) out(1, 0) = std::nanf("");  // step 3, episode 1
    };
    std::string what;
    try {
        rollout(env, nan_at_3, cfg);
    } catch (const std::runtime_error& e) {
        what = e.what();
    }
    MESSAGE(what);
    CHECK(what.find("step 3") != std::string::npos);
    CHECK(what.find("episode 1") != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
    // a NaN in the row of an episode that has already ended is ignored (its output is unused)
    const PointMass pm;
    RolloutConfig two;
    two.episodes = 2;
    two.starts = {{0.0, 0.0}, {2.0, 0.0}};  // episode 0 hits the obstacle at step 11, episode 1 runs 60 steps
    int t = 0;
    BatchPolicy nan_after_end = [&](const Mat& obs, Mat& out) {
        out = Mat::Zero(obs.rows(), 2);
        out.col(1).setOnes();
        if (t++ >= 11) out(0, 0) = std::nanf("");
    };
    const std::vector<Episode> eps = rollout(pm, nan_after_end, two);
    CHECK(eps[0].length() == 11);
    CHECK(eps[1].length() == 60);
}
