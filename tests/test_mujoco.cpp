// The MuJoCo robots (envs/mujoco/): reacher and push against the Env contract (spec, reset_to round trip,
// bit-exact replay, clone independence, the same bytes on 1 thread or interleaved across 2), their experts'
// success rates (reacher >= 99%, push >= 95% and each side about half the time, while the average of the two
// sides runs into the post), bad inputs, and the drawing. Built only when meson found MuJoCo.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "envs/mujoco/mujoco_envs.hpp"
#include "envs/mujoco/push.hpp"
#include "envs/mujoco/reacher.hpp"
#include "helpers.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

using namespace imitate;

namespace {

// One recorded episode: the start state, then every action and the state after it.
struct Episode {
    bool success = false;
    int steps = 0;
    std::vector<double> states;  // (T+1, state_dim)
    std::vector<float> actions;  // (T, A)
    std::vector<float> obs;      // (T+1, S)
};

// Episode i of a run seeded `seed`: env from Rng(derive_seed(seed, i)), expert reset with the same seed;
// expert actions until terminated or truncated. success: at_goal() after each of the last success_window steps.
Episode run_episode(Env& env, Expert& expert, uint64_t seed, int i) {
    const EnvSpec& sp = env.spec();
    Rng rng(derive_seed(seed, i));
    env.reset(rng);
    expert.reset(derive_seed(seed, i));
    Episode ep;
    std::vector<double> s(sp.state_dim);
    std::vector<float> obs(sp.obs_dim), a(sp.act_dim);
    env.get_state(s.data());
    ep.states.insert(ep.states.end(), s.begin(), s.end());
    env.observe(obs.data());
    ep.obs.insert(ep.obs.end(), obs.begin(), obs.end());
    int held = 0;
    for (;;) {
        expert.act(env, obs.data(), a.data());
        const EnvStep r = env.step(a.data());
        ++ep.steps;
        held = env.at_goal() ? held + 1 : 0;
        env.get_state(s.data());
        env.observe(obs.data());
        ep.actions.insert(ep.actions.end(), a.begin(), a.end());
        ep.states.insert(ep.states.end(), s.begin(), s.end());
        ep.obs.insert(ep.obs.end(), obs.begin(), obs.end());
        if (r.terminated || r.truncated) break;
    }
    ep.success = held >= sp.success_window;
    return ep;
}


}  // namespace

TEST_CASE("mujoco: table rows and specs") {
    const EnvEntry r = reacher_entry(), p = push_entry();
    CHECK(r.id == "reacher");
    CHECK(p.id == "push");
    REQUIRE(r.experts.size() >= 1);
    REQUIRE(p.experts.size() >= 1);
    CHECK(r.experts[0].name == "jtpd");
    CHECK(p.experts[0].name == "waypoints");
    for (const EnvEntry* e : {&r, &p}) {
        auto env = e->make();
        const EnvSpec& sp = env->spec();
        CAPTURE(sp.id);
        CHECK(sp.id == e->id);
        CHECK(sp.obs_dim == 10);
        CHECK(sp.act_dim == 2);
        CHECK(sp.state_dim == (e->id == "reacher" ? 8 : 12));
        CHECK(sp.act_low == std::vector<float>{-1, -1});
        CHECK(sp.act_high == std::vector<float>{1, 1});
        CHECK(sp.obs_low.size() == 10u);
        CHECK(sp.obs_high.size() == 10u);
        CHECK(sp.max_steps == (e->id == "reacher" ? 100 : 200));
        CHECK(sp.success_window == 1);
        CHECK(!sp.success.empty());
        CHECK(!sp.about.empty());
        CHECK(!sp.settings.empty());
        // Every observation of an expert episode lies within the bounds.
        auto ex = e->experts[0].make();
        const Episode ep = run_episode(*env, *ex, 5, 0);
        for (size_t k = 0; k < ep.obs.size(); ++k) {
            const size_t j = k % 10;
            CHECK(ep.obs[k] >= sp.obs_low[j]);
            CHECK(ep.obs[k] <= sp.obs_high[j]);
        }
    }
}

TEST_CASE("mujoco: reset_to(get_state()) round trip and bit-exact replay of recorded actions") {
    for (const EnvEntry& e : {reacher_entry(), push_entry()}) {
        CAPTURE(e.id);
        auto env = e.make();
        auto ex = e.experts[0].make();
        const Episode ep = run_episode(*env, *ex, 11, 3);
        const int D = env->spec().state_dim, A = env->spec().act_dim, S = env->spec().obs_dim;
        REQUIRE(ep.steps > 10);
        // Round trip in the middle of the episode: the same state and observation back.
        auto other = e.make();
        std::vector<double> s(D), back(D);
        std::copy(ep.states.begin() + 7 * D, ep.states.begin() + 8 * D, s.begin());
        other->reset_to(s.data());
        other->get_state(back.data());
        CHECK(same_bytes(s, back));
        std::vector<float> obs(S);
        other->observe(obs.data());
        CHECK(std::memcmp(obs.data(), ep.obs.data() + 7 * S, S * sizeof(float)) == 0);
        // Replay from the start with the recorded float32 actions: every state bit for bit.
        std::vector<double> start(ep.states.begin(), ep.states.begin() + D);
        other->reset_to(start.data());
        bool all_same = true;
        for (int t = 0; t < ep.steps; ++t) {
            other->step(ep.actions.data() + t * A);
            other->get_state(s.data());
            all_same = all_same && std::memcmp(s.data(), ep.states.data() + (t + 1) * D, D * sizeof(double)) == 0;
        }
        CHECK(all_same);
        CHECK(other->at_goal() == env->at_goal());
        CHECK(other->goal_error() == env->goal_error());
    }
}

TEST_CASE("mujoco: a clone is independent and steps identically") {
    for (const EnvEntry& e : {reacher_entry(), push_entry()}) {
        CAPTURE(e.id);
        auto env = e.make();
        env->reset(3);
        const float a[2] = {0.5f, -0.25f}, b[2] = {-1.0f, 1.0f};
        env->step(a);
        auto copy = env->clone();
        const int D = env->spec().state_dim;
        std::vector<double> s0(D), s1(D), s2(D);
        env->get_state(s0.data());
        copy->get_state(s1.data());
        CHECK(same_bytes(s0, s1));
        for (int t = 0; t < 5; ++t) copy->step(b);  // moving the clone leaves the original where it was
        env->get_state(s1.data());
        CHECK(same_bytes(s0, s1));
        auto twin = env->clone();
        for (int t = 0; t < 5; ++t) {
            env->step(b);
            twin->step(b);
        }
        env->get_state(s1.data());
        twin->get_state(s2.data());
        CHECK(same_bytes(s1, s2));
        CHECK(!same_bytes(s0, s1));
    }
}

TEST_CASE("mujoco: the same episodes give the same bytes on 1 thread and interleaved across 2 threads") {
    for (const EnvEntry& e : {reacher_entry(), push_entry()}) {
        CAPTURE(e.id);
        const int N = 6;
        // Reference: each episode alone on this thread.
        std::vector<std::vector<double>> ref(N);
        for (int i = 0; i < N; ++i) {
            auto env = e.make();
            auto ex = e.experts[0].make();
            ref[i] = run_episode(*env, *ex, 21, i).states;
        }
        // Lockstep: every step, the N episodes are dealt to 2 threads anew (dynamic schedule), so each
        // thread's mjData serves different episodes in turn.
        std::vector<std::unique_ptr<Env>> envs;
        std::vector<std::unique_ptr<Expert>> experts;
        std::vector<std::vector<double>> got(N);
        std::vector<int> done(N, 0);
        const int D = e.make()->spec().state_dim;
        for (int i = 0; i < N; ++i) {
            envs.push_back(e.make());
            experts.push_back(e.experts[0].make());
            Rng rng(derive_seed(21, i));
            envs[i]->reset(rng);
            experts[i]->reset(derive_seed(21, i));
            got[i].resize(D);
            envs[i]->get_state(got[i].data());
        }
        int threads_seen = 1;
        for (int t = 0; t < envs[0]->spec().max_steps; ++t) {
#pragma omp parallel for num_threads(2) schedule(dynamic, 1) reduction(max : threads_seen)
            for (int i = 0; i < N; ++i) {
#ifdef _OPENMP
                threads_seen = std::max(threads_seen, omp_get_num_threads());
#endif
                if (done[i]) continue;
                float obs[10], a[2];
                envs[i]->observe(obs);
                experts[i]->act(*envs[i], obs, a);
                const EnvStep r = envs[i]->step(a);
                const size_t n = got[i].size();
                got[i].resize(n + D);
                envs[i]->get_state(got[i].data() + n);
                done[i] = r.terminated || r.truncated;
            }
        }
        for (int i = 0; i < N; ++i) CHECK(same_bytes(ref[i], got[i]));
        MESSAGE(e.id << ": lockstep ran on " << threads_seen << " thread(s)");
    }
}

TEST_CASE("mujoco: reacher's Jacobian-transpose expert reaches the target in >= 99% of seeded starts") {
    const int N = short_run() ? 200 : 1000;
    auto env = reacher_entry().make();
    auto ex = reacher_entry().experts[0].make();
    int ok = 0;
    double worst = 0;
    for (int i = 0; i < N; ++i) {
        ok += run_episode(*env, *ex, 2024, i).success;
        worst = std::max(worst, env->goal_error());
    }
    MESSAGE("reacher jtpd: " << ok << "/" << N << " succeeded, worst final error " << worst << " m");
    CHECK(ok >= 0.99 * N);
}

TEST_CASE("mujoco: push's expert succeeds in >= 95% of seeded starts and takes each side about half the time") {
    const int N = short_run() ? 200 : 1000;
    auto env = push_entry().make();
    auto ex = push_entry().experts[0].make();
    auto* pe = dynamic_cast<PushExpert*>(ex.get());
    REQUIRE(pe != nullptr);
    int ok = 0, left = 0, passed_left = 0, passed_right = 0;
    for (int i = 0; i < N; ++i) {
        const Episode ep = run_episode(*env, *ex, 2024, i);
        ok += ep.success;
        left += pe->side() < 0;
        // The side actually taken: the pusher's x when it first reaches the post's height.
        for (size_t k = 1; k * 12 < ep.states.size(); ++k)
            if (ep.states[k * 12 + 1] >= PushEnv::kPostY) {
                const double x = ep.states[k * 12];
                passed_left += x < 0 && pe->side() < 0;
                passed_right += x > 0 && pe->side() > 0;
                break;
            }
    }
    MESSAGE("push waypoints: " << ok << "/" << N << " succeeded, " << left << " went left");
    CHECK(ok >= 0.95 * N);
    // Binomial(N, ½): 5 standard deviations either way.
    const double sd = std::sqrt(N * 0.25);
    CHECK(std::abs(left - 0.5 * N) <= 5 * sd);
    CHECK(passed_left + passed_right == N);  // it really went round on the side it drew
}

TEST_CASE("mujoco: push — averaging the two sides' actions (what MSE cloning learns) runs into the post") {
    auto env = push_entry().make();
    PushExpert left, right;
    // Seeds whose coins came out left and right.
    uint64_t sl = 0, sr = 0;
    for (uint64_t s = 0; s < 100 && (sl == 0 || sr == 0); ++s) {
        left.reset(s);
        if (left.side() < 0 && sl == 0) sl = s;
        if (left.side() > 0 && sr == 0) sr = s;
    }
    left.reset(sl);
    right.reset(sr);
    REQUIRE(left.side() == -1);
    REQUIRE(right.side() == 1);
    Rng rng(derive_seed(9, 0));
    env->reset(rng);
    auto* pe = dynamic_cast<PushEnv*>(env.get());
    float obs[10], al[2], ar[2], a[2];
    EnvStep r;
    for (int t = 0; t < env->spec().max_steps; ++t) {
        env->observe(obs);
        left.act(*env, obs, al);
        right.act(*env, obs, ar);
        a[0] = 0.5f * (al[0] + ar[0]);
        a[1] = 0.5f * (al[1] + ar[1]);
        r = env->step(a);
    }
    CHECK(r.truncated);
    CHECK_FALSE(env->at_goal());
    CHECK(pe->pusher_y() < PushEnv::kPostY);  // stuck below the post
    CHECK(std::abs(pe->pusher_x()) < PushEnv::kPostRadius + PushEnv::kPusherRadius);
}

TEST_CASE("mujoco: bad inputs throw actionable errors") {
    for (const EnvEntry& e : {reacher_entry(), push_entry()}) {
        CAPTURE(e.id);
        auto env = e.make();
        env->reset(1);
        const int D = env->spec().state_dim;
        std::vector<double> s0(D), s1(D);
        env->get_state(s0.data());
        const float nan_action[2] = {0.0f, NAN};
        CHECK_THROWS_AS(env->step(nan_action), std::invalid_argument);
        CHECK(error_of([&] { env->step(nan_action); }).find("action[1]") != std::string::npos);
        env->get_state(s1.data());
        CHECK(same_bytes(s0, s1));  // a refused action leaves the state alone
        std::vector<double> bad = s0;
        bad[0] = INFINITY;
        CHECK_THROWS_AS(env->reset_to(bad.data()), std::invalid_argument);
        CHECK(error_of([&] { env->reset_to(bad.data()); }).find("state[0]") != std::string::npos);
        // A velocity beyond MuJoCo's limit (1e10): MuJoCo would silently reset its data; step() says so.
        bad = s0;
        bad[D / 2 + (e.id == "reacher" ? 0 : 2)] = 1e11;
        env->reset_to(bad.data());
        const float zero[2] = {0, 0};
        const std::string msg = error_of([&] { env->step(zero); });
        CHECK(msg == e.id + ": simulation became unstable (non-finite state) at step 1");
        CHECK_THROWS_AS(env->step(zero), std::runtime_error);
        // The experts refuse the other robot's env.
        auto other = (e.id == "reacher" ? push_entry() : reacher_entry()).make();
        auto ex = e.experts[0].make();
        float obs[10], a[2];
        other->observe(obs);
        CHECK_THROWS_AS(ex->act(*other, obs, a), std::invalid_argument);
    }
    // reacher: the target does not move.
    auto env = reacher_entry().make();
    double s[8] = {0, 0, 0.1, 0.1, 0, 0, 0.5, 0};
    CHECK(error_of([&] { env->reset_to(s); }).find("target velocity") != std::string::npos);
}

TEST_CASE("mujoco: out-of-range actions are clipped to the box") {
    for (const EnvEntry& e : {reacher_entry(), push_entry()}) {
        CAPTURE(e.id);
        auto a = e.make(), b = e.make();
        Rng r1(4), r2(4);
        a->reset(r1);
        b->reset(r2);
        const float big[2] = {7.0f, -3.0f}, edge[2] = {1.0f, -1.0f};
        a->step(big);
        b->step(edge);
        const int D = a->spec().state_dim;
        std::vector<double> sa(D), sb(D);
        a->get_state(sa.data());
        b->get_state(sb.data());
        CHECK(same_bytes(sa, sb));
    }
}

TEST_CASE("mujoco: state_distance is where the task is: reacher's fingertips, push's pusher and block") {
    // reacher: against the stretched arm (q1 = q2 = 0, fingertip at (0.21, 0)), the distance is MuJoCo's own
    // fingertip site's distance from (0.21, 0); a full turn of the shoulder and the target's position change nothing
    auto r = reacher_entry().make();
    std::vector<double> s(8), zero(8, 0.0);
    for (int i = 0; i < 5; ++i) {
        Rng rng(100 + i);
        r->reset(rng);
        const float a[2] = {0.8f, -0.6f};
        for (int k = 0; k < 10; ++k) r->step(a);
        r->get_state(s.data());
        const auto& re = dynamic_cast<const ReacherEnv&>(*r);
        CHECK(r->state_distance(s.data(), zero.data()) == doctest::Approx(std::hypot(re.tip_x() - 0.21, re.tip_y())).epsilon(1e-9));
        std::vector<double> turned = s;
        turned[0] += 2 * 3.141592653589793, turned[2] += 0.05, turned[5] += 3.0;
        CHECK(r->state_distance(s.data(), turned.data()) < 1e-12);
    }
    CHECK(r->spec().distance_unit == "m");
    // push: only the planar positions of the pusher and the block count
    auto p = push_entry().make();
    std::vector<double> a(12), b(12);
    Rng rng(7);
    p->reset(rng);
    p->get_state(a.data());
    b = a;
    b[4] += 0.01, b[5] += 1.0, b[8] += 2.0;  // block height, yaw, block velocity
    CHECK(p->state_distance(a.data(), b.data()) == 0.0);
    b[0] += 0.03, b[3] += 0.04;              // pusher x, block y
    CHECK(p->state_distance(a.data(), b.data()) == doctest::Approx(0.05));
    CHECK(p->state_distance(b.data(), a.data()) == p->state_distance(a.data(), b.data()));
}

TEST_CASE("mujoco: draw() shows the robot, the target or goal and the obstacle inside the view") {
    for (const EnvEntry& e : {reacher_entry(), push_entry()}) {
        CAPTURE(e.id);
        auto env = e.make();
        auto ex = e.experts[0].make();
        run_episode(*env, *ex, 8, 1);
        Scene scene;
        env->draw(scene);
        CHECK(scene.xmin < scene.xmax);
        CHECK(scene.ymin < scene.ymax);
        // reacher: target ring, shoulder, two links, fingertip, target; push: goal, post, pusher, block.
        CHECK(scene.shapes.size() == (e.id == "reacher" ? 6u : 4u));
        int segments = 0, boxes = 0;
        for (const Shape& s : scene.shapes) {
            double x0 = s.x, x1 = s.x, y0 = s.y, y1 = s.y;
            if (s.kind == Shape::Disc) {
                x0 -= s.a, x1 += s.a, y0 -= s.a, y1 += s.a;
            } else if (s.kind == Shape::Box) {
                const double r = std::hypot(s.a, s.b);
                x0 -= r, x1 += r, y0 -= r, y1 += r;
                ++boxes;
            } else {
                x0 = std::min(s.x, s.a), x1 = std::max(s.x, s.a), y0 = std::min(s.y, s.b), y1 = std::max(s.y, s.b);
                CHECK(s.width > 0);
                ++segments;
            }
            CHECK(x0 >= scene.xmin);
            CHECK(x1 <= scene.xmax);
            CHECK(y0 >= scene.ymin);
            CHECK(y1 <= scene.ymax);
        }
        CHECK(segments == (e.id == "reacher" ? 2 : 0));
        CHECK(boxes == (e.id == "push" ? 1 : 0));
        // Distinct colours, except reacher's two links.
        for (size_t i = 0; i < scene.shapes.size(); ++i)
            for (size_t j = i + 1; j < scene.shapes.size(); ++j)
                if (!(scene.shapes[i].kind == Shape::Segment && scene.shapes[j].kind == Shape::Segment))
                    CHECK(std::memcmp(scene.shapes[i].rgb, scene.shapes[j].rgb, 3) != 0);
    }
}

TEST_CASE("mujoco: a model that fails to load is one error naming the model and MuJoCo's reason") {
    const std::string msg = error_of([] { compile_mjcf("broken", "<mujoco><worldbody><body><geom type='box'/>"); });
    CHECK(msg.rfind("broken: MuJoCo could not load the model: ", 0) == 0);
    CHECK(msg.find('\n') == std::string::npos);
    const std::string unknown = error_of([] { compile_mjcf("typo", "<mujoco><worldbodyy/></mujoco>"); });
    CHECK(unknown.rfind("typo: MuJoCo could not load the model: ", 0) == 0);
}
