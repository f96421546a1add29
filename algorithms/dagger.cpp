// DAgger, following the algorithm box in dagger.hpp step by step.
#include "algorithms/dagger.hpp"

#include <cmath>
#include <optional>
#include <stdexcept>

#include "engine/rng.hpp"

namespace imitate {

std::pair<BetaSchedule, double> parse_beta(const std::string& s) {
    if (s == "first") return {BetaSchedule::FirstOnly, 0.0};
    if (s == "linear") return {BetaSchedule::Linear, 0.0};
    if (s.rfind("exp:", 0) == 0) {
        try {
            size_t used = 0;
            double p = std::stod(s.substr(4), &used);
            if (used == s.size() - 4 && p >= 0 && p <= 1) return {BetaSchedule::Exponential, p};
        } catch (const std::exception&) {
        }
    }
    throw std::invalid_argument("beta schedule '" + s + "' is not one of first, linear, exp:P with 0 <= P <= 1");
}

double beta_at(BetaSchedule s, double p, int i, int N) {
    switch (s) {
        case BetaSchedule::FirstOnly: return i == 1 ? 1.0 : 0.0;
        case BetaSchedule::Exponential: return std::pow(p, i - 1);
        case BetaSchedule::Linear: return std::max(0.0, 1.0 - double(i - 1) / N);
    }
    return 0.0;
}

DAggerResult dagger(const Env& env, std::shared_ptr<const Expert> expert, const Dataset& initial,
                    const DAggerConfig& cfg, const std::function<void(const DAggerRound&)>& on_round) {
    if (cfg.rounds < 1) throw std::invalid_argument("dagger: rounds must be >= 1");
    if (cfg.episodes_per_round < 1) throw std::invalid_argument("dagger: episodes_per_round must be >= 1");
    if (!expert) throw std::invalid_argument("dagger: no expert");
    const std::string id = env.spec().identity();
    if (!initial.env.empty() && initial.env != id)
        throw std::invalid_argument("dagger: the initial data is of environment " + initial.env + ", not " + id);
    // D ← initial demonstrations; π̂_1 trained on them (if any)
    Dataset data = initial;
    data.env = id;
    std::vector<DAggerRound> rounds;
    std::optional<Policy> learner;
    if (data.size() > 0) learner = train_bc(data, cfg.bc).policy;

    for (int i = 1; i <= cfg.rounds; ++i) {
        DAggerRound round;
        round.round = i;
        round.beta = beta_at(cfg.schedule, cfg.p, i, cfg.rounds);
        if (!learner && round.beta < 1.0)
            throw std::invalid_argument("dagger: round 1 has no learner yet: give initial demos or use beta_1 = 1");

        // 1. roll out the mixture β_i·π* + (1 − β_i)·π̂_i; the expert labels every visited state
        RolloutConfig rc;
        rc.episodes = cfg.episodes_per_round;
        rc.seed = derive_seed(cfg.seed, static_cast<uint64_t>(i));
        rc.chunk = learner ? cfg.bc.chunk : 1;  // no learner yet (β_1 = 1): the expert drives alone
        rc.expert = expert;
        rc.beta = round.beta;
        std::vector<Episode> eps = rollout(env, learner ? learner->as_batch_policy() : BatchPolicy{}, rc);

        // 2. D_i = {(s, π*(s))}: every visited state with the expert's label; 3. D ← D ∪ D_i
        data.seeds.push_back(rc.seed);
        for (const Episode& e : eps) {
            data.append(e, Labels::Expert);
            round.new_labels += e.observations.rows();
        }
        round.total_labels = data.size();

        // 4. π̂_{i+1} ← train on D (warm start keeps π̂_i's weights and normalisation)
        BCConfig bc = cfg.bc;
        bc.seed = derive_seed(cfg.bc.seed, static_cast<uint64_t>(i));
        learner = train_bc(data, bc, {}, cfg.warm_start && learner ? &*learner : nullptr).policy;

        // 5. report: how good is the new policy?
        round.eval = evaluate(env, learner->as_batch_policy(), cfg.bc.chunk, cfg.eval);
        rounds.push_back(round);
        if (on_round) on_round(round);
    }
    return {std::move(*learner), std::move(data), std::move(rounds)};
}

}  // namespace imitate
