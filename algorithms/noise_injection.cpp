// Demonstration collection and BC with noise injection (see the header for the idea).
#include "algorithms/noise_injection.hpp"

#include <cmath>
#include <stdexcept>

namespace imitate {

Dataset collect_demos(const Env& env, std::shared_ptr<const Expert> expert, int episodes, uint64_t seed,
                      double sigma) {
    if (episodes < 1) throw std::invalid_argument("collect: episodes must be >= 1, got " + std::to_string(episodes));
    if (!(sigma >= 0) || !std::isfinite(sigma)) throw std::invalid_argument("collect: noise sigma must be finite and >= 0");
    RolloutConfig rc;
    rc.episodes = episodes;
    rc.seed = seed;
    rc.noise_sigma = sigma;
    Dataset d;
    d.env = env.spec().identity();
    d.seeds = {seed};
    for (const Episode& e : rollout_expert(env, std::move(expert), rc)) d.append(e, Labels::Actions);
    return d;
}

BCResult bc_noise_injection(const Env& env, std::shared_ptr<const Expert> expert, int episodes, uint64_t seed,
                            double sigma, const BCConfig& bc, const EpochCallback& on_epoch) {
    return train_bc(collect_demos(env, std::move(expert), episodes, seed, sigma), bc, on_epoch);
}

}  // namespace imitate
