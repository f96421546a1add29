// envs/: the environment contract (env.hpp) and its table (registry.hpp), Pendulum-v1 (Gymnasium-exact)
// with its experts, the 2-D point mass with an obstacle (bimodal demonstrations), the MuJoCo robots when
// built with MuJoCo, lockstep batched rollouts that record episodes for datasets, and the rasterizer that
// draws an environment's Scene for evaluation videos. Needs only engine/.
#pragma once
#include "envs/env.hpp"
#include "envs/experts.hpp"
#include "envs/pendulum.hpp"
#include "envs/point_mass.hpp"
#include "envs/registry.hpp"
#include "envs/render.hpp"
#include "envs/rollout.hpp"
