// The table of environments, one line each (a row is defined next to its environment).
#include "envs/registry.hpp"

#include <stdexcept>

#include "envs/experts.hpp"
#include "envs/point_mass.hpp"
#if IMITATE_HAVE_MUJOCO
#include "envs/mujoco/mujoco_envs.hpp"
#endif

namespace imitate {

const std::vector<EnvEntry>& env_table() {
    static const std::vector<EnvEntry> table = {
        pendulum_entry(),
        point_mass_entry(),
#if IMITATE_HAVE_MUJOCO
        reacher_entry(),
        push_entry(),
#endif
    };
    return table;
}

const EnvEntry& find_env(const std::string& id) {
    std::string known;
    for (const EnvEntry& e : env_table()) {
        if (e.id == id) return e;
        known += (known.empty() ? "" : ", ") + e.id;
    }
#if !IMITATE_HAVE_MUJOCO
    if (id == "reacher" || id == "push")
        throw std::invalid_argument("environment '" + id + "' needs MuJoCo, and this build has none (install "
                                    "libmujoco-dev and reconfigure with -Dmujoco=enabled); known: " + known);
#endif
    throw std::invalid_argument("unknown environment '" + id + "'; known: " + known);
}

std::unique_ptr<Env> make_env(const std::string& id) { return find_env(id).make(); }

std::unique_ptr<Expert> make_expert(const std::string& env, const std::string& name) {
    const EnvEntry& e = find_env(env);
    std::string known;
    for (const ExpertEntry& x : e.experts) {
        if (x.name == name) return x.make();
        known += (known.empty() ? "" : ", ") + x.name;
    }
    throw std::invalid_argument("environment '" + env + "' has no expert '" + name + "'; its experts: " + known);
}

}  // namespace imitate
