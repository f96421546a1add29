// The seed program's exercises as reproducible experiments: compounding error, action chunking, DAgger,
// multimodal demonstrations and the horizon. Each runs several training seeds as a sweep of (configuration,
// seed) jobs (sweep.hpp: threads or MPI ranks, resumable; seeds derived with derive_seed), measures into a typed
// result (measure_X) and reports it (report_X) with intervals over seeds, and writes
// into the output directory a CSV, a gnuplot script, the PNG (if gnuplot is installed) and NAME.md, the
// markdown section REPORT.md is assembled from. Results are identical for any thread count. Each experiment
// runs on an environment of the table (envs/registry.hpp), its default or ExperimentOptions::env, and names it
// in its report.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "algorithms/dataset.hpp"
#include "algorithms/experiments/sweep.hpp"
#include "algorithms/policy.hpp"
#include "engine/rng.hpp"
#include "envs/registry.hpp"

namespace imitate::experiments {

struct ExperimentOptions {
    std::string out_dir = ".";  // existing directory for the CSVs, scripts, PNGs and NAME.md
    int seeds = 10;             // training seeds per configuration; >= 1 (intervals over seeds want >= 10)
    bool quick = false;         // small budgets (seconds, for tests); the report says so
    uint64_t seed = 2024;       // experiment seed: job j's seeds are derive_seed(seed, j)-derived
    bool render = true;         // run gnuplot on the script (when gnuplot is installed)
    bool resume = false;        // keep the job files already in out_dir/jobs/NAME, run only the missing jobs
    std::string env;            // environment id (envs/registry.hpp); empty: each experiment's default
    std::string command;        // quoted in the report as "produced by"; empty: imitate experiment NAME --out DIR ...
    std::function<void(const std::string&)> log;  // optional progress lines (thread-safe use: called serially)
};

struct ExperimentResult {
    std::string name;                       // compounding | chunking | dagger | multimodal
    std::string markdown;                   // the report section: lesson with the computed numbers, table, plot
                                            //   link, budgets, the command
    std::string table;                      // the main table as plain text, for a terminal
    std::map<std::string, double> numbers;  // headline numbers; keys listed at each run_* below
    std::vector<std::string> files;         // paths written, in order
    bool plotted = false;                   // gnuplot rendered the PNG(s)
    double wall_seconds = 0, cpu_seconds = 0;  // this experiment's wall time and process CPU time (all threads)
};

// Every run_* requires seeds >= 1, an existing out_dir and an env it can use (one of the table with at least
// one expert); throws std::invalid_argument naming the option otherwise, std::runtime_error if a file cannot
// be written. CSV columns are listed in each .cpp's header. The demonstrator is the env's first expert, except
// on pendulum, whose first ("pd") is the seed's weak one: there the swing-up expert (compounding: both).

// 1. Compounding error of BC vs the seed's DAgger (5 on-policy rounds) against the expert's own trajectory from
//    the same held-out starts. env: pendulum (default; the PD and the swing-up expert, error |angle_normalize(Δθ)|
//    in rad) or any env with an expert (its first; error = Euclidean distance between learner and expert
//    simulator states, Env::get_state, in the state's own units; after an episode terminates its final state
//    stands). Writes compounding.{csv,gp,png,md} and compounding_disagreement.png. run_compounding =
//    report_compounding(measure_compounding(opt), opt); the typed per-seed values are in CompoundingResult.
ExperimentResult run_compounding(const ExperimentOptions& opt);

// What compounding measures, per (expert, method, training seed) job: means over the held-out starts.
struct CompoundingSeed {
    std::vector<double> error;         // (T) error(t), t = 1..T
    std::vector<double> disagreement;  // (T) action disagreement at step t over the starts still running; NaN if none
    double disagreement_all = 0;       // over every step the learner ran
    double success = 0;                // fraction of the starts that succeed (the env's rule)
};
JobValues to_values(const CompoundingSeed& x);                       // error, disagreement, disagreement_all, success
CompoundingSeed compounding_seed_from(const JobValues& v, int T);   // throws std::runtime_error on a wrong size
struct CompoundingResult {
    std::string env;                      // environment id
    std::vector<std::string> experts;     // E experts (pendulum: pd, swingup; else the env's first)
    int seeds = 0, steps = 0, starts = 0;  // S training seeds, T steps per rollout, held-out starts
    std::vector<double> expert_success;   // (E) fraction of the starts the expert itself succeeds from
    std::vector<CompoundingSeed> runs;    // (E·2·S) index (e·2 + m)·S + s, m = 0 BC, 1 DAgger; empty off the writer
    const CompoundingSeed& at(int e, int m, int s) const { return runs.at(size_t((e * 2 + m) * seeds + s)); }
};
// Trains and rolls out (jobs through run_sweep in out_dir/jobs/compounding); on MPI ranks other than the report
// writer returns a result with empty runs.
CompoundingResult measure_compounding(const ExperimentOptions& opt);
// Statistics over seeds, paired DAgger − BC comparisons, CSV, gnuplot, markdown (writes the files).
ExperimentResult report_compounding(const CompoundingResult& m, const ExperimentOptions& opt);

// 2. Action chunking: H × execution mode (open, receding k = ⌈H/2⌉, temporal ensemble m = 0.01), same
//    gradient-step budget for every H. env: pendulum (default, swing-up expert) or any env with an expert. Writes chunking.{csv,gp,png,md} and chunking_seeds.csv (one row per
//    (H, seed)). numbers: <mode>_H<H>_success, _lo, _hi (pooled, Wilson), _return, _return_std (over seeds) for
//    mode in open, receding, ensemble; best_H, best_mode (0 open, 1 receding, 2 ensemble), best_success,
//    best_gain_vs_H1 with _lo and _hi (paired over seeds, points), <mode>_best_H.
ExperimentResult run_chunking(const ExperimentOptions& opt);

// 3. The seed's DAgger (β = 0, 5 on-policy rounds) vs BC on the same number of clean expert labels vs BC with
//    noise injection (DART), per round. env: pendulum (default, swing-up expert) or any env with an expert. BC
//    gets as many expert episodes as DAgger has labelled; the label axis is DAgger's count (its mean over seeds if
//    episodes end early). Writes dagger.{csv,gp,png,md} and dagger_seeds.csv (one row per (round, seed)).
//    run_dagger = report_dagger(measure_dagger(opt), opt); the typed per-seed values are in DaggerExpResult.
ExperimentResult run_dagger(const ExperimentOptions& opt);

// One policy's held-out evaluation in the dagger experiment.
struct DaggerPoint {
    double labels = 0;       // expert labels its training data held
    double success = 0;      // success rate over the evaluation episodes
    double mean_return = 0;  // mean episode return
};
JobValues to_values(const std::vector<DaggerPoint>& x);  // labels, success, mean_return per point
std::vector<DaggerPoint> dagger_points_from(const JobValues& v, size_t n);  // throws std::runtime_error on a wrong size
struct DaggerExpResult {
    std::string env, expert;            // environment id, demonstrating expert
    int seeds = 0, rounds = 0;          // S, R
    int eval_episodes = 0;              // held-out episodes per point
    double noise_sigma = 0;             // BC + noise's σ on the executed action
    std::vector<DaggerPoint> points;    // (3·S·(R+1)) index (method·S + s)·(R+1) + round; method 0 DAgger, 1 BC,
                                        //   2 BC + noise; round 0 is BC on the initial demos for all three
    const DaggerPoint& at(int method, int s, int round) const {
        return points.at(size_t((method * seeds + s) * (rounds + 1) + round));
    }
};
// Jobs through run_sweep in out_dir/jobs/dagger; empty points on MPI ranks other than the report writer.
DaggerExpResult measure_dagger(const ExperimentOptions& opt);
ExperimentResult report_dagger(const DaggerExpResult& m, const ExperimentOptions& opt);

// 4. Multimodal demonstrations: (a) on the toy, every observation has the two valid actions ±1; BC with MSE
//    regresses to their mean, the heads in heads() of multimodal.cpp sample; (b) on an environment, point_mass
//    (default; envs/point_mass.hpp: the expert passes an obstacle on the left or the right at random) or any env
//    with an expert (e.g. push), BC per head and per chunk length H (1 and 8; --quick: 4), rollouts from
//    held-out starts. Writes multimodal.{csv,gp,png,md}, multimodal_point_mass.csv,
//    multimodal_point_mass_seeds.csv (the env part, whatever the env) and, on point_mass only, multimodal_paths.gp
//    and per H multimodal_paths_H<H>.{csv,png}. numbers, for each table row <row> (mse, gmm, tokens, cvae,
//    cvae_z0, diffusion, diffusion_ddim): toy <row>_valid_fraction and _std, <row>_mode_balance and _std (NaN if
//    nothing is valid), <row>_mean_action and _std, <row>_std_action (all over seeds); env pm_H<H>_<row>_success,
//    _lo, _hi (pooled, Wilson 95%), _success_std (over seeds), _collision (the env terminated the episode without
//    success: on the point mass, the obstacle), and on point_mass _left, _right (fractions of all episodes, by
//    passing_side); the same for the demonstrations as pm_expert_*.
ExperimentResult run_multimodal(const ExperimentOptions& opt);

// 5. Horizon: the seed says BC's cost grows ∝ T² and DAgger's ∝ T. The cost gap J(π̂) − J(π*) (cost = −reward,
//    summed over the first T steps from the same held-out starts) and the fraction of failed episodes (the expert
//    succeeds by T, the learner does not) against T ∈ {25, 50, 100, 200, 400, 800}, for BC and the seed's DAgger
//    at equal labels; the exponent is the log-log slope of the gap per seed, with its interval over seeds. env:
//    pendulum (default, swing-up expert) or any env with an expert. Writes horizon.{csv,gp,png,md}.
ExperimentResult run_horizon(const ExperimentOptions& opt);

struct HorizonSeed {  // one (method, training seed) job, per horizon: means over the held-out starts
    std::vector<double> gap;     // J(π̂) − J(π*) over the first T steps
    std::vector<double> failed;  // fraction of starts where the expert succeeds by T and the learner does not
};
JobValues to_values(const HorizonSeed& x);                    // gap, then failed
HorizonSeed horizon_seed_from(const JobValues& v, size_t n);  // throws std::runtime_error on a wrong size
struct HorizonResult {
    std::string env, expert;              // environment id, demonstrating expert
    int seeds = 0, starts = 0;            // S, held-out starts
    double labels = 0;                    // expert labels each method trained on (DAgger's, mean over seeds)
    std::vector<int> horizons;            // the T values, increasing
    std::vector<double> expert_cost;      // (|T|) J(π*) over the first T steps, mean over starts
    std::vector<double> expert_success;   // (|T|) fraction of starts the expert succeeds from by T
    std::vector<HorizonSeed> runs;        // (2·S) index method·S + s, method 0 BC, 1 DAgger; empty off the writer
    const HorizonSeed& at(int method, int s) const { return runs.at(size_t(method * seeds + s)); }
};
HorizonResult measure_horizon(const ExperimentOptions& opt);
ExperimentResult report_horizon(const HorizonResult& m, const ExperimentOptions& opt);

// "compounding", "chunking", "dagger", "multimodal", "horizon".
const std::vector<std::string>& experiment_names();
// Dispatches by name; throws std::invalid_argument("experiment 'x' is not one of ...") otherwise.
ExperimentResult run_experiment(const std::string& name, const ExperimentOptions& opt);

// Writes out_dir/REPORT.md: a runtime table (wall and CPU seconds per experiment, and the machine's load
// average when /proc/loadavg exists), then each result's markdown. `command` is the command line that produced
// the whole report. Returns the path.
std::string write_report(const std::string& out_dir, const std::vector<ExperimentResult>& results,
                         const std::string& command, int threads);

// ------------------------------------------------------------------ the multimodal toy, reusable by heads
// The toy problem: obs uniform in [−1, 1]^S, action +1 or −1 with probability ½ each, independent of obs,
// in episodes of episode_len rows (episode_ends every episode_len rows; the last may be shorter).
// Requires rows >= 1, obs_dim >= 1, episode_len >= 1; throws std::invalid_argument otherwise.
Dataset make_bimodal_toy(int rows, int obs_dim, int episode_len, uint64_t seed);
// Fresh observations (rows, obs_dim) uniform in [−1, 1] (the toy's test inputs).
Mat toy_observations(int rows, int obs_dim, uint64_t seed);

// A trained policy's action sampler: obs (B,S) -> out (B,A); stochastic heads draw from rng, MSE ignores it.
using ActionSampler = std::function<void(const Mat& obs, Mat& out, Rng& rng)>;
// A Policy as a sampler: its sampling predict(obs, out, scratch, rng), one draw from the head's distribution
// (the MSE head has none: its deterministic output, drawing nothing). Keeps its own copy of the policy.
ActionSampler policy_sampler(const Policy& policy);

struct ModeStats {
    long n = 0;                 // sampled actions (first action dimension, one per observation)
    double valid_fraction = 0;  // fraction within eps of +1 or −1
    double mode_balance = 0;    // among valid ones, the fraction near +1 (NaN if none is valid); ½ is balanced
    double mean_action = 0, std_action = 0;  // of the sampled actions (population std)
    std::vector<double> actions;             // the sampled actions, for histograms
};
// Samples one action per row of obs with `sample` and rng, and scores it against the modes ±1.
// Requires eps > 0; throws std::invalid_argument if the sampler's output is not (B, >=1).
ModeStats evaluate_modes(const ActionSampler& sample, const Mat& obs, Rng& rng, double eps = 0.1);

}  // namespace imitate::experiments
