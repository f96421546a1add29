// reacher: a planar two-link arm reaching a random target, in the spirit of Gymnasium's Reacher (our own
// MJCF, inline in reacher.cpp, warm-starting off), and its Jacobian-transpose PD expert.
#pragma once
#include <memory>

#include "envs/mujoco/mujoco_env.hpp"

namespace imitate {

// ## Description
// A two-jointed arm lies on a table, its shoulder fixed at the origin, turning about vertical axes. Links of
// 0.1 m each; the fingertip sits 0.11 m beyond the elbow, so it reaches 0.018 m (elbow folded to its 3 rad
// limit) to 0.21 m (stretched) from the shoulder. Move the fingertip onto the target, a point on the table.
//
//        y ↑           ● target (x_t, y_t), drawn in the ring 0.05 ≤ r ≤ 0.19
//          |
//          ◉━━━━━━●━━━━━━━○      shoulder (0, 0) ── 0.1 ── elbow ── 0.11 ── fingertip
//          └──────────────→ x    (start: both angles ≈ 0, the arm stretched along +x)
//
// ## Action space  (A = 2, float32)
// | Num | Action                                       | Min  | Max |
// |-----|----------------------------------------------|------|-----|
// | 0   | torque on the shoulder (× gear 200, N·m)     | -1.0 | 1.0 |
// | 1   | torque on the elbow (× gear 200, N·m)        | -1.0 | 1.0 |
// Clipped to the box by step(); a non-finite action throws std::invalid_argument.
//
// ## Observation space  (S = 10, float32)
// | Num | Observation                       | Min  | Max  | Unit  |
// |-----|-----------------------------------|------|------|-------|
// | 0   | cos q1 (shoulder angle)           | -1   | 1    |       |
// | 1   | cos q2 (elbow angle, relative)    | -1   | 1    |       |
// | 2   | sin q1                            | -1   | 1    |       |
// | 3   | sin q2                            | -1   | 1    |       |
// | 4   | target x                          | -Inf | Inf  | m     |
// | 5   | target y                          | -Inf | Inf  | m     |
// | 6   | q̇1                                | -Inf | Inf  | rad/s |
// | 7   | q̇2                                | -Inf | Inf  | rad/s |
// | 8   | fingertip x − target x            | -Inf | Inf  | m     |
// | 9   | fingertip y − target y            | -Inf | Inf  | m     |
//
// ## State  (state_dim = 8, MuJoCo's qpos then qvel)
//   (q1, q2, x_t, y_t, q̇1, q̇2, ẋ_t, ẏ_t). The target sits on two frictionless slide joints (as in
//   Gymnasium) that nothing pushes: its velocity stays 0, and reset_to() rejects a state where it is not.
//
// ## Dynamics
//   MuJoCo, Euler, timestep 0.01 s, frame_skip 2: one step() = 0.02 s. Joints: armature 1, damping 1; the
//   elbow is limited to ±3 rad; no contacts (every geom has contype = conaffinity = 0); gravity is along the
//   hinge axes and does no work.
//
// ## Reward, bounds [−0.6, 0] for targets drawn by reset()
//   r = −‖fingertip − target‖ − 0.1·‖a‖², with a the clipped action, after the step (Gymnasium v5's order).
//   Distance ≤ 0.21 + 0.19 = 0.4 m, ‖a‖² ≤ 2.
//
// ## Starting state
//   q1, q2 ~ U(−0.1, 0.1); target radius r = √U(0.05², 0.19²) and angle φ ~ U(−π, π) (uniform over the
//   ring's area); q̇1, q̇2 ~ U(−0.005, 0.005); target velocity 0. Six rng.uniform() draws in that order
//   (q1, q2, r, φ, q̇1, q̇2). Or any state via reset_to().
//
// ## Episode end
//   terminated: never. truncated: after max_steps (100) steps = 2 s. Stepping on keeps simulating, truncated
//   stays true. Success: the fingertip within 1 cm of the target after the last step (success_window 1).
//
// ## Constants
//   links 0.1 + 0.11 m, gear 200, armature 1, damping 1, elbow range ±3 rad, timestep 0.01 s, frame_skip 2,
//   target ring [0.05, 0.19] m, goal tolerance 0.01 m, 100 steps.
class ReacherEnv : public MujocoEnv {
public:
    static constexpr int S = 10, A = 2;
    ReacherEnv();
    using Env::reset;  // reset(seed) next to reset(Rng&)
    std::unique_ptr<Env> clone() const override { return std::make_unique<ReacherEnv>(*this); }
    void reset(Rng& rng) override;
    void observe(float* obs) const override;
    bool at_goal() const override { return goal_error() < kGoalTolerance; }
    double goal_error() const override;  // ‖fingertip − target‖ in metres
    // ‖fingertip(a) − fingertip(b)‖ in metres (joint angles wrap and velocities are another unit: the
    // fingertip is where the task is)
    double state_distance(const double* a, const double* b) const override;

    static constexpr double kGoalTolerance = 0.01;
    static constexpr double kGear = 200.0;
    double tip_x() const { return tip_[0]; }
    double tip_y() const { return tip_[1]; }
    double target_x() const { return state_[2]; }
    double target_y() const { return state_[3]; }
    int tip_site() const { return tip_site_; }

protected:
    void valid_state(const double* state) const override;
    void set_ctrl(const float* clipped, double* ctrl) const override;
    void after_kinematics(const mjData_* d) override;
    EnvStep outcome(const float* clipped) const override;
    void draw_background(Scene& scene) const override;

private:
    int tip_site_ = -1;
    double tip_[2] = {0, 0};  // fingertip (x, y) of the current state
};

// ## The "jtpd" expert: Jacobian-transpose PD in task space
//   e = target − fingertip, v = J q̇ (J: the fingertip's 2×2 translational Jacobian, mj_jacSite),
//   τ = Jᵀ (kp·e − kd·v) − kq·q̇ + (0, kelbow·(q2* − q2)),   a = clip(τ / gear, −1, 1),
// with q2* = elbow_sign·acos((‖target‖² − L1² − L2²) / (2 L1 L2)) the elbow angle that puts the fingertip at
// the target's distance. A PD on the fingertip seen through Jᵀ, joint damping kq, and the elbow term that Jᵀ
// lacks at the stretched start (a singular pose where it cannot pull the fingertip inwards). The elbow side is
// fixed (following the current q2's sign let the elbow flip mid-reach and miss; a fixed side also keeps the
// demonstrations unimodal). No per-episode memory. Measured: 5998 of 6000 seeded starts succeed (1000 for
// each of seeds 1, 2, 3, 7, 11, 2024; 99.8-100% per seed); tests/test_mujoco.cpp checks >= 99%.
struct ReacherExpertConfig {
    double kp = 20000.0;      // N/m on the fingertip error
    double kd = 200.0;        // N·s/m on the fingertip velocity
    double kq = 4.0;          // N·m·s/rad on the joint velocities
    double kelbow = 250.0;    // N·m/rad towards the elbow angle that puts the fingertip at the target's distance
    double elbow_sign = 1.0;  // which of the two poses reaching a target: +1 elbow bent counter-clockwise
};

class ReacherExpert : public Expert {
public:
    explicit ReacherExpert(const ReacherExpertConfig& cfg = {}) : cfg_(cfg) {}
    std::unique_ptr<Expert> clone() const override { return std::make_unique<ReacherExpert>(*this); }
    // Throws std::invalid_argument unless env is a ReacherEnv.
    void act(const Env& env, const float* obs, float* action) override;

private:
    ReacherExpertConfig cfg_;
};

}  // namespace imitate
