// envs/: Pendulum-v1 (Gymnasium-exact), expert controllers with the success criterion, lockstep batched
// rollouts that record episodes for datasets, and the 2-D point mass with an obstacle (bimodal demonstrations).
// Needs only engine/.
#pragma once
#include "envs/experts.hpp"
#include "envs/pendulum.hpp"
#include "envs/point_mass.hpp"
#include "envs/rollout.hpp"
