// Evaluation: N episodes from seeded starts of any environment for a policy or an expert, summarised as
// success rate (the environment's rule) with a Wilson 95% interval over episodes, mean ± std return, mean
// final distance to the goal (Env::goal_error: |θ| for Pendulum), with per-episode records; as a table or
// JSON {"aggregated": {...}, "per_episode": [...]}.
#pragma once
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "algorithms/policy.hpp"
#include "envs/rollout.hpp"

namespace imitate {

// The episodes of an evaluation, as a rollout runs them (envs/rollout.hpp): episodes N = 100, seed 1000 (episode
// i starts from Rng(derive_seed(seed, i)) — held out from training seeds), steps T = 0 (the env's horizon),
// exec (ignored for H = 1). The rest of the rollout (H, no expert, no noise) comes from the policy.
struct EvalConfig : EpisodeConfig {
    EvalConfig() : EpisodeConfig{100, 1000, 0, {}} {}
    double target_return = std::nan("");  // a stateful head (dt): the return asked for; NaN: the policy's default
};

struct EpisodeRecord {
    uint64_t seed = 0;
    double episode_return = 0;
    bool success = false;
    int length = 0;              // steps taken (fewer than T if the env terminated)
    double final_error = 0;      // Env::goal_error() after the last step (Pendulum: |θ|)
    int settle_step = -1;        // first step after which at_goal holds to the end; -1 if it does not
};

struct EvalResult {
    int episodes = 0, successes = 0;
    double success_rate = 0, wilson_lo = 0, wilson_hi = 0;  // rate and its Wilson 95% interval
    double mean_return = 0, std_return = 0;                 // population std over episodes
    double mean_final_error = 0;
    std::vector<EpisodeRecord> per_episode;
};

// Wilson score interval for k successes in n trials (z = 1.96 for 95%). n = 0 gives (0, 1).
std::pair<double, double> wilson_interval(int k, int n, double z = 1.96);

// Summarises finished episodes.
EvalResult summarize(const std::vector<Episode>& episodes);

// Rolls out `policy` (H actions per query, H its output's width over A) on `env` for cfg.episodes episodes
// and summarises them; `feedback` goes to the rollout (a stateful policy's hooks, envs/rollout.hpp).
EvalResult evaluate(const Env& env, const BatchPolicy& policy, const EvalConfig& cfg, const PolicyFeedback& feedback = {});
// The same for a Policy, acting by its deterministic predict() (a stateful head asked for cfg.target_return).
EvalResult evaluate(const Env& env, const Policy& policy, const EvalConfig& cfg);
// The same for an expert driving alone.
EvalResult evaluate_expert(const Env& env, std::shared_ptr<const Expert> expert, const EvalConfig& cfg);
// The rollout configuration evaluate() uses: cfg's episodes (the policy brings its H).
RolloutConfig eval_rollout_config(const EvalConfig& cfg);

// {"aggregated": {...}, "per_episode": [{...}, ...]} with all the fields above.
std::string eval_json(const EvalResult& r);

// One table row: name, success % [lo, hi], return mean ± std, final error.
std::string eval_table_header();
std::string eval_table_row(const std::string& name, const EvalResult& r);

}  // namespace imitate
