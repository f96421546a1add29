// envs/: Pendulum-v1 (Gymnasium-exact), expert controllers with the success criterion, lockstep batched
// rollouts that record episodes for datasets, the 2-D point mass with an obstacle (bimodal demonstrations),
// and the rasterizer that turns an environment's drawing into pixels for videos.
// Needs only engine/.
#pragma once
#include "envs/experts.hpp"
#include "envs/pendulum.hpp"
#include "envs/point_mass.hpp"
#include "envs/render.hpp"
#include "envs/rollout.hpp"
