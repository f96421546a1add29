// push: a round pusher shoves a square block across a table into a goal region, with an obstacle between the
// pusher's start and the block (contact-rich like Push-T, bimodal like the point mass). MuJoCo model inline
// in push.cpp (warm-starting off). Also its expert, which goes round the obstacle on a side drawn per episode.
#pragma once
#include <memory>

#include "envs/mujoco/mujoco_env.hpp"

namespace imitate {

// ## Description
// A pusher (a sphere of radius 0.02 m on two slide joints, velocity-controlled) and a block (a 0.08 m square,
// 0.04 m tall, 0.2 kg, sliding, settling and turning on the table with friction 0.5) lie on a table. Push the
// block's centre into the goal disc. A post stands straight between the pusher's start and the block, so the
// pusher must go round it, on the left or on the right, get behind the block and push it up to the goal.
//
//          y ↑     ◎ goal (0, 0.2), radius 0.03
//            |
//            |    ▣  block (x_b, 0), x_b ~ U(−0.03, 0.03), yaw 0
//            |
//      left  ●  right   post (0, −0.2), radius 0.04
//            |
//            ○  pusher (x_p, −0.35), x_p ~ U(−0.02, 0.02)
//
// ## Action space  (A = 2, float32)
// | Num | Action                                  | Min  | Max |
// |-----|-----------------------------------------|------|-----|
// | 0   | commanded pusher velocity x (× 0.2 m/s) | -1.0 | 1.0 |
// | 1   | commanded pusher velocity y (× 0.2 m/s) | -1.0 | 1.0 |
// Clipped to the box by step(); a non-finite action throws std::invalid_argument. Velocity actuators:
// force = kv·(0.2·a − v), kv = 40 N·s/m on a 1 kg pusher (a 25 ms lag), force limited to ±10 N.
//
// ## Observation space  (S = 10, float32)
// | Num | Observation        | Min  | Max | Unit  |
// |-----|--------------------|------|-----|-------|
// | 0   | pusher x           | -Inf | Inf | m     |
// | 1   | pusher y           | -Inf | Inf | m     |
// | 2   | block x            | -Inf | Inf | m     |
// | 3   | block y            | -Inf | Inf | m     |
// | 4   | cos(block yaw)     | -1   | 1   |       |
// | 5   | sin(block yaw)     | -1   | 1   |       |
// | 6   | pusher velocity x  | -Inf | Inf | m/s   |
// | 7   | pusher velocity y  | -Inf | Inf | m/s   |
// | 8   | block velocity x   | -Inf | Inf | m/s   |
// | 9   | block velocity y   | -Inf | Inf | m/s   |
// The goal and the post are fixed, so they are not observed.
//
// ## State  (state_dim = 12, MuJoCo's qpos then qvel)
//   (x_p, y_p, x_b, y_b, z_b, θ_b, then their 6 velocities). z_b is the block's height above its resting
//   height (≈ 0, it settles by a fraction of a millimetre into the soft contact).
//
// ## Dynamics
//   MuJoCo, Euler, timestep 0.005 s, frame_skip 10: one step() = 0.05 s. Contacts: block-table (friction 0.5,
//   the block's weight presses it down), pusher-block, pusher-post, block-post; the pusher does not touch
//   the table (it is held at its height by having no vertical joint).
//
// ## Reward, bounds (−∞, 0] (about −0.2 at the start)
//   r = −‖block centre − goal‖ (x-y plane, metres), after the step.
//
// ## Starting state
//   x_p ~ U(−0.02, 0.02), y_p = −0.35; x_b ~ U(−0.03, 0.03), y_b = 0; z_b = θ_b = 0; at rest. Two
//   rng.uniform() draws in that order (x_p, x_b). Or any state via reset_to().
//
// ## Episode end
//   terminated: the block's centre is within 0.03 m of the goal (success; stepping on keeps simulating).
//   truncated: after max_steps (200) steps = 10 s. Success: at_goal() after the last step (success_window 1).
//
// ## Constants
//   post (0, −0.2) radius 0.04; goal (0, 0.2) radius 0.03; block half-size 0.04 m, 0.2 kg; pusher radius
//   0.02 m, 1 kg; max speed 0.2 m/s per component; timestep 0.005 s, frame_skip 10, 200 steps.
class PushEnv : public MujocoEnv {
public:
    static constexpr int S = 10, A = 2;
    PushEnv();
    using Env::reset;  // reset(seed) next to reset(Rng&)
    std::unique_ptr<Env> clone() const override { return std::make_unique<PushEnv>(*this); }
    void reset(Rng& rng) override;
    void observe(float* obs) const override;
    bool at_goal() const override { return goal_error() < kGoalRadius; }
    double goal_error() const override;  // ‖block centre − goal‖ in metres (x-y plane)
    // The planar positions of the pusher and the block, stacked: ‖(Δx_p, Δy_p, Δx_b, Δy_b)‖ in metres (the
    // block's height, yaw and the velocities are left out: other units, not where the task is)
    double state_distance(const double* a, const double* b) const override;

    static constexpr double kGoalX = 0.0, kGoalY = 0.2, kGoalRadius = 0.03;
    static constexpr double kPostX = 0.0, kPostY = -0.2, kPostRadius = 0.04;
    static constexpr double kBlockHalf = 0.04, kPusherRadius = 0.02, kMaxSpeed = 0.2;
    double pusher_x() const { return state_[0]; }
    double pusher_y() const { return state_[1]; }
    double block_x() const { return state_[2]; }
    double block_y() const { return state_[3]; }
    double block_yaw() const { return state_[5]; }

protected:
    void set_ctrl(const float* clipped, double* ctrl) const override;
    void after_kinematics(const mjData_* d) override { (void)d; }  // everything comes from qpos
    EnvStep outcome(const float* clipped) const override;
    void draw_background(Scene& scene) const override;
};

// ## The "waypoints" expert
// Per episode a side s = −1 (left) or +1 (right), one uniform of Rng(derive_seed(episode_seed, 1)) (< ½:
// left). Then, from the state (no other memory), heading at full speed (the last step shortened to land):
//   1. below the post's centre line: to the waypoint beside the post, (s·0.12, −0.2) (if the pusher is
//      already clearly on one side, |x_p| > 0.06, that side's waypoint);
//   2. not behind the block: to the staging point 0.09 m behind the block on the line from the goal through
//      the block's centre (first beside the block if the pusher is level with it or ahead);
//   3. behind the block (within 0.02 m of that line, 0.05-0.12 m behind the centre): along the line towards
//      the goal, slowing near it, steering back onto the line.
// At the start the two sides' actions are (±0.57, 0.82)·speed; their average points straight at the post.
// Measured: 1000/1000 seeded starts succeed for each of seeds 7, 3 and 2024 (tests/test_mujoco.cpp checks
// >= 95% and the side balance), 45-49% of them going left; successful episodes end within 83 steps.
class PushExpert : public Expert {
public:
    std::unique_ptr<Expert> clone() const override { return std::make_unique<PushExpert>(*this); }
    void reset(uint64_t episode_seed) override;
    // Throws std::invalid_argument unless env is a PushEnv.
    void act(const Env& env, const float* obs, float* action) override;
    int side() const { return side_; }  // −1 left, +1 right: this episode's choice

private:
    int side_ = 1;
};

}  // namespace imitate
