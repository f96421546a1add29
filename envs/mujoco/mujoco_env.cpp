// MujocoEnv: the state lives in the Env, the mjData is per-thread scratch. Loading from a string goes
// through a one-file virtual file system (MuJoCo 2.2 has no mj_loadXMLString).
#include "envs/mujoco/mujoco_env.hpp"

#include <mujoco/mujoco.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace imitate {

// MuJoCo's default warning handler prints to stdout and appends to MUJOCO_LOG.TXT in the working directory.
// Ours (installed once, unless the program set its own) prints to stderr, and stays quiet about bad
// qpos/qvel/qacc, which step() turns into an exception anyway.
static void warn_to_stderr(const char* msg) {
    if (std::strncmp(msg, "Nan, Inf or huge value", 22) != 0) std::fprintf(stderr, "MuJoCo warning: %s\n", msg);
}

const mjModel* compile_mjcf(const std::string& name, const char* xml) {
    static std::once_flag hooked;
    std::call_once(hooked, [] {
        if (mju_user_warning == nullptr) mju_user_warning = warn_to_stderr;
    });
    // mjVFS holds 2000 file names of 1000 bytes: 2 MB, so it goes on the heap.
    auto vfs = std::make_unique<mjVFS>();
    mj_defaultVFS(vfs.get());
    const std::string file = name + ".xml";
    const int size = static_cast<int>(std::strlen(xml));
    if (mj_makeEmptyFileVFS(vfs.get(), file.c_str(), size) != 0)
        throw std::runtime_error(name + ": MuJoCo could not make its in-memory model file");
    std::memcpy(vfs->filedata[mj_findFileVFS(vfs.get(), file.c_str())], xml, size);
    char error[1000] = "";
    mjModel* m = mj_loadXML(file.c_str(), vfs.get(), error, sizeof error);
    mj_deleteVFS(vfs.get());
    if (m == nullptr) {  // MuJoCo's message spans lines ("XML Error: ...\nElement ..."): one line for the user
        std::string why = error;
        for (char& c : why)
            if (c == '\n') c = ' ';
        while (!why.empty() && why.back() == ' ') why.pop_back();
        throw std::runtime_error(name + ": MuJoCo could not load the model: " + why);
    }
    return m;
}

mjData* thread_data(const mjModel* m) {
    // Few models, so a short list; the mjData are freed when the thread ends (mj_deleteData needs no model,
    // and the models outlive every thread anyway).
    struct Cache {
        std::vector<std::pair<const mjModel*, mjData*>> rows;
        ~Cache() {
            for (auto& r : rows) mj_deleteData(r.second);
        }
    };
    thread_local Cache cache;
    for (auto& r : cache.rows)
        if (r.first == m) return r.second;
    mjData* d = mj_makeData(m);
    if (d == nullptr) throw std::runtime_error("MuJoCo could not allocate an mjData");
    cache.rows.emplace_back(m, d);
    return d;
}

void draw_geoms(const mjModel* m, const double* poses, Scene& scene) {
    for (int g = 0; g < m->ngeom; ++g) {
        const int type = m->geom_type[g];
        if (type == mjGEOM_PLANE) continue;
        const double* p = poses + 12 * g;  // x, y, z, then the rotation matrix (row-major)
        const double* R = p + 3;
        const double* size = m->geom_size + 3 * g;
        Shape s;
        for (int c = 0; c < 3; ++c)
            s.rgb[c] = static_cast<uint8_t>(std::lround(255.0 * std::clamp<double>(m->geom_rgba[4 * g + c], 0, 1)));
        s.x = p[0];
        s.y = p[1];
        // The geom's own z axis is R's third column: vertical for a standing cylinder, horizontal for a link.
        const double ax = R[2], ay = R[5];
        const bool lying = std::hypot(ax, ay) > 0.5;
        if (type == mjGEOM_BOX) {
            s.kind = Shape::Box;
            s.a = size[0];
            s.b = size[1];
            s.angle = std::atan2(R[3], R[0]);
        } else if ((type == mjGEOM_CAPSULE || type == mjGEOM_CYLINDER) && lying) {
            s.kind = Shape::Segment;  // from -half to +half length along the axis; as wide as the geom
            s.x = p[0] - size[1] * ax;
            s.y = p[1] - size[1] * ay;
            s.a = p[0] + size[1] * ax;
            s.b = p[1] + size[1] * ay;
            s.width = 2 * size[0];
        } else {
            s.kind = Shape::Disc;  // sphere, standing cylinder or capsule, ellipsoid (its x radius)
            s.a = size[0];
        }
        scene.shapes.push_back(s);
    }
}

MujocoEnv::MujocoEnv(const mjModel* m, int frame_skip)
    : m_(m), frame_skip_(frame_skip), state_(m->nq + m->nv + m->na, 0.0), poses_(12 * m->ngeom, 0.0) {
    spec_.state_dim = m->nq + m->nv + m->na;
}

void MujocoEnv::robot_spec(const std::string& id, const std::string& about, int obs_dim, int act_dim, int nq, int nv) {
    if (m_->nq != nq || m_->nv != nv || m_->na != 0 || m_->nu != act_dim)
        throw std::logic_error(id + ": the model's sizes do not match " + id + ".hpp's state layout");
    spec_.id = id;
    spec_.about = about;
    spec_.obs_dim = obs_dim;
    spec_.act_dim = act_dim;
    spec_.act_low.assign(act_dim, -1.0f);
    spec_.act_high.assign(act_dim, 1.0f);
    spec_.success_window = 1;
    spec_.distance_unit = "m";
}

// Copies a state (qpos, qvel, act) into d.
static void put_state(const mjModel* m, mjData* d, const double* s) {
    std::copy(s, s + m->nq, d->qpos);
    std::copy(s + m->nq, s + m->nq + m->nv, d->qvel);
    std::copy(s + m->nq + m->nv, s + m->nq + m->nv + m->na, d->act);
    d->time = 0;
}

const mjData* MujocoEnv::kinematics() const {
    mjData* d = thread_data(m_);
    put_state(m_, d, state_.data());
    mj_kinematics(m_, d);
    mj_comPos(m_, d);
    return d;
}

void MujocoEnv::load(const double* state) {
    std::copy(state, state + state_.size(), state_.begin());
    mjData* d = thread_data(m_);
    put_state(m_, d, state_.data());
    mj_kinematics(m_, d);
    for (int g = 0; g < m_->ngeom; ++g) {
        std::copy(d->geom_xpos + 3 * g, d->geom_xpos + 3 * g + 3, poses_.begin() + 12 * g);
        std::copy(d->geom_xmat + 9 * g, d->geom_xmat + 9 * g + 9, poses_.begin() + 12 * g + 3);
    }
    after_kinematics(d);
    elapsed_ = 0;
}

void MujocoEnv::reset_to(const double* state) {
    for (int i = 0; i < spec_.state_dim; ++i)
        if (!std::isfinite(state[i]))
            throw std::invalid_argument(spec_.id + ": reset_to: state[" + std::to_string(i) + "] = " +
                                        std::to_string(state[i]) + ", expected a finite value");
    valid_state(state);
    load(state);
}

void MujocoEnv::get_state(double* state) const { std::copy(state_.begin(), state_.end(), state); }

EnvStep MujocoEnv::step(const float* action) {
    // 1. The float32 action, clipped to the Box; a NaN would pass std::clamp silently, so it throws first.
    const int A = spec_.act_dim;
    float clipped[8];
    for (int i = 0; i < A; ++i) {
        if (!std::isfinite(action[i]))
            throw std::invalid_argument(spec_.id + ": step: action[" + std::to_string(i) + "] = " +
                                        std::to_string(action[i]) + ", expected a finite value");
        clipped[i] = std::clamp(action[i], spec_.act_low[i], spec_.act_high[i]);
    }
    // 2. Simulate from the held state on this thread's mjData.
    mjData* d = thread_data(m_);
    put_state(m_, d, state_.data());
    set_ctrl(clipped, d->ctrl);
    for (int w : {mjWARN_BADQPOS, mjWARN_BADQVEL, mjWARN_BADQACC}) d->warning[w].number = 0;
    for (int k = 0; k < frame_skip_; ++k) mj_step(m_, d);
    // 3. MuJoCo resets the data (a warning, no error) when qpos, qvel or qacc go bad: count that as unstable too.
    bool bad = d->warning[mjWARN_BADQPOS].number > 0 || d->warning[mjWARN_BADQVEL].number > 0 ||
               d->warning[mjWARN_BADQACC].number > 0;
    for (int i = 0; i < m_->nq && !bad; ++i) bad = !std::isfinite(d->qpos[i]);
    for (int i = 0; i < m_->nv && !bad; ++i) bad = !std::isfinite(d->qvel[i]);
    if (bad)
        throw std::runtime_error(spec_.id + ": simulation became unstable (non-finite state) at step " +
                                 std::to_string(elapsed_ + 1));
    std::copy(d->qpos, d->qpos + m_->nq, state_.begin());
    std::copy(d->qvel, d->qvel + m_->nv, state_.begin() + m_->nq);
    std::copy(d->act, d->act + m_->na, state_.begin() + m_->nq + m_->nv);
    // 4. After mj_step the x* arrays belong to the state before the last integration: recompute them.
    mj_kinematics(m_, d);
    for (int g = 0; g < m_->ngeom; ++g) {
        std::copy(d->geom_xpos + 3 * g, d->geom_xpos + 3 * g + 3, poses_.begin() + 12 * g);
        std::copy(d->geom_xmat + 9 * g, d->geom_xmat + 9 * g + 9, poses_.begin() + 12 * g + 3);
    }
    after_kinematics(d);
    // 5. Reward and flags.
    ++elapsed_;
    EnvStep r = outcome(clipped);
    r.truncated = elapsed_ >= spec_.max_steps;
    return r;
}

void MujocoEnv::draw(Scene& scene) const {
    draw_background(scene);
    draw_geoms(m_, poses_.data(), scene);
}

}  // namespace imitate
