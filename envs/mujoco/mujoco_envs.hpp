// The MuJoCo robots' rows of the environment table (envs/registry.cpp lists them under
// #if IMITATE_HAVE_MUJOCO, which meson defines when it finds MuJoCo). The environments themselves:
// envs/mujoco/reacher.hpp and envs/mujoco/push.hpp.
#pragma once
#include "envs/registry.hpp"

namespace imitate {

EnvEntry reacher_entry();  // id "reacher", experts: "jtpd" (the default)
EnvEntry push_entry();     // id "push", experts: "waypoints" (the default)

}  // namespace imitate
