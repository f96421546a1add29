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
#include <string>
#include <vector>

#include "algorithms/dataset.hpp"
#include "algorithms/heads/head.hpp"
#include "algorithms/experiments/sweep.hpp"
#include "algorithms/policy.hpp"
#include "engine/rng.hpp"
#include "envs/registry.hpp"
#include "envs/rollout.hpp"

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
    std::string name;                       // the experiment's name (experiment_names())
    std::string markdown;                   // the report section: lesson with the computed numbers, table, plot
                                            //   link, budgets, the command
    std::string table;                      // the main table as plain text, for a terminal
    std::vector<std::string> claims;        // the seed's claims this experiment tests, one claim_line (report.hpp)
                                            //   each; write_report lists them all at the end of REPORT.md
    std::vector<std::string> files;         // paths written, in order
    bool plotted = false;                   // gnuplot rendered the PNG(s)
    double wall_seconds = 0, cpu_seconds = 0;  // this experiment's wall time and process CPU time (all threads)
};

// Budgets: each experiment's config is the same on every env except `push`, whose step costs 65 µs (contacts;
// 12× reacher's, 2000× the pendulum's): there the configs evaluate fewer episodes per cell (X_config(quick, "push"))
// to cut the cost of `imitate experiment all --env push`; every report states its budget and the cut.
// Every run_* requires seeds >= 1, an existing out_dir and an env it can use (one of the table with at least
// one expert); throws std::invalid_argument naming the option otherwise, std::runtime_error if a file cannot
// be written. CSV columns are listed in each .cpp's header. The demonstrator is the env's first expert, except
// on pendulum, whose first ("pd") is the seed's weak one: there the swing-up expert (compounding: both).

// 1. Compounding error of BC vs the seed's DAgger (5 on-policy rounds) against the expert's own trajectory from
//    the same held-out starts. env: pendulum (default; the PD and the swing-up expert, error |angle_normalize(Δθ)|
//    in rad) or any env with an expert (its first; error = Env::state_distance between learner and expert
//    states, in spec().distance_unit: reacher's fingertips, push's pusher and block, in m; after an episode
//    terminates its final state stands). Writes compounding.{csv,gp,png,md} and compounding_disagreement.png. run_compounding =
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

// One training seed's evaluation of one configuration (scores.hpp summarises them over seeds).
struct SeedScore {
    double successes = 0, episodes = 0;  // its evaluation episodes (the env's success rule)
    double ret = 0;                      // mean return over them
    double extra = 0;                    // the experiment's own measure (jerk, compounding error, ...)
    double rate() const { return episodes > 0 ? successes / episodes : 0.0; }
};

// 2. Action chunking: H × execution (open loop; receding with every k in 1..H−1; temporal ensemble with every
//    m of ensemble_ms), the same gradient-step budget for every H, and the smoothness of the executed actions
//    (mean squared jerk, scores.hpp). env: pendulum (default, swing-up expert) or any env with an expert.
//    measure_chunking runs one job per (H, seed) and one per seed for the expert on the same held-out starts;
//    report_chunking writes chunking.{csv,gp,png,md}, chunking_cells.csv (every cell over seeds) and
//    chunking_seeds.csv (one row per (cell, seed)); every comparison it states is a paired per-seed difference.
struct ChunkingConfig {
    std::vector<int> horizons{1, 2, 4, 8, 16};  // H values
    std::vector<double> ensemble_ms{-1, -0.1, 0, 0.01, 0.1, 1};  // ensemble weights exp(−m·i), i = 0 the oldest
    double main_m = 0.01;                      // the ensemble of the main table (ACT's)
    int compare_H = 8;                         // the H of the headline comparisons (must be in horizons)
    int demo_episodes = 10;                    // expert episodes per seed (Pendulum: swing-up)
    long train_steps = 3000;                   // gradient steps for every H (the same budget)
    std::vector<int> hidden{32, 32};           // hidden widths
    int batch = 256;                           // minibatch size
    float lr = 3e-3f;                          // Adam learning rate
    int eval_episodes = 100;                   // evaluation episodes per (seed, cell), held-out starts
};
ChunkingConfig chunking_config(bool quick, const std::string& env = "");
struct ChunkExec {
    int H = 1;                 // chunk length the policy was trained with
    Exec mode = Exec::Open;    // open loop (k = H), receding (k < H) or ensemble (m)
    int k = 1;                 // actions executed per query (ensemble: 1)
    double m = 0;              // ensemble weight (ensemble only)
};
struct ChunkingResult {
    ChunkingConfig config;
    std::string env_id, expert_name;            // the environment and its demonstrator
    int seeds = 0;
    std::vector<ChunkExec> cells;               // every configuration evaluated, grouped by H
    std::vector<std::vector<SeedScore>> score;  // [cell][seed]; extra = mean squared jerk of executed actions
    std::vector<SeedScore> expert;              // [seed] the demonstrator on the same starts (extra = jerk)
    double demo_rows = 0;                       // mean demonstration rows per seed
};
ChunkingResult measure_chunking(const ExperimentOptions& opt);
ExperimentResult report_chunking(const ChunkingResult& r, const ExperimentOptions& opt);
ExperimentResult run_chunking(const ExperimentOptions& opt);  // report_chunking(measure_chunking(opt), opt)

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
//    held-out starts: on the point mass from two test distributions, the demonstrations' own start band and a
//    wider one (pm_wide_halfwidth); elsewhere the env's reset. The demonstrator is scored on the same held-out
//    starts. measure_multimodal runs one job per (head, seed) on the toy, per (H, head, seed) on the env and per
//    seed for the demonstrator; report_multimodal writes multimodal.{csv,gp,png,md}, multimodal_point_mass.csv,
//    multimodal_point_mass_seeds.csv (the env part, whatever the env) and, on point_mass only,
//    multimodal_paths.gp and per H multimodal_paths_H<H>.{csv,png}.
struct MultimodalConfig {
    // (a) the toy; gradient steps are per head (heads() in multimodal.cpp): they converge at different speeds
    int obs_dim = 3;                  // S of the toy observations
    int rows = 2000;                  // training rows per seed
    int episode_len = 100;            // rows per episode (episode_ends every episode_len rows)
    int test_rows = 1000;             // fresh observations each head is scored on, per seed
    double eps = 0.1;                 // a sampled action is valid within eps of +1 or −1
    int bins = 31;                    // histogram bins of width 0.1 over [lo, hi), centred on 0 and ±1
    double lo = -1.55, hi = 1.55;     // histogram range
    // (b) the point mass (or --env); the same budget for every head
    int pm_demos = 50;                // expert demonstrations per seed (point mass: about 35 steps each)
    long pm_steps = 2000;             // gradient steps per head
    std::vector<int> pm_chunks{1, 8};  // H values: actions per query, executed open loop (a policy per H)
    int env_seeds = 0;                // > 0: the env part runs min(--seeds, env_seeds) seeds (a time budget); 0: all
    int pm_eval = 100;                // evaluation episodes per (seed, row, test distribution)
    double pm_wide_halfwidth = 0.3;   // point mass: the wider test band, x0 ~ U(−w, w) (the demos': ±0.05)
    int pm_paths = 10;                // paths per (seed, row) drawn in the plot
    // both
    std::vector<int> hidden{64, 64};  // hidden widths
    int batch = 256;                  // minibatch size
    float lr = 1e-3f;                 // Adam learning rate
    bool quick = false;               // use each head's quick toy budget
};
MultimodalConfig multimodal_config(bool quick, const std::string& env = "");

// One (row, seed, test distribution) of rollouts: counts, and the first few paths for the plot (point mass).
struct PathStats {
    int episodes = 0, successes = 0, collisions = 0, left = 0, right = 0;  // collisions: ended without success
    std::vector<MatD> shown;   // (T_i+1,2): the start, then the position after every step
    std::vector<int> outcome;  // per shown path: 1 goal, 2 collision, 0 time limit
};

// The toy's scores of one sampler (evaluate_modes below).
struct ModeStats {
    long n = 0;                 // sampled actions (first action dimension, one per observation)
    double valid_fraction = 0;  // fraction within eps of +1 or −1
    double mode_balance = 0;    // among valid ones, the fraction near +1 (NaN if none is valid); ½ is balanced
    double mean_action = 0, std_action = 0;  // of the sampled actions (population std)
    std::vector<double> actions;             // the sampled actions, for histograms
};
struct MultimodalResult {
    MultimodalConfig config;
    std::string env_id, expert_name;
    int seeds = 0, env_seeds = 0;                   // the toy's seeds; the env part's (its first env_seeds)
    std::vector<std::string> row_keys, row_labels;  // the table rows (a head and its readout), in order
    std::vector<long> row_toy_steps;                // gradient steps on the toy per row
    std::vector<std::string> tests;                 // the env part's test distributions, in words
    std::vector<std::vector<ModeStats>> toy;        // [row][seed]
    std::vector<std::vector<double>> toy_actions;   // [seed] the toy's demonstrated actions
    std::vector<PathStats> demos;                   // [env seed] the demonstrations themselves (their own starts)
    std::vector<std::vector<PathStats>> expert;     // [test][env seed] the demonstrator on the held-out starts
    std::vector<std::vector<std::vector<PathStats>>> paths;  // [test][chunk·rows + row][env seed]
};
MultimodalResult measure_multimodal(const ExperimentOptions& opt);
ExperimentResult report_multimodal(const MultimodalResult& r, const ExperimentOptions& opt);
ExperimentResult run_multimodal(const ExperimentOptions& opt);

// 6. Learning curves: success and compounding error against the number of expert demonstrations (episodes)
//    for BC, BC with noise injection (DART, σ = noise_sigma × the action half-range) and DAgger at the same
//    number of expert labels (the N episodes' worth split into min(N, 5) equal parts: D0, then on-policy
//    rounds of the seed's DAgger, β = 0 from round 1).
//    env: pendulum (default, swing-up expert) or any env with an expert. One job per (N, method, seed).
//    report_demos writes demos.{csv,gp,png,md} and demos_seeds.csv.
struct DemosConfig {
    std::vector<int> demos{1, 2, 5, 10, 20, 50, 100};  // N: expert episodes (their labels for every method)
    double noise_sigma = 0.25;      // BC + noise: σ as a fraction of the action half-range
    int dagger_parts = 5;           // DAgger splits N episodes into min(N, parts): D0 and parts − 1 rounds
    long train_steps = 2000;        // gradient steps per training (every method, every DAgger round)
    std::vector<int> hidden{32, 32};  // hidden widths
    int batch = 256;                // minibatch size
    float lr = 3e-3f;               // Adam learning rate
    int eval_episodes = 50;         // held-out evaluation episodes per (N, method, seed)
};
DemosConfig demos_config(bool quick, const std::string& env = "");
struct DemosResult {
    DemosConfig config;
    std::string env_id, expert_name;
    int seeds = 0;
    // [method][N index][seed], method 0 BC, 1 BC + noise, 2 DAgger (N = 1: no round, DAgger is BC on D0):
    // extra = compounding error, the mean over steps of the distance between the learner's and the expert's
    // states from the same start (Env::state_distance, in spec().distance_unit: Pendulum rad, reacher and push m).
    std::vector<std::vector<std::vector<SeedScore>>> score;
    std::vector<std::vector<std::vector<double>>> labels;  // [method][N index][seed] expert labels trained on
};
DemosResult measure_demos(const ExperimentOptions& opt);
ExperimentResult report_demos(const DemosResult& r, const ExperimentOptions& opt);
ExperimentResult run_demos(const ExperimentOptions& opt);

// 7. Noise injection (DART) with σ swept: BC on demonstrations collected with N(0, σ²) added to the executed
//    action (labels stay clean), σ = sigmas × the action half-range; success and return against σ = 0
//    (paired per seed), and what the clip does to the noise: the fraction of noisy actions outside the bounds,
//    and the std and mean of the noise the env executed, clip(a + n) − clip(a). env: pendulum (default) or any
//    env with an expert. One job per (σ, seed). report_noise writes noise.{csv,gp,png,md} and noise_seeds.csv.
struct NoiseConfig {
    std::vector<double> sigmas{0, 0.1, 0.25, 0.5, 1.0, 2.0};  // σ as fractions of the action half-range
    int demo_episodes = 3;          // expert episodes per seed (the same starts for every σ)
    long train_steps = 2000;        // gradient steps per training
    std::vector<int> hidden{32, 32};  // hidden widths
    int batch = 256;                // minibatch size
    float lr = 3e-3f;               // Adam learning rate
    int eval_episodes = 100;        // held-out evaluation episodes per (σ, seed)
};
NoiseConfig noise_config(bool quick, const std::string& env = "");
// What the clip did to one seed's noisy demonstrations (all action dimensions pooled).
struct ClipStats {
    double clipped = 0;     // fraction of executed actions a + n outside [low, high]
    double saturated = 0;   // fraction of the expert's clean actions at a bound (|a| within 1e-3 of it)
    double nominal = 0;     // std of the drawn noise n = executed − clean
    double effective = 0;   // std of the executed noise clip(a + n) − clip(a)
    double mean = 0;        // mean of the executed noise (one-sided clipping makes it non-zero)
};
struct NoiseResult {
    NoiseConfig config;
    std::string env_id, expert_name;
    int seeds = 0;
    double half_range = 0;                         // of action dimension 0 (σ's unit)
    std::vector<std::vector<SeedScore>> score;     // [σ index][seed]
    std::vector<std::vector<ClipStats>> clip;      // [σ index][seed]
};
NoiseResult measure_noise(const ExperimentOptions& opt);
ExperimentResult report_noise(const NoiseResult& r, const ExperimentOptions& opt);
ExperimentResult run_noise(const ExperimentOptions& opt);

// 7. Return conditioning (the Decision Transformer, Chen et al. 2021): per seed, a DT is trained on mixed-quality
//    data (the expert, the expert with noise σ = noise × the action half-range, a uniformly random controller;
//    algorithms/mixed_data.hpp) and evaluated asking for `targets` returns spread evenly over [the data's worst,
//    best] episode return. The achieved return against the target per seed gives a least-squares slope; the
//    slope's t interval over seeds says whether the policy follows the return it is asked for (slope > 0) and how
//    closely (slope 1). env: pendulum (default, swing-up expert) or any env with an expert. One job per seed.
//    report_returns writes returns.{csv,gp,png,md} and returns_seeds.csv.
struct ReturnsConfig {
    int expert_episodes = 20, noisy_episodes = 20, random_episodes = 20;  // the mix per seed
    double noise = 2.0;             // the noisy part's σ as a fraction of the action half-range
    int targets = 5;                // target returns per seed, evenly over [worst, best] data return
    int context = 10, d_model = 32, nhead = 2, ff = 64, layers = 2;       // the transformer
    long train_steps = 1500;        // Adam steps
    int batch = 32;                 // windows per minibatch
    float lr = 1e-3f;               // Adam learning rate
    int eval_episodes = 20;         // held-out episodes per (target, seed)
};
ReturnsConfig returns_config(bool quick);
struct ReturnsSeed {
    double low = 0, high = 0;               // worst and best episode return in the seed's data
    double expert = 0, noisy = 0, random = 0;  // mean episode return of each part of the data
    std::vector<double> target, achieved;   // (targets) asked for, mean return achieved
    std::vector<double> success;            // (targets) success rate (the env's rule)
    double slope = 0;                       // least-squares slope of achieved on target
};
struct ReturnsResult {
    ReturnsConfig config;
    std::string env_id, expert_name;
    int seeds = 0;
    double half_range = 0;                  // of action dimension 0 (the noise's unit)
    std::vector<ReturnsSeed> runs;          // [seed]; empty off the report writer (MPI)
};
ReturnsResult measure_returns(const ExperimentOptions& opt);
ExperimentResult report_returns(const ReturnsResult& r, const ExperimentOptions& opt);
ExperimentResult run_returns(const ExperimentOptions& opt);

// 5. Horizon: the seed says BC's cost grows ∝ T² and DAgger's ∝ T. The cost gap J(π̂) − J(π*) (cost = −reward,
//    summed over the first T steps from the same held-out starts) and the fraction of failed episodes (the expert
//    succeeds by T, the learner does not) against T ∈ {⅛, ¼, ½, 1, 2, 4} × the env's time limit (Pendulum:
//    25 … 800), for BC and the seed's DAgger at equal labels; the exponent is the log-log slope of the gap per seed, with its interval over seeds. env:
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

// 7. Architectures (issue 16): which way of representing actions wins where. The same demonstrations (the env's
//    demonstrator, demo_episodes episodes per seed) train every row of architecture_rows() (the MLP heads, and ACT
//    and the Decision Transformer as rows of their own) at the same gradient-step budget; each is evaluated from
//    the same held-out starts: success (the env's rule) and final error (Env::goal_error after the last step),
//    over training seeds with t intervals, each row against MLP-MSE as a paired per-seed difference. Beside them
//    the cost: trainable parameters, measured seconds per training step and µs per query and per executed action
//    at batch 1 (timed once per row on the report writer, one thread, after the sweep: the only numbers that are
//    not reproducible to the byte). env: pendulum (default, swing-up expert) or any env with an expert (push,
//    reacher). One job per (row, seed) and one per seed for the demonstrator on the same starts.
//    report_architectures writes architectures.{csv,gp,png,md} and architectures_seeds.csv.
struct ArchRow {
    std::string key, label;               // job and CSV key ([a-z0-9_]); the name in tables and plots
    HeadConfig head;                      // the head and its settings (heads/head.hpp)
    int chunk = 1;                        // H: actions per query
    ExecConfig exec{};                    // how chunks execute (H = 1: irrelevant)
    std::string about{};                  // the network in words; empty: "MLP S→widths→out" from the head's widths
    std::vector<int> hidden{128, 128};    // MLP hidden widths (heads that are MLPs)
    long steps = 3000, steps_quick = 300;  // gradient steps (full, --quick)
    int batch = 256;                      // minibatch size (the Decision Transformer: windows of `context` steps)
    float lr = 1e-3f;                     // Adam learning rate
    bool mixed_data = false;              // also trains on the mixed-quality episodes (the Decision Transformer)
};
// The architectures compared, one row each, in table order; the first (MLP-MSE) is the paired baseline.
std::vector<ArchRow> architecture_rows();
struct ArchitecturesConfig {
    std::vector<ArchRow> rows = architecture_rows();
    int demo_episodes = 20;            // demonstrator episodes per seed (the same for every row)
    double mixed_noise = 0.5;          // mixed-quality data: σ of the noisy demonstrator (× the action half-range)
    int mixed_episodes = 10;           // mixed-quality episodes per controller (noisy demonstrator, random)
    int eval_episodes = 50;            // held-out evaluation episodes per (row, seed)
    int max_seeds = 5;                 // > 0: runs min(--seeds, max_seeds) seeds (the time budget); 0: all
    int timing_steps = 100;            // training steps timed per row (after 5 untimed)
    int timing_queries = 300;          // batch-1 queries timed per row (after 10 untimed)
};
ArchitecturesConfig architectures_config(bool quick);
struct ArchCost {
    double params = 0;        // trainable parameters (every tensor the optimiser updates)
    double acting_params = 0;  // of the network that acts (without a training-only encoder)
    double step_seconds = 0;  // measured seconds per training step (the row's minibatch, one thread)
    double query_us = 0;      // measured µs per query at batch 1 (one thread)
    double action_us = 0;     // µs per executed action: query_us × queries per action (open loop 1/H, ensemble 1)
};
struct ArchitecturesResult {
    ArchitecturesConfig config;
    std::string env_id, expert_name;
    int seeds = 0;
    std::vector<std::string> size_text;       // [row] the network's layers and widths, in words
    std::vector<std::vector<SeedScore>> score;  // [row][seed]; extra = mean final error (Env::goal_error)
    std::vector<SeedScore> expert;            // [seed] the demonstrator on the same starts
    std::vector<double> demo_return;          // [seed] mean return of the seed's demonstrations
    double demo_rows = 0, mixed_rows = 0;     // mean rows per seed: demonstrations; mixed-quality extra
    std::vector<ArchCost> cost;               // [row]
};
// measure_architectures(opt) runs architectures_config(opt.quick); the overload runs the rows and budgets of `c`.
ArchitecturesResult measure_architectures(const ExperimentOptions& opt);
ArchitecturesResult measure_architectures(const ExperimentOptions& opt, const ArchitecturesConfig& c);
ExperimentResult report_architectures(const ArchitecturesResult& r, const ExperimentOptions& opt);
ExperimentResult run_architectures(const ExperimentOptions& opt);

// "compounding", "chunking", "dagger", "multimodal", "horizon", "demos", "noise": the experiments `all` runs.
const std::vector<std::string>& experiment_names();
// "architectures": experiments run only by name (over `all`'s 5-minute budget; README "Results").
const std::vector<std::string>& extra_experiment_names();
// Dispatches by name; throws std::invalid_argument("experiment 'x' is not one of ...") otherwise.
ExperimentResult run_experiment(const std::string& name, const ExperimentOptions& opt);

// Writes out_dir/REPORT.md: a runtime table (wall and CPU seconds per experiment, and the machine's load
// average when /proc/loadavg exists), then each result's markdown, then every result's claims in one list
// ("Which of the seed's claims held"). `command` is the command line that produced
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

// Samples one action per row of obs with `sample` and rng, and scores it against the modes ±1.
// Requires eps > 0; throws std::invalid_argument if the sampler's output is not (B, >=1).
ModeStats evaluate_modes(const ActionSampler& sample, const Mat& obs, Rng& rng, double eps = 0.1);

}  // namespace imitate::experiments
