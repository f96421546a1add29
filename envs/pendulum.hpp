// Pendulum-v1, exactly as Gymnasium's classic_control/pendulum.py behind gym.make's 200-step TimeLimit.
// The state is double (as NumPy computes it); observations are rounded to float32 at the end, as Gymnasium
// does. Trajectories agree with the NumPy replica (../shared/anchors/pendulum.py) to 1e-6 given the same
// start state and actions: tests/test_pendulum.cpp checks it against tests/fixtures/pendulum_ref.txt.
#pragma once
#include <array>

#include "engine/rng.hpp"
#include "envs/env.hpp"

namespace imitate {

// ## Description
// The inverted pendulum swing-up problem: a pendulum is attached at one end to a fixed point, the other
// end is free. It starts in a random position and the goal is to apply torque on the free end to swing it
// into an upright position, with its centre of gravity right above the fixed point.
// θ is the angle from upright (0 = up, ±π = hanging down), counter-clockwise positive.
//
// ## Action space  (A = 1)
// | Num | Action | Min  | Max |
// |-----|--------|------|-----|
// | 0   | Torque | -2.0 | 2.0 |
// Actions outside the range are clipped to it by step() (the clipped torque also enters the reward).
//
// ## Observation space  (S = 3, float32)
// | Num | Observation      | Min  | Max |
// |-----|------------------|------|-----|
// | 0   | x = cos(θ)       | -1.0 | 1.0 |
// | 1   | y = sin(θ)       | -1.0 | 1.0 |
// | 2   | angular velocity | -8.0 | 8.0 |
//
// ## Reward
//   r = -(angle_normalize(θ)² + 0.1·θ̇² + 0.001·u²), from the state BEFORE the step and the clipped u.
// Bounds: min -(π² + 0.1·8² + 0.001·2²) = -16.2736044, max 0 (upright, at rest, no torque).
//
// ## Starting state
//   θ ~ U(-π, π), θ̇ ~ U(-1, 1), drawn from our Rng (not NumPy's PCG64, so seeds do not carry over), or any
//   given state via reset_to().
//
// ## Episode end
//   terminated: never.  truncated: after max_steps (200) steps, as gym.make's TimeLimit.
//
// ## Success (the project's, not Gymnasium's; rollouts and evaluation use it through the Env contract)
//   at_goal: |angle_normalize(θ)| < 0.1 rad after a step; success: at_goal after each of the last 50 steps.
//
// ## Simulator state (Env::get_state, Dataset::states)
//   (θ, θ̇) in double: reset_to(state) then the recorded float32 actions reproduce every state exactly.
//
// ## Constants
//   max_speed 8 rad/s, max_torque 2, dt 0.05 s, g 10 m/s² (settable), m 1 kg, l 1 m.
struct PendulumConfig {
    double g = 10.0;          // gravity (Gymnasium's `g` argument)
    double max_speed = 8.0;   // |θ̇| is clipped to this after every step
    double max_torque = 2.0;  // |u| is clipped to this before every step
    double dt = 0.05;         // integration step (semi-implicit Euler)
    double m = 1.0;           // mass
    double l = 1.0;           // length
    int max_steps = 200;      // TimeLimit: truncated on the max_steps-th step
};

// (x + π) mod 2π − π with Python's floor-mod (the remainder has the sign of 2π); std::fmod would keep the
// sign of x. angle_normalize(-4) = 2.2831853... The result lies in [-π, π) for every finite x, except that,
// as in Python, x + π a hair below 0 rounds up to exactly π.
double angle_normalize(double x);

struct StepResult {
    double reward;    // -cost of the pre-step state and the clipped torque, in [-16.2736044, 0]
    bool terminated;  // always false
    bool truncated;   // true once max_steps steps have been taken since the last reset
};

class Pendulum : public Env {
public:
    static constexpr int S = 3;  // observation width
    static constexpr int A = 1;  // action width
    static constexpr double kUprightAngle = 0.1;  // at_goal: |angle_normalize(θ)| below this (rad)
    static constexpr int kSuccessWindow = 50;     // success: at_goal after each of the last 50 steps

    // Throws std::invalid_argument unless every setting is finite, dt, m, l, max_torque, max_speed > 0 and
    // max_steps >= 1.
    explicit Pendulum(const PendulumConfig& cfg = {});

    // θ ~ U(-π, π) then θ̇ ~ U(-1, 1): exactly two rng.uniform() draws, in that order. Resets the step count.
    void reset(Rng& rng) override;
    using Env::reset;  // reset(seed) -> observation
    // Starts from the given state (θ is taken as is, not wrapped). Resets the step count.
    void reset_to(double theta, double thetadot);
    // Applies torque u (clipped to ±max_torque) for dt. Stepping past truncation keeps going (truncated stays
    // true), as Gymnasium's TimeLimit does. A NaN u propagates into the state.
    StepResult step(double u);

    // obs[0..3) = float32 [cos θ, sin θ, θ̇].
    void observe(float* obs) const override;
    std::array<float, S> observation() const;

    // The Env contract (envs/env.hpp): id "pendulum", state (θ, θ̇). step(action) applies the float32
    // torque action[0] (widened to double, as NumPy promotes it) and throws std::invalid_argument if it is
    // not finite; it leaves `truncated` to the caller.
    const EnvSpec& spec() const override { return spec_; }
    std::unique_ptr<Env> clone() const override { return std::make_unique<Pendulum>(*this); }
    void reset_to(const double* state) override;
    EnvStep step(const float* action) override;
    void get_state(double* state) const override;
    bool at_goal() const override;
    double goal_error() const override;  // |angle_normalize(θ)|, rad
    double state_distance(const double* a, const double* b) const override;  // |angle_normalize(θ_a − θ_b)|, rad
    void draw(Scene& scene) const override;

    double theta() const { return th_; }         // never wrapped: may leave [-π, π)
    double thetadot() const { return thdot_; }   // within ±max_speed after any step
    int elapsed() const { return elapsed_; }     // steps since the last reset
    const PendulumConfig& config() const { return cfg_; }

private:
    PendulumConfig cfg_;
    EnvSpec spec_;
    double th_ = 0.0, thdot_ = 0.0;
    int elapsed_ = 0;
};

}  // namespace imitate
