// envs/: Pendulum-v1 (Gymnasium-exact), expert controllers with the success criterion, and lockstep
// batched rollouts that record episodes for datasets. Needs only engine/.
#pragma once
#include "envs/experts.hpp"
#include "envs/pendulum.hpp"
#include "envs/rollout.hpp"
