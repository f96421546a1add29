// The 2-D point mass (envs/point_mass.hpp): the step equations and clipping, collision and goal
// termination, the expert (always succeeds, passes left or right about half the time each), lockstep
// rollouts through the generic loop of envs/rollout.hpp (chunks executed open loop, determinism for a seed;
// paths are the states plus the final state), and bad inputs rejected with the field named.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "envs/point_mass.hpp"
#include "envs/rollout.hpp"
#include "helpers.hpp"

using namespace imitate;

// An episode's path: its T states, then the final state: (T+1, 2).
static MatD path_of(const Episode& e) {
    MatD p(e.states.rows() + 1, 2);
    p.topRows(e.states.rows()) = e.states;
    p(e.states.rows(), 0) = e.final_state.at(0);
    p(e.states.rows(), 1) = e.final_state.at(1);
    return p;
}

static std::vector<Episode> expert_rollout(const RolloutConfig& cfg) {
    return rollout_expert(PointMass(), std::make_shared<PointMassExpert>(), cfg);
}

TEST_CASE("point mass: p' = p + dt·clip(v); reward and flags") {
    PointMass env;
    env.reset_to(1.0, 0.0);
    PointMassStep r = env.step(0.3, -0.5);
    CHECK(env.x() == doctest::Approx(1.03));
    CHECK(env.y() == doctest::Approx(-0.05));
    CHECK(r.reward == 0.0);
    CHECK_FALSE(r.terminated);
    CHECK_FALSE(r.truncated);
    // Each component clipped to ±1 separately: (5, -3) moves by (0.1, -0.1).
    r = env.step(5.0, -3.0);
    CHECK(env.x() == doctest::Approx(1.13));
    CHECK(env.y() == doctest::Approx(-0.15));
    CHECK(env.elapsed() == 2);
    float obs[2];
    env.observe(obs);
    CHECK(obs[0] == static_cast<float>(env.x()));
    CHECK(obs[1] == static_cast<float>(env.y()));
}

TEST_CASE("point mass: entering the obstacle terminates with −1; reaching the goal with +1; time limit truncates") {
    PointMass env;
    env.reset_to(0.0, 0.95);  // 0.05 below the obstacle's edge (centre (0, 1.5), radius 0.5)
    PointMassStep r = env.step(0.0, 1.0);
    CHECK(r.terminated);
    CHECK(r.reward == -1.0);
    CHECK(env.collided());
    CHECK_FALSE(env.reached_goal());
    CHECK(error_of([&] { env.step(0, 1); }).find("after the episode ended (collision") != std::string::npos);

    env.reset_to(0.0, 2.75);  // 0.25 below the goal (radius 0.2)
    r = env.step(0.0, 1.0);
    CHECK(r.terminated);
    CHECK(r.reward == 1.0);
    CHECK(env.reached_goal());

    PointMassConfig c;
    c.max_steps = 3;
    PointMass slow(c);
    slow.reset_to(5.0, 0.0);
    for (int t = 0; t < 2; ++t) CHECK_FALSE(slow.step(0, 0).truncated);
    r = slow.step(0, 0);
    CHECK(r.truncated);
    CHECK_FALSE(r.terminated);
    CHECK(slow.done());
}

TEST_CASE("point mass: reset draws x₀ in the start band from one uniform, y₀ = 0") {
    PointMass env;
    for (uint64_t s = 0; s < 200; ++s) {
        Rng rng(s), copy(s);
        env.reset(rng);
        CHECK(std::abs(env.x()) <= 0.05);
        CHECK(env.y() == 0.0);
        copy.uniform();
        CHECK(rng.uniform() == copy.uniform());  // exactly one draw
    }
}

TEST_CASE("point mass expert: succeeds from every start, passes left or right about half the time each") {
    RolloutConfig cfg;
    cfg.episodes = 400;
    cfg.seed = 11;
    const auto eps = expert_rollout(cfg);
    const std::vector<int> sides = point_mass_sides(cfg.episodes, cfg.seed);
    int ok = 0, left = 0, longest = 0;
    double closest = 1e9;  // closest approach to the obstacle's centre over all paths
    PointMassExpert expert;
    for (size_t i = 0; i < eps.size(); ++i) {
        const Episode& e = eps[i];
        ok += e.success;
        const int side = passing_side(e.states, e.final_state);
        left += side == -1;
        expert.reset(e.seed);
        CHECK(expert.side() == sides[i]);  // the expert's draw is point_mass_sides'
        CHECK(side == sides[i]);           // and it passes on the side it drew
        CHECK(e.terminated);               // at the goal, not in the obstacle
        CHECK(e.rewards.back() == 1.0);
        longest = std::max(longest, e.length());
        const MatD path = path_of(e);
        for (Eigen::Index t = 0; t < path.rows(); ++t) closest = std::min(closest, std::hypot(path(t, 0), path(t, 1) - 1.5));
        CHECK(e.actions.cwiseAbs().maxCoeff() <= 1.0f);
    }
    MESSAGE("expert: " << ok << "/400 succeed, " << left << " pass left, longest " << longest << " steps, closest approach "
                       << closest);
    CHECK(ok == 400);
    CHECK(left >= 160);  // 400 fair coins: 200 ± 10 (std); [160, 240] is ± 4 std
    CHECK(left <= 240);
    CHECK(longest < 60);
    CHECK(closest > 0.6);  // more than 0.1 of clearance beyond the radius 0.5
}

TEST_CASE("point mass rollout: same seed, same bytes; chunks run open loop; starts honoured") {
    RolloutConfig cfg;
    cfg.episodes = 20;
    cfg.seed = 5;
    const auto a = expert_rollout(cfg), b = expert_rollout(cfg);
    cfg.seed = 6;
    const auto c = expert_rollout(cfg);
    bool differ = false;
    for (int i = 0; i < 20; ++i) {
        CHECK(path_of(a[i]) == path_of(b[i]));
        CHECK(a[i].actions == b[i].actions);
        differ |= a[i].states(0, 0) != c[i].states(0, 0);
    }
    CHECK(differ);

    // A chunk policy (H = 3) counting its queries: 3 steps per query, the 3 actions in order.
    int queries = 0;
    BatchPolicy up = [&](const Mat& obs, Mat& out) {
        ++queries;
        out.resize(obs.rows(), 6);
        for (Eigen::Index b = 0; b < obs.rows(); ++b) out.row(b) << 1, 0, 0, 1, -1, 0;
    };
    PointMassConfig seven;
    seven.max_steps = 7;
    RolloutConfig h3;  // H = 3: the policy returns 6 = H·A values per row
    h3.episodes = 2;
    h3.starts = {{3.0, 0.0}, {-3.0, 0.0}};
    const auto eps = rollout(PointMass(seven), up, h3);
    CHECK(queries == 3);  // t = 0, 3, 6
    for (const auto& e : eps) {
        REQUIRE(e.actions.rows() == 7);
        CHECK(e.truncated);
        CHECK_FALSE(e.terminated);
        CHECK(passing_side(e.states, e.final_state) == 0);  // never reached the obstacle's height
        CHECK(e.actions(4, 1) == 1.0f);
        CHECK(e.final_state[1] == doctest::Approx(0.2));  // two steps up of 0.1 (t = 1, 4)
    }
    CHECK(eps[0].final_state[0] == doctest::Approx(3.1));  // +0.1, −0.1, +0.1, −0.1, +0.1 over t = 0, 2, 3, 5, 6

    // A straight-up policy from the centre line hits the obstacle: the MSE average's failure.
    BatchPolicy straight = [](const Mat& obs, Mat& out) {
        out = Mat::Zero(obs.rows(), 2);
        out.col(1).setOnes();
    };
    RolloutConfig mid;
    mid.episodes = 10;
    for (const auto& e : rollout(PointMass(), straight, mid)) {
        CHECK(e.terminated);
        CHECK(e.rewards.back() == -1.0);  // the collision's reward
        CHECK_FALSE(e.success);
        CHECK(e.actions.rows() == 11);  // y = 1.1 after 11 steps: the first inside (y = 1.0 grazes the edge)
    }
}

TEST_CASE("point mass: bad inputs are rejected with the field named") {
    PointMass env;
    CHECK(error_of([&] { env.step(std::nan(""), 0); }).find("point_mass: action (nan") != std::string::npos);
    CHECK(error_of([&] { env.reset_to(0.0, 1.5); }).find("inside the obstacle") != std::string::npos);
    CHECK(error_of([&] { env.reset_to(INFINITY, 0.0); }).find("expected a finite position") != std::string::npos);
    PointMassConfig c;
    c.dt = 0;
    CHECK(error_of([&] { PointMass p(c); }) == "point_mass: dt = 0.000000, expected finite and > 0");
    c = {};
    c.max_steps = 0;
    CHECK(error_of([&] { PointMass p(c); }).find("max_steps = 0") != std::string::npos);
    c = {};
    c.obstacle_radius = 1.6;
    CHECK(error_of([&] { PointMass p(c); }).find("start band") != std::string::npos);
    CHECK(error_of([] { point_mass_expert_action(std::array<float, 2>{0, 0}.data(), 0); }).find("side = 0") != std::string::npos);

    RolloutConfig r;
    r.episodes = 2;
    BatchPolicy three = [](const Mat& obs, Mat& out) { out = Mat::Zero(obs.rows(), 3); };  // 3 columns: no H with H·2
    CHECK(error_of([&] { rollout(PointMass(), three, r); }).find("expected (2, H·A) with A = 2") != std::string::npos);
    r = {};
    r.episodes = 2;
    r.starts = {{1.0, 0.0}};
    BatchPolicy zeros = [](const Mat& obs, Mat& out) { out = Mat::Zero(obs.rows(), 2); };
    CHECK(error_of([&] { rollout(env, zeros, r); }).find("starts.size()") != std::string::npos);
    r.starts = {{1.0, 0.0}, {1.0}};  // a point mass state is (x, y)
    CHECK(error_of([&] { rollout(env, zeros, r); }).find("starts[i].size()") != std::string::npos);
    r.starts.clear();
    BatchPolicy three_rows = [](const Mat&, Mat& out) { out = Mat::Zero(3, 2); };
    CHECK(error_of([&] { rollout(env, three_rows, r); }).find("shape (3,2), expected (2, H·A)") != std::string::npos);
    BatchPolicy wrong = [](const Mat& obs, Mat& out) { out = Mat::Zero(obs.rows(), 1); };
    CHECK(error_of([&] { rollout(env, wrong, r); }) ==
          "rollout: policy returned shape (2,1), expected (2, H·A) with A = 2 and H >= 1");
}
