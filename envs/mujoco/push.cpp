// push: the MJCF model, the env's equations around MuJoCo, and the waypoint expert.
// Collision filtering: table contype/conaffinity 1, post and pusher 2, block 3, so the block touches all,
// the pusher touches the block and the post but not the table (it has no vertical joint to rest on it).
#include "envs/mujoco/push.hpp"

#include <mujoco/mujoco.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "envs/mujoco/mujoco_envs.hpp"

namespace imitate {

static const char* kPushXml = R"(
<mujoco model="push">
  <compiler angle="radian"/>
  <option timestep="0.005" integrator="Euler">
    <flag warmstart="disable"/>
  </option>
  <default>
    <geom friction="0.5 0.005 0.0001"/>
    <joint damping="0"/>
  </default>
  <worldbody>
    <geom name="table" type="plane" size="0.5 0.5 0.1" contype="1" conaffinity="1" rgba="0.9 0.9 0.9 1"/>
    <geom name="post" type="capsule" pos="0 -0.2 0.04" size="0.04 0.02" contype="2" conaffinity="2"
          rgba="0.35 0.35 0.35 1"/>
    <body name="pusher" pos="0 0 0.02">
      <joint name="pusher_x" type="slide" axis="1 0 0"/>
      <joint name="pusher_y" type="slide" axis="0 1 0"/>
      <geom name="pusher" type="sphere" size="0.02" mass="1" contype="2" conaffinity="2" rgba="0.2 0.4 0.9 1"/>
    </body>
    <body name="block" pos="0 0 0.02">
      <joint name="block_x" type="slide" axis="1 0 0"/>
      <joint name="block_y" type="slide" axis="0 1 0"/>
      <joint name="block_z" type="slide" axis="0 0 1"/>
      <joint name="block_yaw" type="hinge" axis="0 0 1"/>
      <geom name="block" type="box" size="0.04 0.04 0.02" mass="0.2" contype="3" conaffinity="3"
            rgba="0.85 0.45 0.1 1"/>
    </body>
  </worldbody>
  <actuator>
    <velocity joint="pusher_x" kv="40" forcelimited="true" forcerange="-10 10"/>
    <velocity joint="pusher_y" kv="40" forcelimited="true" forcerange="-10 10"/>
  </actuator>
</mujoco>
)";

static const mjModel* push_model() {
    static const mjModel* m = compile_mjcf("push", kPushXml);
    return m;
}

PushEnv::PushEnv() : MujocoEnv(push_model(), 10) {
    robot_spec("push", "MuJoCo pusher shoves a block into a goal round a post (left or right), velocity control, 10 s",
               S, A, 6, 6);
    const float inf = INFINITY;
    spec_.obs_low = {-inf, -inf, -inf, -inf, -1, -1, -inf, -inf, -inf, -inf};
    spec_.obs_high = {inf, inf, inf, inf, 1, 1, inf, inf, inf, inf};
    spec_.max_steps = 200;
    spec_.success = "block centre within 0.03 m of the goal after the last step (reaching it ends the episode)";
    spec_.distance = "‖(Δpusher, Δblock)‖ in the plane";
    spec_.settings = {{"timestep", "0.005"}, {"frame_skip", "10"},  {"max_speed", "0.2"},
                      {"goal_radius", "0.03"}, {"friction", "0.5"}, {"max_steps", "200"}};
    double s[12] = {};
    s[1] = -0.35;
    load(s);
}

void PushEnv::reset(Rng& rng) {
    double s[12] = {};
    s[0] = rng.uniform(-0.02, 0.02);
    s[1] = -0.35;
    s[2] = rng.uniform(-0.03, 0.03);
    load(s);
}

void PushEnv::set_ctrl(const float* a, double* ctrl) const {
    ctrl[0] = kMaxSpeed * a[0];
    ctrl[1] = kMaxSpeed * a[1];
}

double PushEnv::state_distance(const double* a, const double* b) const {
    double sq = 0;
    for (int i = 0; i < 4; ++i) sq += (a[i] - b[i]) * (a[i] - b[i]);  // pusher (x, y), block (x, y)
    return std::sqrt(sq);
}

double PushEnv::goal_error() const { return std::hypot(state_[2] - kGoalX, state_[3] - kGoalY); }

EnvStep PushEnv::outcome(const float* a) const {
    (void)a;
    EnvStep r;
    r.reward = -goal_error();
    r.terminated = at_goal();
    return r;
}

void PushEnv::observe(float* obs) const {
    const double* q = state_.data();
    const double* v = q + 6;
    const double o[S] = {q[0], q[1], q[2], q[3], std::cos(q[5]), std::sin(q[5]), v[0], v[1], v[2], v[3]};
    for (int i = 0; i < S; ++i) obs[i] = static_cast<float>(o[i]);
}

void PushEnv::draw_background(Scene& scene) const {
    scene.xmin = -0.3;
    scene.xmax = 0.3;
    scene.ymin = -0.42;
    scene.ymax = 0.3;
    Shape goal;
    goal.kind = Shape::Disc;
    goal.x = kGoalX;
    goal.y = kGoalY;
    goal.a = kGoalRadius;
    goal.rgb[0] = 140;
    goal.rgb[1] = 220;
    goal.rgb[2] = 140;
    scene.shapes.push_back(goal);
}

// ------------------------------------------------------------------------------------------ the expert
void PushExpert::reset(uint64_t episode_seed) {
    Rng rng(derive_seed(episode_seed, 1));
    side_ = rng.uniform() < 0.5 ? -1 : 1;
}

void PushExpert::act(const Env& env, const float* obs, float* action) {
    (void)obs;  // privileged: reads the simulator's state
    const auto* e = dynamic_cast<const PushEnv*>(&env);
    if (e == nullptr) throw std::invalid_argument("push expert: env is '" + env.spec().id + "', expected 'push'");
    const double px = e->pusher_x(), py = e->pusher_y(), bx = e->block_x(), by = e->block_y();
    const double dt = 0.05;  // one step: the last leg is shortened so as to land on its point
    auto head_to = [&](double tx, double ty, double speed) {
        const double dx = tx - px, dy = ty - py, d = std::hypot(dx, dy);
        const double v = std::min(speed, d / dt);
        const double vx = d > 0 ? v * dx / d : 0.0, vy = d > 0 ? v * dy / d : 0.0;
        action[0] = static_cast<float>(std::clamp(vx / PushEnv::kMaxSpeed, -1.0, 1.0));
        action[1] = static_cast<float>(std::clamp(vy / PushEnv::kMaxSpeed, -1.0, 1.0));
    };
    const double vmax = PushEnv::kMaxSpeed;
    // 1. Below the post's centre line: to the waypoint beside it.
    if (py < PushEnv::kPostY - 0.005) {
        const int s = std::abs(px) > 0.06 ? (px < 0 ? -1 : 1) : side_;
        head_to(PushEnv::kPostX + s * 0.12, PushEnv::kPostY, vmax);
        return;
    }
    // The push line: from the block's centre towards the goal (u), n its left normal.
    const double gx = PushEnv::kGoalX - bx, gy = PushEnv::kGoalY - by, gd = std::hypot(gx, gy);
    const double ux = gd > 1e-9 ? gx / gd : 0.0, uy = gd > 1e-9 ? gy / gd : 1.0;
    const double nx = -uy, ny = ux;
    const double along = (bx - px) * ux + (by - py) * uy;  // how far behind the block's centre
    const double lat = (px - bx) * nx + (py - by) * ny;    // how far off the line
    // 3. Behind the block: push along the line, slowing near the goal, steering back onto the line.
    if (along >= 0.05 && along <= 0.12 && std::abs(lat) <= 0.02) {
        const double speed = std::min(vmax, 0.05 + 1.5 * gd);
        const double vx = speed * ux - 4.0 * lat * nx, vy = speed * uy - 4.0 * lat * ny;
        action[0] = static_cast<float>(std::clamp(vx / vmax, -1.0, 1.0));
        action[1] = static_cast<float>(std::clamp(vy / vmax, -1.0, 1.0));
        return;
    }
    // 2. To the staging point behind the block; from level with it or ahead, first beside it.
    const double stage = 0.09;
    if (along < 0.03) {
        const double s = lat < 0 ? -1.0 : 1.0;
        head_to(bx + s * 0.1 * nx - stage * ux, by + s * 0.1 * ny - stage * uy, vmax);
        return;
    }
    head_to(bx - stage * ux, by - stage * uy, vmax);
}

EnvEntry push_entry() {
    return {"push", [] { return std::make_unique<PushEnv>(); },
            {{"waypoints",
              "round the post on a random side, behind the block, push it in; 3000/3000 starts, 45-49% left",
              [] { return std::make_unique<PushExpert>(); }}}};
}

}  // namespace imitate
