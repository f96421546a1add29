// DAgger (Ross, Gordon & Bagnell 2011): run the learner, ask the expert what it would have done at the
// states the learner visited, aggregate, retrain.
//
//   D ← initial expert demonstrations D₀ (may be empty); π̂_1 ← train on D₀ (if any)
//   for i = 1..N:
//     π_mix = β_i·π* + (1 − β_i)·π̂_i          (per step, the expert's action w.p. β_i)
//     roll out π_mix, executing chunks as evaluation does (open loop, receding or ensemble);
//     D_i = {(s, π*'s plan from s) : s visited}  (H = 1: the label π*(s); H > 1: the H actions the expert
//                                                 takes from a copy of s, its own chunk)
//     D ← D ∪ D_i
//     π̂_{i+1} ← train on D (from scratch, or warm-started from π̂_i)
//
// The seed's algorithm (train π̂_1 on D₀, then execute π̂_i from round 1 on) is BetaSchedule::None.
#pragma once
#include <functional>

#include "algorithms/bc.hpp"
#include "algorithms/evaluate.hpp"

namespace imitate {

enum class BetaSchedule {
    None,         // β_i = 0 from round 1: the learner π̂_1, trained on D₀, drives every round (the seed's; needs D₀)
    FirstOnly,    // β_1 = 1, then 0 (the paper's usual choice: round 1 is more expert demonstrations)
    Exponential,  // β_i = p^(i−1)
    Linear,       // β_i = max(0, 1 − (i−1)/N)
};
// "none" (or "seed") / "first" / "exp:P" / "linear" -> schedule and p; throws std::invalid_argument naming the
// text otherwise.
std::pair<BetaSchedule, double> parse_beta(const std::string& s);
// β for round i (1-based) of N.
double beta_at(BetaSchedule s, double p, int i, int N);

struct DAggerConfig {
    int rounds = 5;                             // N
    int episodes_per_round = 10;                // learner rollouts per round, each labelled by the expert
    BetaSchedule schedule = BetaSchedule::FirstOnly;
    double p = 0.5;                             // Exponential schedule's base
    bool warm_start = false;                    // retrain from π̂_i instead of from scratch
    uint64_t seed = 0;                          // rollout seeds of round i: derive_seed(seed, i)
    BCConfig bc;                                // how each round trains (chunk, epochs, ...)
    EvalConfig eval;                            // how each round's policy is evaluated; eval.exec is also how
                                                //   the learner executes its chunks while collecting
};

struct DAggerRound {
    int round = 0;           // 1-based
    double beta = 0;         // β_i used for this round's rollouts
    long new_labels = 0;     // states visited this round, each labelled by the expert (with H actions if H > 1)
    long total_labels = 0;   // |D| after aggregation (rows: H > 1 stores each plan as its own short episode)
    EvalResult eval;         // the policy trained at the end of the round
};

struct DAggerResult {
    Policy policy;                   // π̂_{N+1}
    Dataset data;                    // the aggregated D
    std::vector<DAggerRound> rounds;
};

// Runs DAgger on `env` with `expert` as the labeller. Requires rounds >= 1, episodes_per_round >= 1;
// round 1 needs β_1 = 1 when `initial` is empty (there is no learner yet), otherwise throws
// std::invalid_argument; `initial` must be of env (or of unknown environment) and of its sizes.
// With H = bc.policy.chunk > 1 each visited state s_t becomes one episode of min(H, T − t) rows in D: the expert,
// started from a copy of s_t (Env::reset_to) with its per-episode memory as it was at t, drives for those steps
// and its actions are the chunk's targets (train with stride H for one window per plan).
DAggerResult dagger(const Env& env, std::shared_ptr<const Expert> expert, const Dataset& initial,
                    const DAggerConfig& cfg, const std::function<void(const DAggerRound&)>& on_round = {});

}  // namespace imitate
