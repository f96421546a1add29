// Mixed-quality data: each part is one rollout of its controller; the random controller is an Expert whose
// draws come from its own per-episode stream (Expert::reset), so the bytes do not depend on the thread count.
#include "algorithms/mixed_data.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engine/rng.hpp"

namespace imitate {

namespace {
// Uniform actions over [act_low, act_high], drawn from Rng(derive_seed(episode seed, 1)).
class RandomController final : public Expert {
   public:
    std::unique_ptr<Expert> clone() const override { return std::make_unique<RandomController>(*this); }
    void reset(uint64_t episode_seed) override { rng_ = Rng(derive_seed(episode_seed, 1)); }
    void act(const Env& env, const float*, float* action) override {
        const EnvSpec& s = env.spec();
        for (int a = 0; a < s.act_dim; ++a) action[a] = static_cast<float>(rng_.uniform(s.act_low[a], s.act_high[a]));
    }

   private:
    Rng rng_;
};
}  // namespace

const char* controller_name(Controller c) {
    return c == Controller::Expert ? "expert" : c == Controller::Noisy ? "noisy" : "random";
}

std::vector<MixPart> parse_mix(const std::string& spec) {
    auto bad = [&](const std::string& item, const std::string& why) {
        throw std::invalid_argument("--mix: '" + item + "' " + why + " (expected NAME:EPISODES[,...] with NAME expert, "
                                    "noisy or random, e.g. expert:50,noisy:50,random:50)");
    };
    std::vector<MixPart> mix;
    size_t pos = 0;
    while (pos <= spec.size()) {
        const size_t comma = std::min(spec.find(',', pos), spec.size());
        const std::string item = spec.substr(pos, comma - pos);
        const size_t colon = item.find(':');
        if (colon == std::string::npos) bad(item, "has no ':'");
        const std::string name = item.substr(0, colon), count = item.substr(colon + 1);
        MixPart p;
        if (name == "expert") p.controller = Controller::Expert;
        else if (name == "noisy") p.controller = Controller::Noisy;
        else if (name == "random") p.controller = Controller::Random;
        else bad(item, "names no controller");
        size_t used = 0;
        long n = 0;
        try {
            n = std::stol(count, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != count.size() || n < 1 || n > 10000000) bad(item, "needs a whole number of episodes >= 1");
        p.episodes = static_cast<int>(n);
        for (const MixPart& q : mix)
            if (q.controller == p.controller) bad(item, "repeats a controller");
        mix.push_back(p);
        pos = comma + 1;
    }
    return mix;
}

Dataset collect_mixed(const Env& env, std::shared_ptr<const Expert> expert, const std::vector<MixPart>& mix,
                      uint64_t seed, double noise) {
    if (mix.empty()) throw std::invalid_argument("collect: the mix has no parts");
    if (!(noise >= 0) || !std::isfinite(noise)) throw std::invalid_argument("collect: noise sigma must be finite and >= 0");
    const EnvSpec& spec = env.spec();
    Dataset d;
    d.env = spec.identity();
    for (size_t p = 0; p < mix.size(); ++p) {
        const MixPart& part = mix[p];
        if (part.episodes < 1)
            throw std::invalid_argument(std::string("collect: part '") + controller_name(part.controller) +
                                        "' has " + std::to_string(part.episodes) + " episodes, expected >= 1");
        RolloutConfig rc;
        rc.episodes = part.episodes;
        rc.seed = derive_seed(seed, p);
        rc.noise_sigma = part.controller == Controller::Noisy ? noise : 0.0;
        std::shared_ptr<const Expert> driver =
            part.controller == Controller::Random ? std::make_shared<RandomController>() : expert;
        for (Episode& e : rollout_expert(env, driver, rc)) {
            e.actions = e.executed;  // what the env executed, inside its bounds: the return followed from these
            for (int a = 0; a < spec.act_dim; ++a)
                e.actions.col(a) = e.actions.col(a).cwiseMax(spec.act_low[a]).cwiseMin(spec.act_high[a]);
            d.append(e, Labels::Actions);
        }
        d.seeds.push_back(rc.seed);
    }
    return d;
}

}  // namespace imitate
