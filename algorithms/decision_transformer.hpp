// Training a Decision Transformer (Chen et al. 2021, algorithms/heads/dt.hpp) by behaviour cloning on windows:
// sample a step of the data, take the K steps of its episode up to it (fewer near the episode's start, then
// padding), condition on the returns-to-go and regress the actions the episode took (MSE on the real steps).
// train_bc hands a BCConfig with head dt here (the row's `train`), so `imitate train --head dt` is one command.
#pragma once
#include "algorithms/bc.hpp"

namespace imitate {

// Trains a fresh DT policy (H = 1) on `data`, or continues *warm_start. From cfg: steps (or epochs of
// ceil(N / batch) minibatches), batch (windows per minibatch), lr, weight_decay, clip_norm, normalize, seed
// and head (the dt sizes). Settings left 0 are taken from the data: max_timestep = the longest episode,
// return_scale = the largest |episode return| (1 if all are 0); target_return is always set to the best
// episode return in the data (the default asked for at deployment). Throws std::invalid_argument for an empty
// dataset, chunk != 1, batch < 1, lr <= 0 or head settings out of range, and std::runtime_error if training
// diverges (Adam::guarded_step).
BCResult train_dt(const Dataset& data, const BCConfig& cfg, const std::function<void(int, float)>& on_epoch = {},
                  const Policy* warm_start = nullptr);

}  // namespace imitate
