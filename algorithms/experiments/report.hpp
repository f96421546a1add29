// Shared plumbing of the experiments: summary statistics, tables (markdown for REPORT.md, plain text for a
// terminal), CSV text, gnuplot scripts rendered to PNG when gnuplot is installed, wall/CPU timers, and the
// one parallel loop over independent (seed, config) jobs. No experiment logic lives here.
#pragma once
#include <cstdint>
#include <ctime>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "algorithms/bc.hpp"
#include "algorithms/dagger.hpp"
#include "algorithms/experiments/experiments.hpp"
#include "envs/registry.hpp"

namespace imitate::experiments {

// ------------------------------------------------------------------------------------------ statistics
// Mean, sample standard deviation (n − 1; 0 for n < 2) and the 95% interval of the mean,
// mean ± t·std/√n with t = Student's 0.975 quantile for n − 1 degrees of freedom (2.776 for 5 seeds, → 1.96
// for large n). Non-finite inputs are kept (they make the result non-finite, visibly).
struct Stats {
    int n = 0;
    double mean = 0, std = 0, lo = 0, hi = 0;
};
Stats stats_of(const std::vector<double>& x);
// s with its interval clipped to [lo, hi]: a rate's t interval over few seeds can run past 0 % or 100 %.
Stats clipped(Stats s, double lo, double hi);
// Student's t 0.975 quantile for df degrees of freedom (df >= 1; exact to 3 decimals, 1.96 beyond 1000).
double t975(int df);

// The paired per-seed difference of two methods run on the same seeds: stats_of(a[i] − b[i]), so its interval
// is over seeds (the unit of replication), not over pooled episodes. Throws std::invalid_argument if the sizes
// differ.
Stats paired(const std::vector<double>& a, const std::vector<double>& b);

// What a paired difference d = A − B (from paired()) lets a report say, decided by its 95% interval:
// ABeatsB if lo > 0, BBeatsA if hi < 0, Match if the whole interval lies within ±margin (margin >= 0; with
// margin 0 only identical per-seed values match), NotEstablished otherwise (or for fewer than 2 seeds, unless
// every difference is 0).
enum class Verdict { ABeatsB, BBeatsA, Match, NotEstablished };
Verdict verdict_of(const Stats& d, double margin = 0);
// The verdict in one sentence with its numbers, e.g. "DAgger beats BC: DAgger − BC = 12.0 [95% CI 5.1, 18.9]
// points, paired over 10 seeds" / "... not established: ... (the interval includes 0)". `unit` follows the
// numbers ("" for none); values are printed with `prec` decimals.
// A paired difference's numbers: "+2.5 [95% CI 1.6, 3.4] points, paired over 4 seeds" (unit "" for none).
std::string paired_text(const Stats& d, int prec, const std::string& unit);
// For a quantity where lower is better (an error, a cost), pass higher_is_better = false: then A beats B when
// the interval of A − B lies below 0.
std::string verdict_text(const std::string& a, const std::string& b, const Stats& d, double margin, int prec,
                         const std::string& unit, bool higher_is_better = true);

// The closing list of REPORT.md: which of the seed's claims held. A claim's status from the verdict of the
// paired difference that tests it (verdict_of, raw: A − B > 0 is ABeatsB whatever the sign convention): "held"
// when it is `expected`, "not established" when the interval includes 0, "did not hold" otherwise (the opposite
// sign, or a match within the margin). claim_line is one item: "**claim** (where) — status: evidence".
std::string claim_status(Verdict v, Verdict expected);
std::string claim_line(const std::string& claim, const std::string& where, const std::string& status,
                       const std::string& evidence);

// Least-squares slope of y on x. Requires x.size() == y.size() >= 2 and x not constant; returns NaN otherwise.
double fit_slope(const std::vector<double>& x, const std::vector<double>& y);

// ------------------------------------------------------------------------------------------ formatting
// printf("%.*f", prec, x); "nan" / "inf" for non-finite values.
std::string num(double x, int prec = 3);
// "m ± s" with both to `prec` decimals.
std::string pm(double mean, double std, int prec = 3);
// "12.3% [10.1, 14.9]" for a rate and its interval, in percent with one decimal.
std::string pct_ci(double rate, double lo, double hi);

// A table of strings: header and rows of the same width (rows are padded with "" if shorter).
struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::string markdown() const;  // GitHub pipe table, one line per row
    std::string text() const;      // columns padded to their widest cell (UTF-8 aware), for a terminal
};

// CSV text: a header line, then rows of numbers written with %.9g (no quoting needed: numbers only).
struct Csv {
    std::vector<std::string> header;
    std::vector<std::vector<double>> rows;  // each row has header.size() values
    // 1-based column of `name` (gnuplot's numbering); throws std::invalid_argument if absent.
    int col(const std::string& name) const;
    // Throws std::invalid_argument if a row's width differs from the header's.
    std::string str() const;
};

// ------------------------------------------------------------------------------------------ files, plots
// dir + "/" + name.
std::string join_path(const std::string& dir, const std::string& name);

// The opening lines of every script: pngcairo terminal of width×height pixels writing `png` (a file name
// relative to the script's directory), comma-separated data with a header line skipped, grid, key.
std::string gnuplot_preamble(const std::string& png, int width, int height);

// True if `command -v gnuplot` succeeds (checked once per process).
bool gnuplot_available();

// Runs `gnuplot <script>` inside `dir` (so the script's relative paths resolve there) if gnuplot is
// available. Returns true if gnuplot ran and exited with status 0; false when it is missing or failed.
bool render_gnuplot(const std::string& dir, const std::string& script);

// How to render by hand, for reports and logs: "cd DIR && gnuplot SCRIPT".
std::string render_hint(const std::string& dir, const std::string& script);

// ------------------------------------------------------------------------------------------ running
// Wall clock and process CPU time (all threads) since construction.
struct Timer {
    std::chrono::steady_clock::time_point wall0 = std::chrono::steady_clock::now();
    std::clock_t cpu0 = std::clock();
    double wall() const;
    double cpu() const;
};

// Runs job(0..n−1) with `#pragma omp parallel for schedule(dynamic, 1)`: jobs are independent and write
// only their own slot of the caller's result vectors, so results do not depend on the thread count
// (kernels and rollouts inside a job run single-threaded: nested OpenMP is off). Callers number their long
// jobs first, so the dynamic schedule does not end on one long straggler. If jobs throw, the exception of the
// lowest-numbered failing job is rethrown after all jobs have finished.
void run_jobs(int n, const std::function<void(int)>& job);

// ------------------------------------------------------------------------------------------ environments
// The table row experiment `name` runs on: opt.env, or default_id when opt.env is empty. Throws
// std::invalid_argument("experiment NAME: --env 'x': <the table's reason>") for an unknown environment (or one
// this build lacks), and ("... has no expert to demonstrate") for one without experts.
const EnvEntry& experiment_env(const ExperimentOptions& opt, const std::string& name, const std::string& default_id);
// The start of every measure_X: check_options(opt) (its errors), then experiment_env(opt, name, default_id).
const EnvEntry& measured_env(const ExperimentOptions& opt, const std::string& name, const std::string& default_id);
// The demonstrator of row e: "swingup" on pendulum (its first expert, "pd", is the seed's weak one that cannot
// swing the pole up), otherwise the row's first expert. Requires e to have an expert.
const ExpertEntry& demonstrator(const EnvEntry& e);
// x.make() as the shared, const Expert that rollouts, collect_demos and dagger take.
std::shared_ptr<const Expert> shared_expert(const ExpertEntry& x);
// "MLP S→h1→…→O" for a network from obs_dim through `hidden` to `out` outputs.
std::string mlp_text(int obs_dim, const std::vector<int>& hidden, const std::string& out);

// The sentence a section's budgets end with on an env whose budget differs from the others' (push: fewer
// evaluation episodes, why), "" elsewhere or when used == usual: "On `push` <used> <what> instead of <usual>: ...".
std::string env_budget_note(const std::string& env, long used, long usual, const std::string& what);

// The training budget an experiment states once: MLP widths, minibatch, Adam's rate, normalisation and a fixed
// number of gradient steps, whatever the dataset size.
struct TrainBudget {
    long steps = 3000;                // gradient steps per training
    std::vector<int> hidden{32, 32};  // hidden widths
    int batch = 256;                  // minibatch size
    float lr = 3e-3f;                 // Adam learning rate
    bool normalize = true;            // normalise observations and actions with dataset statistics
    BCConfig bc(uint64_t seed) const;  // a BCConfig with these settings and `seed`
};
// The seed's DAgger as the experiments run it: BetaSchedule::None (π̂_1 trained on the initial demos, the learner
// drives every round), `rounds` rounds of `episodes` learner episodes from `seed`, each training as `bc`; its
// per-round evaluation is one episode (the experiments evaluate the final policy themselves).
DAggerConfig seed_dagger(int rounds, int episodes, uint64_t seed, const BCConfig& bc);
// n held-out start states: env's reset drawn in sequence from Rng(seed), as simulator states for RolloutConfig::starts.
std::vector<std::vector<double>> held_out_starts(const Env& env, int n, uint64_t seed);

// ------------------------------------------------------------------------------------------ experiment glue
// Throws std::invalid_argument("experiment: --seeds ...") for seeds < 1 and
// std::invalid_argument("experiment: --out ...") if out_dir is not an existing directory.
void check_options(const ExperimentOptions& opt);
// opt.command if set, else "imitate experiment NAME --out DIR --seeds N" (+ " --env ID" when set, + " --quick").
std::string command_line(const ExperimentOptions& opt, const std::string& name);
// A sweep job's key: config + "_s" + the seed's index, zero-padded to 3 digits ("bc_H4_s007").
std::string job_key(const std::string& config, int seed);
// The sweep of experiment `name`: jobs in out_dir/jobs/<name>, opt.resume, opt.log, and a fingerprint of what
// the values depend on (name, env, experiment seed, seeds, quick), so --resume never reuses another setting's jobs.
SweepOptions sweep_options(const ExperimentOptions& opt, const std::string& name);
// Calls opt.log(msg) if set.
void log(const ExperimentOptions& opt, const std::string& msg);
// write_file_atomic(out_dir/name, text) and records the path in r.files.
void write_output(ExperimentResult& r, const ExperimentOptions& opt, const std::string& name, const std::string& text);
// An experiment's one plot: write_output(r, opt, NAME.gp, gp), then render_plots(r, opt, NAME.gp, {NAME.png}).
void write_plot(ExperimentResult& r, const ExperimentOptions& opt, const std::string& name, const std::string& gp);
// Renders out_dir/script (if opt.render and gnuplot is available), records the PNGs that now exist in
// r.files and sets r.plotted; logs the render hint otherwise.
void render_plots(ExperimentResult& r, const ExperimentOptions& opt, const std::string& script,
                  const std::vector<std::string>& pngs);
// Ends a section: md + the footer below becomes r.markdown and is written to out_dir/<r.name>.md.
void finish_section(ExperimentResult& r, const ExperimentOptions& opt, const std::string& md, const std::string& budgets,
                    const std::string& script, const std::vector<std::string>& pngs);
// run() with its wall and process CPU time recorded in the result (run_X = measure, then report).
ExperimentResult timed(const std::function<ExperimentResult()>& run);
// The markdown lines every section ends with: budgets, the command, the files, the plot image links (or
// the render hint when there are no PNGs).
std::string section_footer(const ExperimentResult& r, const ExperimentOptions& opt, const std::string& budgets,
                           const std::string& script, const std::vector<std::string>& pngs);

}  // namespace imitate::experiments
