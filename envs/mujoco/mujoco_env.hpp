// Plumbing shared by the MuJoCo robots (reacher, push): one mjModel per robot compiled once from an inline
// MJCF string, one mjData per thread, and MujocoEnv, the Env whose state is MuJoCo's (qpos, qvel, act) held
// in the Env itself. A step copies that state into the calling thread's mjData, steps, and copies it out, so
// an episode's bytes depend only on its state and actions, never on which thread ran what before.
// MuJoCo's headers stay out of this one (the types are forward-declared): only the .cpp files include them.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "envs/env.hpp"

struct mjModel_;
struct mjData_;

namespace imitate {

// The model compiled from `xml` (MJCF text) under the name `name` (used in errors). Throws
// std::runtime_error("<name>: MuJoCo could not load the model: <MuJoCo's error>"). Call it once per robot,
// e.g. from a function-local static; the model is never freed (it lives as long as the process). The first
// call sends MuJoCo's warnings to stderr instead of MUJOCO_LOG.TXT (unless mju_user_warning was already set).
const mjModel_* compile_mjcf(const std::string& name, const char* xml);

// This thread's mjData for model m (made on first use, freed when the thread exits). Its contents are
// scratch: whoever uses it first copies a full state in.
mjData_* thread_data(const mjModel_* m);

// Every geom of m except planes, drawn top-down (projected onto the x-y plane) from d's geom_xpos/geom_xmat,
// with geom_size and geom_rgba: spheres, vertical cylinders and capsules as discs, horizontal capsules and
// cylinders as segments as thick as the geom, boxes as rotated boxes (yaw from geom_xmat). Geoms in model order.
// poses holds (x, y, z, xmat[9]) = 12 doubles per geom (MujocoEnv caches it), (ngeom·12).
void draw_geoms(const mjModel_* m, const double* poses, Scene& scene);

// An Env whose state is MuJoCo's: state = (qpos (nq), qvel (nv), act (na)), state_dim = nq + nv + na.
// Warm-starting is disabled in every model (<flag warmstart="disable"/>), so that state fully determines
// the next step. A derived robot provides the spec, the start distribution, the action -> ctrl map, the
// reward, the observation, and the cache it needs (filled by `after_step` from the thread's mjData).
class MujocoEnv : public Env {
public:
    using Env::reset;  // reset(seed) next to reset(Rng&)
    const EnvSpec& spec() const override { return spec_; }
    // Throws std::invalid_argument for a non-finite value or one valid_state() rejects; else loads it,
    // recomputes the cache, step count 0.
    void reset_to(const double* state) override;
    // 1. action (act_dim <= 8) -> ctrl (non-finite throws std::invalid_argument, clipped to the Box), 2. frame_skip mj_steps
    // from the held state, 3. non-finite or reset-by-MuJoCo state throws std::runtime_error("<id>: simulation
    // became unstable (non-finite state) at step N"), 4. kinematics of the new state -> cache, 5. reward and flags.
    EnvStep step(const float* action) override;
    void get_state(double* state) const override;
    void draw(Scene& scene) const override;

    const mjModel_* model() const { return m_; }
    int elapsed() const { return elapsed_; }  // steps since the last reset
    const std::vector<double>& state() const { return state_; }
    // This thread's mjData holding this Env's state with positions, kinematics and com-based quantities
    // computed (mj_kinematics + mj_comPos: enough for mj_jacSite). Valid until the thread's next MuJoCo call.
    const mjData_* kinematics() const;

protected:
    // spec_.state_dim is set from the model here; the derived class fills the rest of spec_.
    MujocoEnv(const mjModel_* m, int frame_skip);
    // The spec fields the robots share: id, about, obs_dim, act_dim commands in [-1, 1] each, success_window 1,
    // distances in m. Throws std::logic_error("<id>: the model's sizes do not match <id>.hpp's state layout")
    // unless the model has nq positions, nv velocities, no activations and act_dim actuators.
    void robot_spec(const std::string& id, const std::string& about, int obs_dim, int act_dim, int nq, int nv);
    // Starts from `state` (state_dim values, already validated): loads it, runs kinematics, fills the cache.
    void load(const double* state);

    // Throws std::invalid_argument naming what is wrong with a finite state (default: nothing is).
    virtual void valid_state(const double* state) const { (void)state; }
    // ctrl (nu) for the clipped action (act_dim).
    virtual void set_ctrl(const float* clipped, double* ctrl) const = 0;
    // Fills the derived cache from d after kinematics of the current state.
    virtual void after_kinematics(const mjData_* d) = 0;
    // Reward and termination of the step just taken, from the cache and the clipped action.
    virtual EnvStep outcome(const float* clipped) const = 0;
    // The view rectangle and any shapes besides the geoms, drawn before (under) them, e.g. a goal region.
    virtual void draw_background(Scene& scene) const = 0;

    EnvSpec spec_;
    const mjModel_* m_;
    int frame_skip_;
    std::vector<double> state_;  // (nq + nv + na) qpos, qvel, act
    std::vector<double> poses_;  // (ngeom·12) per geom x, y, z, xmat[9] of the current state, for draw()
    int elapsed_ = 0;
};

}  // namespace imitate
