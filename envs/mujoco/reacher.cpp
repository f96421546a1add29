// reacher: the MJCF model, the env's equations around MuJoCo, and the Jacobian-transpose expert.
// Geometry and dynamics follow Gymnasium's reacher.xml (links 0.1 m, gear 200, armature 1, damping 1);
// the target's body sits at the origin so that its slide joints' qpos is its position.
#include "envs/mujoco/reacher.hpp"

#include <mujoco/mujoco.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "envs/mujoco/mujoco_envs.hpp"

namespace imitate {

static const char* kReacherXml = R"(
<mujoco model="reacher">
  <compiler angle="radian" inertiafromgeom="true"/>
  <option timestep="0.01" integrator="Euler">
    <flag warmstart="disable"/>
  </option>
  <default>
    <joint armature="1" damping="1"/>
    <geom contype="0" conaffinity="0" rgba="0.7 0.7 0 1"/>
  </default>
  <worldbody>
    <geom name="table" type="plane" size="0.3 0.3 0.1" rgba="0.9 0.9 0.9 1"/>
    <geom name="shoulder" type="cylinder" fromto="0 0 0 0 0 0.02" size="0.015" rgba="0.9 0.4 0.6 1"/>
    <body name="upper" pos="0 0 0.01">
      <joint name="shoulder" type="hinge" axis="0 0 1"/>
      <geom name="upper" type="capsule" fromto="0 0 0 0.1 0 0" size="0.01" rgba="0.0 0.4 0.6 1"/>
      <body name="fore" pos="0.1 0 0">
        <joint name="elbow" type="hinge" axis="0 0 1" limited="true" range="-3 3"/>
        <geom name="fore" type="capsule" fromto="0 0 0 0.1 0 0" size="0.01" rgba="0.0 0.4 0.6 1"/>
        <geom name="fingertip" type="sphere" pos="0.11 0 0" size="0.008" rgba="0.0 0.8 0.6 1"/>
        <site name="fingertip" pos="0.11 0 0"/>
      </body>
    </body>
    <body name="target" pos="0 0 0.01">
      <joint name="target_x" type="slide" axis="1 0 0" armature="0" damping="0"/>
      <joint name="target_y" type="slide" axis="0 1 0" armature="0" damping="0"/>
      <geom name="target" type="sphere" size="0.01" rgba="0.9 0.2 0.2 1"/>
    </body>
  </worldbody>
  <actuator>
    <motor joint="shoulder" gear="200" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="elbow" gear="200" ctrllimited="true" ctrlrange="-1 1"/>
  </actuator>
</mujoco>
)";

// Joints are numbered in body order: the arm's body comes first, so qpos = (q1, q2, x_t, y_t) as documented.
static const mjModel* reacher_model() {
    static const mjModel* m = compile_mjcf("reacher", kReacherXml);
    return m;
}

ReacherEnv::ReacherEnv() : MujocoEnv(reacher_model(), 2) {
    tip_site_ = mj_name2id(m_, mjOBJ_SITE, "fingertip");
    robot_spec("reacher", "MuJoCo two-link arm reaching a random target (Gymnasium's Reacher), torque control, 2 s",
               S, A, 4, 4);
    if (tip_site_ < 0) throw std::logic_error("reacher: the model's sizes do not match reacher.hpp's state layout");
    const float inf = INFINITY;
    spec_.obs_low = {-1, -1, -1, -1, -inf, -inf, -inf, -inf, -inf, -inf};
    spec_.obs_high = {1, 1, 1, 1, inf, inf, inf, inf, inf, inf};
    spec_.max_steps = 100;
    spec_.success = "fingertip within 0.01 m of the target after the last step";
    spec_.distance = "‖Δfingertip‖";
    spec_.settings = {{"timestep", "0.01"},         {"frame_skip", "2"},       {"gear", "200"},
                      {"target_ring", "0.05-0.19"}, {"goal_tolerance", "0.01"}, {"max_steps", "100"}};
    const double zero[8] = {};
    load(zero);
}

void ReacherEnv::reset(Rng& rng) {
    double s[8] = {};
    s[0] = rng.uniform(-0.1, 0.1);
    s[1] = rng.uniform(-0.1, 0.1);
    const double r = std::sqrt(rng.uniform(0.05 * 0.05, 0.19 * 0.19));
    const double phi = rng.uniform(-std::numbers::pi, std::numbers::pi);
    s[2] = r * std::cos(phi);
    s[3] = r * std::sin(phi);
    s[4] = rng.uniform(-0.005, 0.005);
    s[5] = rng.uniform(-0.005, 0.005);
    load(s);
}

void ReacherEnv::valid_state(const double* s) const {
    if (s[6] != 0.0 || s[7] != 0.0)
        throw std::invalid_argument("reacher: reset_to: target velocity (state[6], state[7]) = (" +
                                    std::to_string(s[6]) + ", " + std::to_string(s[7]) +
                                    "), expected (0, 0): the target does not move");
}

void ReacherEnv::set_ctrl(const float* a, double* ctrl) const {
    ctrl[0] = a[0];
    ctrl[1] = a[1];
}

void ReacherEnv::after_kinematics(const mjData* d) {
    tip_[0] = d->site_xpos[3 * tip_site_];
    tip_[1] = d->site_xpos[3 * tip_site_ + 1];
}

// The fingertip from (q1, q2) by the model's kinematics: elbow 0.1 m along the upper link, fingertip 0.11 m
// along the forearm (tests/test_mujoco.cpp checks it against MuJoCo's site position).
static void fingertip(const double* s, double& x, double& y) {
    x = 0.1 * std::cos(s[0]) + 0.11 * std::cos(s[0] + s[1]);
    y = 0.1 * std::sin(s[0]) + 0.11 * std::sin(s[0] + s[1]);
}

double ReacherEnv::state_distance(const double* a, const double* b) const {
    double xa, ya, xb, yb;
    fingertip(a, xa, ya);
    fingertip(b, xb, yb);
    return std::hypot(xa - xb, ya - yb);
}

double ReacherEnv::goal_error() const { return std::hypot(tip_[0] - state_[2], tip_[1] - state_[3]); }

EnvStep ReacherEnv::outcome(const float* a) const {
    EnvStep r;
    const double a0 = a[0], a1 = a[1];
    r.reward = -goal_error() - 0.1 * (a0 * a0 + a1 * a1);
    return r;
}

void ReacherEnv::observe(float* obs) const {
    // (cos q1, cos q2, sin q1, sin q2, x_t, y_t, q̇1, q̇2, tip − target), as Gymnasium orders it.
    obs[0] = static_cast<float>(std::cos(state_[0]));
    obs[1] = static_cast<float>(std::cos(state_[1]));
    obs[2] = static_cast<float>(std::sin(state_[0]));
    obs[3] = static_cast<float>(std::sin(state_[1]));
    obs[4] = static_cast<float>(state_[2]);
    obs[5] = static_cast<float>(state_[3]);
    obs[6] = static_cast<float>(state_[4]);
    obs[7] = static_cast<float>(state_[5]);
    obs[8] = static_cast<float>(tip_[0] - state_[2]);
    obs[9] = static_cast<float>(tip_[1] - state_[3]);
}

void ReacherEnv::draw_background(Scene& scene) const {
    scene.xmin = scene.ymin = -0.25;
    scene.xmax = scene.ymax = 0.25;
    // The ring the targets are drawn from, faint, under the arm.
    Shape ring;
    ring.kind = Shape::Disc;
    ring.a = 0.19;
    ring.rgb[0] = ring.rgb[1] = ring.rgb[2] = 235;
    scene.shapes.push_back(ring);
}

// ------------------------------------------------------------------------------------------ the expert
void ReacherExpert::act(const Env& env, const float* obs, float* action) {
    (void)obs;  // everything comes from the simulator's state (a privileged expert)
    const auto* e = dynamic_cast<const ReacherEnv*>(&env);
    if (e == nullptr)
        throw std::invalid_argument("reacher expert: env is '" + env.spec().id + "', expected 'reacher'");
    const mjModel* m = e->model();
    const mjData* d = e->kinematics();
    double jac[3 * 4];  // (3, nv): rows x, y, z; columns q1, q2, x_t, y_t
    mj_jacSite(m, d, jac, nullptr, e->tip_site());
    const double* q = e->state().data();
    const double qd1 = q[4], qd2 = q[5];
    const double ex = e->target_x() - e->tip_x(), ey = e->target_y() - e->tip_y();
    const double vx = jac[0] * qd1 + jac[1] * qd2, vy = jac[4] * qd1 + jac[5] * qd2;
    const double fx = cfg_.kp * ex - cfg_.kd * vx, fy = cfg_.kp * ey - cfg_.kd * vy;
    const double t1 = jac[0] * fx + jac[4] * fy - cfg_.kq * qd1;
    // The elbow's bend for the target's distance (law of cosines, on the elbow_sign side): Jᵀ alone
    // cannot fold a stretched arm (the radial direction is singular there); at the target both terms vanish.
    const double L1 = 0.1, L2 = 0.11, r2 = e->target_x() * e->target_x() + e->target_y() * e->target_y();
    const double bend = std::acos(std::clamp((r2 - L1 * L1 - L2 * L2) / (2 * L1 * L2), -1.0, 1.0));
    const double q2_goal = cfg_.elbow_sign * bend;
    const double t2 = jac[1] * fx + jac[5] * fy - cfg_.kq * qd2 + cfg_.kelbow * (q2_goal - q[1]);
    action[0] = static_cast<float>(std::clamp(t1 / ReacherEnv::kGear, -1.0, 1.0));
    action[1] = static_cast<float>(std::clamp(t2 / ReacherEnv::kGear, -1.0, 1.0));
}

EnvEntry reacher_entry() {
    return {"reacher", [] { return std::make_unique<ReacherEnv>(); },
            {{"jtpd", "Jacobian-transpose PD on the fingertip (mj_jacSite) + elbow-angle term; 99.97% of 6000 starts",
              [] { return std::make_unique<ReacherExpert>(); }}}};
}

}  // namespace imitate
