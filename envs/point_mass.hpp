// A 2-D point mass that must get round a disc obstacle to reach a goal: the smallest environment where two
// different actions are both right. The obstacle sits on the straight line from the start to the goal, so a
// demonstrator passes it on the left or on the right, and behaviour cloning with MSE, which averages the two,
// steers straight into it. Also here: the expert that picks a side at random per episode. Rollouts are the
// common ones (envs/rollout.hpp): the state is the position, so an episode's states are its path.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "engine/rng.hpp"
#include "engine/tensor.hpp"
#include "envs/env.hpp"
#include "envs/registry.hpp"

namespace imitate {

// ## Description
// A point in the plane moves with the velocity it is commanded (a single integrator, no inertia). It starts
// near the origin, below a disc obstacle centred on the straight line to the goal, and has to reach the goal
// above the obstacle without touching it. Going round on the left and going round on the right are equally
// good, so the expert's demonstrations are bimodal.
//
//            goal (0, 3), radius 0.2
//                  ◎
//                 / \                 the two ways round
//        left    ⬤⬤⬤    right        obstacle: centre (0, 1.5), radius 0.5
//      (−0.9,1.5) ⬤⬤⬤ (0.9, 1.5)    (the expert's waypoints beside it)
//                 \ /
//                  |                 the expert's fork at y = 0.6
//                  |
//            start (x₀, 0), x₀ ~ U(−0.05, 0.05)
//
// ## Action space  (A = 2)
// | Num | Action          | Min  | Max |
// |-----|-----------------|------|-----|
// | 0   | velocity v_x    | -1.0 | 1.0 |
// | 1   | velocity v_y    | -1.0 | 1.0 |
// Each component is clipped to [-max_speed, max_speed] by step(); a non-finite action throws.
//
// ## Observation space  (S = 2, float32)
// | Num | Observation | Min  | Max |
// |-----|-------------|------|-----|
// | 0   | position x  | -Inf | Inf |
// | 1   | position y  | -Inf | Inf |
// The plane has no walls; an episode that wanders off is ended by the time limit.
//
// ## Dynamics
//   p' = p + dt · clip(v, −max_speed, max_speed)   (p = (x, y), double precision)
// A step moves at most dt·max_speed·√2 ≈ 0.14 < the obstacle's diameter, so a step cannot jump over it.
//
// ## Reward (sparse), bounds [−1, 1]
//   +1 on the step that reaches the goal (‖p' − goal‖ < goal_radius), −1 on the step that enters the
//   obstacle (‖p' − centre‖ < obstacle_radius), 0 otherwise. A collision is checked first.
//
// ## Starting state
//   x₀ ~ U(−start_halfwidth, start_halfwidth) (one rng.uniform draw), y₀ = 0; or any point via reset_to().
//
// ## Episode end
//   terminated: the goal is reached (success) or the obstacle is entered (failure).
//   truncated: after max_steps (60) steps without either. Stepping a finished episode throws.
//
// ## Success and state (the Env contract, id "point_mass")
//   at_goal: the goal was reached (the episode terminated there); success_window 1. State: (x, y) in double.
//   Env::step counts steps but leaves the time limit to the caller: only a terminated episode refuses steps.
//
// ## Constants
//   dt 0.1, max_speed 1 per component, obstacle centre (0, 1.5) radius 0.5, goal (0, 3) radius 0.2,
//   start band ±0.05, 60 steps. The straight path is 3 long; the expert's way round (up to the fork, past
//   (±0.9, 1.5)) about 3.6: at most 35 steps at speed 1 (tests/test_point_mass.cpp).
struct PointMassConfig {
    double dt = 0.1;                // integration step
    double max_speed = 1.0;         // each velocity component is clipped to ±max_speed
    double start_halfwidth = 0.05;  // x₀ ~ U(−w, w), y₀ = 0
    double obstacle_x = 0.0, obstacle_y = 1.5, obstacle_radius = 0.5;  // the disc to go round
    double goal_x = 0.0, goal_y = 3.0, goal_radius = 0.2;              // success: within goal_radius
    int max_steps = 60;             // TimeLimit: truncated on the max_steps-th step
};

// Throws std::invalid_argument("point_mass: <field> = <value>, expected <range>") unless dt > 0,
// max_speed > 0, start_halfwidth >= 0, both radii > 0, max_steps >= 1 (all finite), and neither the start
// band nor the goal overlaps the obstacle.
void validate(const PointMassConfig& c);

struct PointMassStep {
    double reward;    // +1 goal, −1 collision, 0 otherwise
    bool terminated;  // goal reached or obstacle entered
    bool truncated;   // max_steps steps taken without terminating
};

class PointMass : public Env {
public:
    static constexpr int S = 2;  // observation width
    static constexpr int A = 2;  // action width

    // Validates cfg (see validate above).
    explicit PointMass(const PointMassConfig& cfg = {});

    // x₀ ~ U(−w, w) (exactly one rng.uniform() draw), y₀ = 0. Resets the step count and the flags.
    void reset(Rng& rng) override;
    using Env::reset;
    // Starts at (x, y). Throws std::invalid_argument if (x, y) is not finite or lies inside the obstacle.
    void reset_to(double x, double y);
    // Moves by dt · clip(v). Throws std::invalid_argument if vx or vy is not finite, std::logic_error if
    // the episode has already ended (terminated or truncated) since the last reset.
    PointMassStep step(double vx, double vy);

    // obs[0..2) = float32 (x, y).
    void observe(float* obs) const override;

    // The Env contract (envs/env.hpp).
    const EnvSpec& spec() const override { return spec_; }
    std::unique_ptr<Env> clone() const override { return std::make_unique<PointMass>(*this); }
    // Any finite position, inside the obstacle or the goal too (a recorded final state): the flags follow it.
    void reset_to(const double* state) override;
    EnvStep step(const float* action) override;
    void get_state(double* state) const override { state[0] = x_, state[1] = y_; }
    bool at_goal() const override { return goal_; }
    double goal_error() const override;  // distance from the goal's centre
    void draw(Scene& scene) const override;

    double x() const { return x_; }
    double y() const { return y_; }
    int elapsed() const { return elapsed_; }       // steps since the last reset
    bool reached_goal() const { return goal_; }    // the episode ended at the goal
    bool collided() const { return collided_; }    // the episode ended in the obstacle
    bool done() const { return goal_ || collided_ || elapsed_ >= cfg_.max_steps; }
    const PointMassConfig& config() const { return cfg_; }

private:
    PointMassStep advance(double vx, double vy);  // the dynamics, after the checks

    PointMassConfig cfg_;
    EnvSpec spec_;
    double x_ = 0.0, y_ = 0.0;
    int elapsed_ = 0;
    bool goal_ = false, collided_ = false;
};

// ------------------------------------------------------------------------------------------ the expert
// Moves at `speed` (the velocity's norm, ≤ max_speed): 1. straight up to the fork at height fork_y (the same
// path whichever side it takes, so the observation says nothing about the side up to there); 2. towards the
// waypoint beside the obstacle on its side, (obstacle_x + side·waypoint_dx, obstacle_y), until within
// switch_dy below the waypoint's height; 3. towards the goal. The last step before the fork, a waypoint or the
// goal is shortened to land on it. Every leg clears the obstacle by more than 0.1 from any start in the band.
// At the fork the two valid actions are (±0.71, 0.71): their average, (0, 0.71), heads into the obstacle.
struct PointMassExpertConfig {
    double speed = 1.0;        // norm of the commanded velocity
    double fork_y = 0.6;       // straight up until this height, then round one side
    double waypoint_dx = 0.9;  // waypoints at obstacle_x ± waypoint_dx, height obstacle_y
    double switch_dy = 0.05;   // head for the goal once y >= obstacle_y − switch_dy
};

// The expert's velocity at observation obs (2 floats) for side −1 (left) or +1 (right).
// Throws std::invalid_argument if side is not ±1.
std::array<float, 2> point_mass_expert_action(const float* obs, int side, const PointMassConfig& env = {},
                                              const PointMassExpertConfig& cfg = {});

// One side per episode of a rollout with this seed: side i is −1 or +1 with probability ½ each, one uniform
// of Rng(derive_seed(derive_seed(seed, i), 1)) (a stream apart from the start's Rng(derive_seed(seed, i))).
// The same draw PointMassExpert::reset makes.
std::vector<int> point_mass_sides(int episodes, uint64_t seed);

// The expert as an Expert (envs/env.hpp): reset(episode_seed) draws the side, act() steers to it.
class PointMassExpert : public Expert {
public:
    explicit PointMassExpert(const PointMassConfig& env = {}, const PointMassExpertConfig& cfg = {})
        : env_(env), cfg_(cfg) {}
    std::unique_ptr<Expert> clone() const override { return std::make_unique<PointMassExpert>(*this); }
    void reset(uint64_t episode_seed) override;
    void act(const Env& env, const float* obs, float* action) override;
    int side() const { return side_; }

private:
    PointMassConfig env_;
    PointMassExpertConfig cfg_;
    int side_ = 1;
};

// The side an episode went round: the sign of x (−1 left, +1 right) at the first step that crosses the
// obstacle centre's height from below, from its states (T,2) and the final state; 0 if no step crosses it.
int passing_side(const MatD& states, const std::vector<double>& final_state, const PointMassConfig& env = {});

// The table's row: "point_mass" with the expert "sides".
EnvEntry point_mass_entry();

}  // namespace imitate
