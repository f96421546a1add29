// The environment contract: Gymnasium's Env in C++, plus the expert that demonstrates it. Every task
// (Pendulum-v1, the point mass, the MuJoCo robots) implements Env; the rollout loop (envs/rollout.hpp),
// datasets, checkpoints, evaluation, videos and the CLI know environments only through this header and
// the table in envs/registry.hpp.
//
//   Gymnasium                                  imitate
//   obs, info = env.reset(seed=s)              env.reset(rng); env.observe(obs)      (rng = Rng(s))
//   obs, r, term, trunc, info = env.step(a)    EnvStep s = env.step(a); env.observe(obs)
//   env.observation_space / action_space       env.spec().obs_dim, obs_low/high, act_dim, act_low/high
//   env.unwrapped.data (qpos, qvel, ...)       env.get_state(x) / env.reset_to(x), spec().state_dim values
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/rng.hpp"

namespace imitate {

// What an environment is: its sizes and bounds, horizon, success rule and settings. Recorded in datasets
// and checkpoints (as Minari's env_spec) so that a policy or dataset made for one environment is refused by
// another. All sizes are fixed for the lifetime of an Env.
struct EnvSpec {
    std::string id;                       // the table's name: "pendulum", "point_mass", "reacher", "push"
    std::string about;                    // one line for `imitate envs`
    int obs_dim = 0;                      // S
    int act_dim = 0;                      // A
    int state_dim = 0;                    // width of the simulator state (get_state / reset_to / Dataset::states)
    std::vector<float> act_low, act_high; // (A) action bounds: Box(low, high, float32); step() clips to them
    std::vector<float> obs_low, obs_high; // (S) observation bounds (±inf where unbounded)
    int max_steps = 0;                    // horizon T: the episode is truncated on the T-th step
    int success_window = 1;               // success: at_goal() held after each of the last W steps
    std::string success;                  // the success rule in words
    std::string distance = "‖Δstate‖";    // Env::state_distance in words, e.g. "|angle_normalize(Δθ)|"
    std::string distance_unit = "state units";  // its unit, e.g. "rad", "m"
    std::vector<std::pair<std::string, std::string>> settings;  // name = value of every setting, in order

    // {"id": ..., "obs_dim": ..., "act_dim": ..., "state_dim": ..., "max_steps": ..., "settings": {...}}:
    // one line of JSON, the identity recorded in files. Two specs are the same environment iff equal.
    std::string identity() const;
};

// A setting's value as EnvSpec::settings records it: the shortest text that reads back as the same double.
std::string setting_text(double v);

// What step() returns besides the next observation.
struct EnvStep {
    double reward = 0.0;
    bool terminated = false;  // the task ended in an absorbing state (goal reached, collision)
    bool truncated = false;   // the time limit was hit. Env::step leaves it false: the time limit belongs to
                              // the caller (rollouts apply spec().max_steps or their own T), as
                              // gym.make's TimeLimit wrapper does, so any horizon can be studied.
};

// A 2-D drawing of the current state, in world units, for evaluation videos (envs/render.hpp draws it).
// Later shapes are drawn over earlier ones.
struct Shape {
    enum Kind { Disc, Box, Segment } kind = Disc;
    double x = 0, y = 0;      // Disc, Box: centre; Segment: first end
    double a = 0, b = 0;      // Disc: radius (a); Box: half-sizes (a, b); Segment: second end (a, b)
    double angle = 0;         // Box: rotation (rad, counter-clockwise)
    double width = 0;         // Segment: thickness (world units)
    uint8_t rgb[3] = {0, 0, 0};
};
struct Scene {
    double xmin = -1, xmax = 1, ymin = -1, ymax = 1;  // the world rectangle shown
    std::vector<Shape> shapes;
};

// One episode's simulator. Not thread-safe: one Env per episode (rollouts clone() the prototype).
class Env {
public:
    virtual ~Env() = default;
    virtual const EnvSpec& spec() const = 0;
    // A copy with the same settings and the same current state.
    virtual std::unique_ptr<Env> clone() const = 0;

    // A random start state drawn from rng (each env documents its draws), step count 0.
    virtual void reset(Rng& rng) = 0;
    // Starts from a recorded state of spec().state_dim values (get_state's), step count 0. Throws
    // std::invalid_argument if the state is not finite or not a valid state of this env.
    virtual void reset_to(const double* state) = 0;
    // Applies `action` (act_dim float32 values: the float32 action is exactly what is applied, so a
    // recorded action replays bit for bit), clipped to [act_low, act_high] as the env's equations say.
    // Throws std::invalid_argument for a non-finite action and std::runtime_error if the simulation
    // becomes non-finite (an unstable model).
    virtual EnvStep step(const float* action) = 0;

    virtual void observe(float* obs) const = 0;           // obs_dim float32 values
    virtual void get_state(double* state) const = 0;      // state_dim doubles: reset_to(state) restores it
    // The success condition at the current state (Pendulum: |θ| < 0.1; reacher: fingertip within 1 cm).
    virtual bool at_goal() const = 0;
    // Distance to the goal in the task's own unit (|θ| rad, metres): the evaluation's "final error".
    virtual double goal_error() const = 0;
    // How far apart two states (get_state's, state_dim values each) are, in the task's own unit: what the
    // experiments measure as the learner's drift from the expert's path (spec().distance says what it is).
    // Default: the Euclidean distance between the state vectors. An env whose state holds angles or velocities
    // overrides it (Pendulum: |angle_normalize(Δθ)| in rad; reacher: between the fingertips; push: the pusher's
    // and the block's positions, in metres). Symmetric, >= 0, 0 for equal states.
    virtual double state_distance(const double* a, const double* b) const;
    // Appends the current state's drawing (robot, goal, obstacles) to `scene`, setting its view rectangle.
    virtual void draw(Scene& scene) const = 0;

    // Convenience: Gymnasium's reset(seed=s) followed by the observation.
    std::vector<float> reset(uint64_t seed);
};

// A demonstrator. It may read the simulator (privileged state, as scripted experts do) and keep memory
// within an episode (e.g. the side it goes round an obstacle). Not thread-safe: rollouts clone() one per
// episode.
class Expert {
public:
    virtual ~Expert() = default;
    virtual std::unique_ptr<Expert> clone() const = 0;
    // Start of an episode. Per-episode choices are drawn from Rng(derive_seed(episode_seed, 1)), a stream
    // apart from the env's, so that an expert's coin never moves the start states.
    virtual void reset(uint64_t episode_seed) { (void)episode_seed; }
    // The action (act_dim float32 values) for the env's current state; obs is env.observe()'s.
    virtual void act(const Env& env, const float* obs, float* action) = 0;
};

}  // namespace imitate
