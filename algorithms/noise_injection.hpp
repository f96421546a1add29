// Demonstrations, clean or with noise injection (DART, Laskey et al. 2017): the expert demonstrates while
// Gaussian noise N(0, σ²) is added to the action it executes, and each visited state is labelled with the
// expert's clean action. The learner then sees states slightly off the expert's path, labelled with how
// to get back: some of DAgger's benefit without an online expert, at the price of less diverse states.
#pragma once
#include "algorithms/bc.hpp"

namespace imitate {

// Rolls out `expert` driving `env` for `episodes` episodes from seeds derive_seed(seed, i), executing
// action + N(0, σ²) and recording the clean action as the target (and the noisy one as `executed`). σ = 0
// gives plain demonstrations. The dataset records env's identity.
// Throws std::invalid_argument for episodes < 1 or σ < 0.
Dataset collect_demos(const Env& env, std::shared_ptr<const Expert> expert, int episodes, uint64_t seed,
                      double sigma = 0.0);

// 1. collect noisy demonstrations, 2. behaviour-clone them.
BCResult bc_noise_injection(const Env& env, std::shared_ptr<const Expert> expert, int episodes, uint64_t seed,
                            double sigma, const BCConfig& bc, const EpochCallback& on_epoch = {});

}  // namespace imitate
