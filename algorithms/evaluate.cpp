// Evaluation and its reports. JSON is written by hand here (numbers and fixed keys only) so the core
// library needs no JSON dependency.
#include "algorithms/evaluate.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>


namespace imitate {

std::pair<double, double> wilson_interval(int k, int n, double z) {
    if (n <= 0) return {0.0, 1.0};
    const double p = double(k) / n, z2 = z * z;
    const double centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1.0 + z2 / n);
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

EvalResult summarize(const std::vector<Episode>& eps) {
    EvalResult r;
    r.episodes = static_cast<int>(eps.size());
    double sum = 0, sq = 0, err = 0;
    for (const Episode& e : eps) {
        EpisodeRecord rec;
        rec.seed = e.seed;
        rec.episode_return = e.episode_return;
        rec.success = e.success;
        rec.length = e.length();
        rec.final_error = e.final_error;
        rec.settle_step = e.settle_step();
        r.successes += e.success;
        sum += rec.episode_return;
        err += rec.final_error;
        r.per_episode.push_back(rec);
    }
    if (r.episodes > 0) {
        r.success_rate = double(r.successes) / r.episodes;
        r.mean_return = sum / r.episodes;
        for (const auto& rec : r.per_episode) sq += (rec.episode_return - r.mean_return) * (rec.episode_return - r.mean_return);
        r.std_return = std::sqrt(sq / r.episodes);
        r.mean_final_error = err / r.episodes;
    }
    std::tie(r.wilson_lo, r.wilson_hi) = wilson_interval(r.successes, r.episodes);
    return r;
}

RolloutConfig eval_rollout_config(const EvalConfig& cfg) {
    RolloutConfig rc;
    static_cast<EpisodeConfig&>(rc) = cfg;
    return rc;
}

EvalResult evaluate(const Env& env, const BatchPolicy& policy, const EvalConfig& cfg, const PolicyFeedback& feedback) {
    RolloutConfig rc = eval_rollout_config(cfg);
    rc.feedback = feedback;
    return summarize(rollout(env, policy, rc));
}

EvalResult evaluate(const Env& env, const Policy& policy, const EvalConfig& cfg) {
    PolicyFeedback fb;
    const BatchPolicy bp = policy.as_batch_policy(fb, cfg.target_return);
    return evaluate(env, bp, cfg, fb);
}

EvalResult evaluate_expert(const Env& env, std::shared_ptr<const Expert> expert, const EvalConfig& cfg) {
    return summarize(rollout_expert(env, std::move(expert), eval_rollout_config(cfg)));
}

static std::string num(double x) {
    if (!std::isfinite(x)) return "null";
    char b[32];
    std::snprintf(b, sizeof b, "%.10g", x);
    return b;
}

std::string eval_json(const EvalResult& r) {
    std::ostringstream s;
    s << "{\"aggregated\": {\"episodes\": " << r.episodes << ", \"successes\": " << r.successes
      << ", \"success_rate\": " << num(r.success_rate) << ", \"success_ci95\": [" << num(r.wilson_lo) << ", "
      << num(r.wilson_hi) << "], \"mean_return\": " << num(r.mean_return) << ", \"std_return\": " << num(r.std_return)
      << ", \"mean_final_error\": " << num(r.mean_final_error) << "},\n \"per_episode\": [";
    for (size_t i = 0; i < r.per_episode.size(); ++i) {
        const auto& e = r.per_episode[i];
        s << (i ? ",\n  " : "\n  ") << "{\"episode\": " << i << ", \"seed\": " << e.seed << ", \"return\": "
          << num(e.episode_return) << ", \"success\": " << (e.success ? "true" : "false") << ", \"length\": "
          << e.length << ", \"final_error\": " << num(e.final_error) << ", \"settle_step\": " << e.settle_step << "}";
    }
    s << "]}\n";
    return s.str();
}

std::string eval_table_header() {
    char b[160];
    std::snprintf(b, sizeof b, "%-22s %8s %17s %20s %12s", "policy", "success", "95% CI", "return (mean ± std)",
                  "final error");
    return b;
}

std::string eval_table_row(const std::string& name, const EvalResult& r) {
    char b[200];
    std::snprintf(b, sizeof b, "%-22s %7.1f%% [%5.1f%%, %5.1f%%] %9.1f ± %-8.1f %12.3f", name.c_str(), 100 * r.success_rate,
                  100 * r.wilson_lo, 100 * r.wilson_hi, r.mean_return, r.std_return, r.mean_final_error);
    return b;
}

}  // namespace imitate
