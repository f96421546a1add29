// Seed-level scoring shared by the chunking, multimodal, demos and noise experiments. The unit of replication
// is the training seed: a seed's evaluation is one SeedScore (its pooled successes, mean return and one
// measure of the experiment's own), intervals are Student-t over the per-seed values, the pooled-episode
// Wilson interval is only printed beside them (labelled), and a comparison is the paired per-seed difference.
//
//   jobs  = [(config, seed) -> SeedScore values]        run_experiment_jobs(jobs)  (the sweep runner)
//   cell  = [SeedScore per seed] -> seed_summary(cell)  (t interval of rates, Wilson of the pooled episodes)
//   A vs B = paired(rates(A), rates(B)) (report.hpp)    (t interval of the per-seed differences)
#pragma once
#include <string>
#include <vector>

#include "algorithms/experiments/report.hpp"
#include "algorithms/experiments/sweep.hpp"
#include "envs/rollout.hpp"

namespace imitate::experiments {

// SeedScore (experiments.hpp): one training seed's evaluation of one configuration.
constexpr int kScoreValues = 4;  // doubles per SeedScore in a job's values
// Appends s to v (kScoreValues doubles); score_at reads one back from v at pos and advances pos.
// score_at throws std::runtime_error if v is too short (a job file of another layout).
void append_score(JobValues& v, const SeedScore& s);
SeedScore score_at(const JobValues& v, size_t& pos);
// Successes, episodes and mean return of finished episodes, with `extra` as given.
SeedScore score_of(const std::vector<Episode>& eps, double extra = 0);

// Per-seed columns of a cell (one SeedScore per seed).
std::vector<double> rates(const std::vector<SeedScore>& cell);
std::vector<double> returns(const std::vector<SeedScore>& cell);
std::vector<double> extras(const std::vector<SeedScore>& cell);

// A cell over seeds: success as the t interval of the per-seed rates, and beside it the pooled episodes'
// rate with its Wilson 95% interval (which treats the episodes of all seeds as independent).
struct SeedSummary {
    Stats success, ret, extra;                    // over seeds
    double pooled = 0, pooled_lo = 0, pooled_hi = 0;  // pooled episodes, Wilson 95%
};
SeedSummary seed_summary(const std::vector<SeedScore>& cell);

// "12.0 [3.1, 20.9]": mean and interval scaled by `scale`, to `prec` decimals; diff_text the same with the
// sign of the mean always shown ("+12.0 [3.1, 20.9]"), for differences.
std::string ci_text(const Stats& s, double scale = 1, int prec = 1);
std::string diff_text(const Stats& s, double scale = 1, int prec = 1);
// "62.0% [48.1, 75.9]" for per-seed success rates (t interval, clamped to [0, 100]).
std::string rate_ci(const Stats& s);
// verdict_text (report.hpp) for the paired difference d = A − B of paired(), scaled by `scale` (100: rates in
// points) and printed with `prec` decimals; margin 0 (only identical per-seed values "match").
std::string verdict(const Stats& d, const std::string& a, const std::string& b, const std::string& unit,
                    double scale = 1, int prec = 1);

// The same difference in neutral words, for a measure where higher is not better (jerk, error): "what: A − B =
// +0.012 [95% CI 0.004, 0.020] unit, paired over N seeds: A higher" / "B higher" / "not established (the
// interval includes 0)" / "identical on every seed"; decided by verdict_of (margin 0).
std::string difference_text(const std::string& what, const Stats& d, const std::string& a, const std::string& b,
                            const std::string& unit, int prec);

// Mean squared jerk of an episode's executed actions, clipped to [low, high] as the env applies them: the
// third difference j_t = a_{t+3} − 3a_{t+2} + 3a_{t+1} − a_t, ‖j_t‖² averaged over t (per step², dt = 1).
// NaN for episodes shorter than 4 steps. The mean over episodes skips those.
double mean_squared_jerk(const Episode& e, const std::vector<float>& low, const std::vector<float>& high);
double mean_squared_jerk(const std::vector<Episode>& eps, const std::vector<float>& low, const std::vector<float>& high);

// run_sweep (sweep.hpp) of the jobs into out_dir/jobs/NAME (resumable with opt.resume), logging each finished
// job as "NAME: job i/n done: key". Returns their values in job order on the report writer, empty elsewhere.
std::vector<JobValues> run_experiment_jobs(const std::vector<Job>& jobs, const ExperimentOptions& opt,
                                           const std::string& name);

// An experiment's run_*: timed (report.hpp) report(measure(opt), opt); under MPI only the report writer reports
// (the other ranks return an empty result with the times).
template <class Measure, class Report>
ExperimentResult measured_run(const ExperimentOptions& opt, Measure measure, Report report) {
    return timed([&] {
        const auto measured = measure(opt);
        return is_report_writer() ? report(measured, opt) : ExperimentResult{};
    });
}

}  // namespace imitate::experiments
