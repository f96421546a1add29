// Mixed-quality data for the Decision Transformer (Chen et al. 2021 train on D4RL's "medium-replay" and
// "medium-expert" mixes): episodes of the expert, of the expert with Gaussian noise on its executed actions,
// and of a uniformly random controller, in one dataset. Unlike DART's noisy demonstrations, every row's
// target action is the action the environment executed (clipped to its bounds), because a return-conditioned
// policy must learn which actions led to which returns.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "algorithms/dataset.hpp"

namespace imitate {

// One part of a mix: `episodes` episodes of one controller.
enum class Controller {
    Expert,  // "expert": the environment's expert, clean
    Noisy,   // "noisy": the expert, its executed action + N(0, σ²) per dimension (σ: collect_mixed's noise)
    Random,  // "random": actions uniform over the env's action bounds, independent per step (the weak controller)
};
struct MixPart {
    Controller controller = Controller::Expert;
    int episodes = 0;
};

// "expert:N,noisy:N,random:N" (any order and subset, each N >= 1, no name twice). Throws
// std::invalid_argument naming the bad item and what is expected.
std::vector<MixPart> parse_mix(const std::string& spec);
const char* controller_name(Controller c);

// The parts one after the other, part p from seed derive_seed(seed, p) (its episodes' start states from
// derive_seed(that, i)). Actions are the executed ones clipped to the action bounds; the dataset records the
// env's identity and every part's seed. Throws std::invalid_argument for an empty mix, a part with episodes
// < 1, or noise σ < 0 or non-finite.
Dataset collect_mixed(const Env& env, std::shared_ptr<const Expert> expert, const std::vector<MixPart>& mix,
                      uint64_t seed, double noise);

}  // namespace imitate
