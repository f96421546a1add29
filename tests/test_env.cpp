// The environment contract, for every environment in the table: specs that agree with what the env does,
// seeded resets, state round trips, clones, replays that reproduce every recorded state bit for bit (the
// float32 action stored is the action applied), the registry's errors, and the identity files record.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <set>
#include <string>

#include "algorithms/noise_injection.hpp"
#include "envs/envs.hpp"
#include "helpers.hpp"

using namespace imitate;

TEST_CASE("every environment's spec agrees with its observations, states and bounds") {
    REQUIRE(env_table().size() >= 2);
    std::set<std::string> ids;
    for (const EnvEntry& row : env_table()) {
        CAPTURE(row.id);
        std::unique_ptr<Env> env = row.make();
        const EnvSpec& sp = env->spec();
        CHECK(sp.id == row.id);
        CHECK(ids.insert(sp.id).second);
        CHECK(sp.obs_dim >= 1);
        CHECK(sp.act_dim >= 1);
        CHECK(sp.state_dim >= 1);
        CHECK(sp.max_steps >= 1);
        CHECK(sp.success_window >= 1);
        CHECK(sp.success_window <= sp.max_steps);
        CHECK_FALSE(sp.success.empty());
        CHECK_FALSE(sp.about.empty());
        REQUIRE(sp.act_low.size() == size_t(sp.act_dim));
        REQUIRE(sp.act_high.size() == size_t(sp.act_dim));
        REQUIRE(sp.obs_low.size() == size_t(sp.obs_dim));
        REQUIRE(sp.obs_high.size() == size_t(sp.obs_dim));
        for (int a = 0; a < sp.act_dim; ++a) CHECK(sp.act_low[a] < sp.act_high[a]);
        CHECK_FALSE(row.experts.empty());
        // the identity is one line of JSON that names the id and the sizes
        const std::string id = sp.identity();
        CHECK(id.find("\"id\": \"" + sp.id + "\"") != std::string::npos);
        CHECK(id.find("\"obs_dim\": " + std::to_string(sp.obs_dim)) != std::string::npos);
        CHECK(id.find('\n') == std::string::npos);
        CHECK(row.make()->spec().identity() == id);  // a fresh env is the same environment
        // observations stay inside their bounds along an expert episode
        Rng rng(derive_seed(7, 0));
        env->reset(rng);
        std::unique_ptr<Expert> ex = row.experts[0].make();
        ex->reset(derive_seed(7, 0));
        std::vector<float> obs(sp.obs_dim), act(sp.act_dim);
        for (int t = 0; t < std::min(sp.max_steps, 50); ++t) {
            env->observe(obs.data());
            for (int i = 0; i < sp.obs_dim; ++i) {
                CHECK(std::isfinite(obs[i]));
                CHECK(obs[i] >= sp.obs_low[i]);
                CHECK(obs[i] <= sp.obs_high[i]);
            }
            ex->act(*env, obs.data(), act.data());
            if (env->step(act.data()).terminated) break;
        }
        // state_distance: a unit, 0 from a state to itself, symmetric, > 0 between the start and 10 steps on
        CHECK_FALSE(sp.distance.empty());
        CHECK_FALSE(sp.distance_unit.empty());
        std::vector<double> s0(sp.state_dim), s1(sp.state_dim);
        env->reset(rng);
        env->get_state(s0.data());
        for (int t = 0; t < 10; ++t) {
            env->observe(obs.data());
            ex->act(*env, obs.data(), act.data());
            env->step(act.data());
        }
        env->get_state(s1.data());
        CHECK(env->state_distance(s0.data(), s0.data()) == 0.0);
        CHECK(env->state_distance(s0.data(), s1.data()) == env->state_distance(s1.data(), s0.data()));
        CHECK(env->state_distance(s0.data(), s1.data()) > 0.0);
    }
}

TEST_CASE("reset(seed) is Gymnasium's: the same seed gives the same observation, another seed another") {
    for (const EnvEntry& row : env_table()) {
        CAPTURE(row.id);
        std::unique_ptr<Env> a = row.make(), b = row.make();
        CHECK(a->reset(uint64_t(5)) == b->reset(uint64_t(5)));
        bool differ = false;
        for (uint64_t s = 6; s < 12; ++s) differ |= a->reset(s) != b->reset(uint64_t(5));
        CHECK(differ);
    }
}

TEST_CASE("get_state / reset_to round trip, and a clone is independent") {
    for (const EnvEntry& row : env_table()) {
        CAPTURE(row.id);
        std::unique_ptr<Env> env = row.make();
        const int D = env->spec().state_dim, S = env->spec().obs_dim, A = env->spec().act_dim;
        Rng rng(derive_seed(3, 1));
        env->reset(rng);
        std::vector<float> act(A, 0.0f);
        for (int a = 0; a < A; ++a) act[a] = 0.5f * env->spec().act_high[a];
        env->step(act.data());
        std::vector<double> s(D), s2(D);
        std::vector<float> o(S), o2(S);
        env->get_state(s.data());
        env->observe(o.data());
        std::unique_ptr<Env> copy = env->clone();
        std::unique_ptr<Env> other = row.make();
        other->reset_to(s.data());
        other->get_state(s2.data());
        other->observe(o2.data());
        CHECK(s == s2);
        CHECK(o == o2);
        // stepping the original leaves the clone where it was
        env->step(act.data());
        copy->get_state(s2.data());
        CHECK(s == s2);
        // and the clone then takes the very same step
        std::vector<double> after(D), after_copy(D);
        env->get_state(after.data());
        copy->step(act.data());
        copy->get_state(after_copy.data());
        CHECK(after == after_copy);
        // bad input: a non-finite action or state is one clear error
        std::vector<float> nan_act(A, NAN);
        CHECK(error_of([&] { copy->step(nan_act.data()); }).find(row.id) != std::string::npos);
        std::vector<double> nan_state(D, NAN);
        CHECK(error_of([&] { copy->reset_to(nan_state.data()); }).find(row.id) != std::string::npos);
    }
}

TEST_CASE("a stored episode replays exactly: reset_to(its first state), then its executed float32 actions") {
    // Noisy expert demonstrations (DART): the training label differs from what was executed; the dataset
    // keeps both, and the executed actions reproduce every recorded state bit for bit.
    for (const EnvEntry& row : env_table()) {
        CAPTURE(row.id);
        std::unique_ptr<Env> env = row.make();
        const int episodes = short_run() ? 2 : 5;
        const double sigma = 0.1 * env->spec().act_high[0];
        const Dataset d = collect_demos(*env, std::shared_ptr<const Expert>(row.experts[0].make()), episodes, 11, sigma);
        REQUIRE(d.executed.rows() == d.size());
        CHECK(d.env == env->spec().identity());
        CHECK(d.seeds == std::vector<uint64_t>{11});
        CHECK((d.executed.array() != d.actions.array()).any());  // the noise was executed, the label is clean
        const int D = env->spec().state_dim;
        std::unique_ptr<Env> replay = row.make();
        std::vector<double> s(D);
        long checked = 0;
        for (int64_t e = 0; e < d.num_episodes(); ++e) {
            const auto [b, end] = d.episode_range(e);
            replay->reset_to(d.states.row(b).data());
            for (int64_t t = b; t < end; ++t) {
                replay->get_state(s.data());
                for (int i = 0; i < D; ++i) REQUIRE(s[i] == d.states(t, i));  // exactly, not approximately
                replay->step(d.executed.row(t).data());
                ++checked;
            }
        }
        CHECK(checked == d.size());
    }
}

TEST_CASE("rollout episodes replay exactly too, and their success is the env's rule over at_goal") {
    for (const EnvEntry& row : env_table()) {
        CAPTURE(row.id);
        std::unique_ptr<Env> env = row.make();
        RolloutConfig rc;
        rc.episodes = 3;
        rc.seed = 4;
        rc.noise_sigma = 0.05 * env->spec().act_high[0];
        const auto eps = rollout_expert(*env, std::shared_ptr<const Expert>(row.experts[0].make()), rc);
        const int W = env->spec().success_window, D = env->spec().state_dim;
        for (const Episode& e : eps) {
            std::unique_ptr<Env> replay = row.make();
            replay->reset_to(e.states.row(0).data());
            for (int t = 0; t < e.length(); ++t) replay->step(e.executed.row(t).data());
            std::vector<double> s(D);
            replay->get_state(s.data());
            CHECK(s == e.final_state);
            CHECK(replay->goal_error() == e.final_error);
            bool rule = e.length() >= W;
            for (int t = e.length() - W; t < e.length() && rule; ++t) rule = e.at_goal[t];
            CHECK(e.success == rule);
            CHECK(e.terminated != e.truncated);
        }
    }
}

TEST_CASE("the registry names what it knows when asked for what it does not") {
    const std::string unknown = error_of([] { make_env("cartpole"); });
    CHECK(unknown.find("unknown environment 'cartpole'") != std::string::npos);
    CHECK(unknown.find("pendulum") != std::string::npos);
    CHECK(unknown.find("point_mass") != std::string::npos);
    const std::string no_expert = error_of([] { make_expert("pendulum", "oracle"); });
    CHECK(no_expert.find("no expert 'oracle'") != std::string::npos);
    CHECK(no_expert.find("pd, swingup") != std::string::npos);
    CHECK(make_env("pendulum")->spec().obs_dim == 3);
    CHECK(find_env("point_mass").experts.at(0).name == "sides");
}

TEST_CASE("Pendulum's spec is Pendulum-v1's spaces, and its identity records its settings") {
    Pendulum p;
    const EnvSpec& sp = p.spec();
    CHECK(sp.act_low == std::vector<float>{-2.0f});
    CHECK(sp.act_high == std::vector<float>{2.0f});
    CHECK(sp.obs_high == std::vector<float>{1.0f, 1.0f, 8.0f});
    CHECK(sp.max_steps == 200);
    CHECK(sp.success_window == 50);
    const double a[2] = {3.1, 0.5}, b[2] = {-3.1, -4.0};  // 0.083 rad apart across ±π; θ̇ does not count
    CHECK(p.state_distance(a, b) == doctest::Approx(2 * 3.141592653589793 - 6.2));
    PendulumConfig moon;
    moon.g = 1.62;
    CHECK(Pendulum(moon).spec().identity() != sp.identity());  // another gravity is another environment
    CHECK(sp.identity().find("\"g\": \"10\"") != std::string::npos);
    moon.dt = -1;
    CHECK(error_of([&] { Pendulum bad(moon); }).find("pendulum: dt") != std::string::npos);
}
