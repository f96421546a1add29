// Evaluation: N episodes from seeded starts for a policy or an expert, summarised as success rate with a
// Wilson 95% interval, mean ± std return, mean final |θ|, with per-episode records; as a table or JSON
// {"aggregated": {...}, "per_episode": [...]}.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "envs/rollout.hpp"

namespace imitate {

struct EvalConfig {
    int episodes = 100;        // N evaluation episodes
    uint64_t seed = 1000;      // episode i starts from Rng(derive_seed(seed, i)) — held out from training seeds
    int steps = 200;           // episode length
    Exec exec = Exec::Open;    // chunk execution (ignored for H = 1)
    int receding_k = 1;        // Exec::Receding
    double ensemble_m = 0.01;  // Exec::Ensemble
};

struct EpisodeRecord {
    uint64_t seed = 0;
    double episode_return = 0;
    bool success = false;
    double final_abs_theta = 0;  // |angle_normalize(θ)| after the last step
    int settle_step = -1;        // first step after which the pole stays upright; -1 if it does not
};

struct EvalResult {
    int episodes = 0, successes = 0;
    double success_rate = 0, wilson_lo = 0, wilson_hi = 0;  // rate and its Wilson 95% interval
    double mean_return = 0, std_return = 0;                 // population std over episodes
    double mean_final_abs_theta = 0;
    std::vector<EpisodeRecord> per_episode;
};

// Wilson score interval for k successes in n trials (z = 1.96 for 95%). n = 0 gives (0, 1).
std::pair<double, double> wilson_interval(int k, int n, double z = 1.96);

// Summarises finished episodes.
EvalResult summarize(const std::vector<Episode>& episodes);

// Rolls out `policy` (chunk H actions per query) for cfg.episodes episodes and summarises them.
EvalResult evaluate(const BatchPolicy& policy, int chunk, const EvalConfig& cfg);

// {"aggregated": {...}, "per_episode": [{...}, ...]} with all the fields above.
std::string eval_json(const EvalResult& r);

// One table row: name, success % [lo, hi], return mean ± std, final |θ|.
std::string eval_table_header();
std::string eval_table_row(const std::string& name, const EvalResult& r);

}  // namespace imitate
