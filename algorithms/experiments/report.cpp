// Statistics, tables, CSV, gnuplot and the job loop shared by the experiments (contracts in report.hpp).
#include "algorithms/experiments/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "algorithms/io/atomic_file.hpp"

namespace imitate::experiments {

Stats stats_of(const std::vector<double>& x) {
    Stats s;
    s.n = static_cast<int>(x.size());
    if (s.n == 0) return s;
    double sum = 0;
    for (double v : x) sum += v;
    s.mean = sum / s.n;
    double sq = 0;
    for (double v : x) sq += (v - s.mean) * (v - s.mean);
    s.std = s.n > 1 ? std::sqrt(sq / (s.n - 1)) : 0.0;
    const double half = (s.n > 1 ? t975(s.n - 1) : 0.0) * s.std / std::sqrt(double(s.n));
    s.lo = s.mean - half;
    s.hi = s.mean + half;
    return s;
}

Stats clipped(Stats s, double lo, double hi) {
    s.lo = std::clamp(s.lo, lo, hi);
    s.hi = std::clamp(s.hi, lo, hi);
    return s;
}

double t975(int df) {
    static const double table[30] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                     2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                     2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    if (df < 1) return std::nan("");
    if (df <= 30) return table[df - 1];
    if (df <= 60) return 2.042 + (2.000 - 2.042) * (df - 30) / 30.0;    // 2.000 at 60
    if (df <= 120) return 2.000 + (1.980 - 2.000) * (df - 60) / 60.0;   // 1.980 at 120
    if (df <= 1000) return 1.980 + (1.962 - 1.980) * (df - 120) / 880.0;  // 1.962 at 1000
    return 1.96;
}

Stats paired(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size())
        throw std::invalid_argument("paired: " + std::to_string(a.size()) + " values against " + std::to_string(b.size()));
    std::vector<double> d(a.size());
    for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
    return stats_of(d);
}

std::string paired_text(const Stats& d, int prec, const std::string& unit) {
    return (d.mean > 0 ? "+" : "") + num(d.mean, prec) + " [95% CI " + num(d.lo, prec) + ", " + num(d.hi, prec) + "]" +
           (unit.empty() ? "" : " " + unit) + ", paired over " + std::to_string(d.n) + " seed" + (d.n == 1 ? "" : "s");
}

Verdict verdict_of(const Stats& d, double margin) {
    if (d.n >= 1 && d.mean == 0 && d.std == 0) return Verdict::Match;  // identical on every seed
    if (d.n < 2 || !std::isfinite(d.lo) || !std::isfinite(d.hi)) return Verdict::NotEstablished;
    if (d.lo > 0) return Verdict::ABeatsB;
    if (d.hi < 0) return Verdict::BBeatsA;
    if (d.lo >= -margin && d.hi <= margin) return Verdict::Match;
    return Verdict::NotEstablished;
}

std::string verdict_text(const std::string& a, const std::string& b, const Stats& d, double margin, int prec,
                         const std::string& unit, bool higher_is_better) {
    const std::string u = unit.empty() ? "" : " " + unit;
    const std::string diff = a + " − " + b + " = " + paired_text(d, prec, unit);
    Verdict v = verdict_of(d, margin);
    if (!higher_is_better && v == Verdict::ABeatsB) v = Verdict::BBeatsA;
    else if (!higher_is_better && v == Verdict::BBeatsA) v = Verdict::ABeatsB;
    switch (v) {
        case Verdict::ABeatsB: return a + " beats " + b + ": " + diff;
        case Verdict::BBeatsA: return b + " beats " + a + ": " + diff;
        case Verdict::Match:
            return a + " matches " + b + ": " + diff +
                   (d.std == 0 && d.mean == 0 ? " (identical on every seed)" : " (inside ±" + num(margin, prec) + u + ")");
        case Verdict::NotEstablished: break;
    }
    return a + " vs " + b + " not established: " + diff +
           (d.n < 2 ? " (one seed gives no interval)" : " (the interval includes 0" +
                                                           (margin > 0 ? " and leaves ±" + num(margin, prec) + u : "") + ")");
}

std::string env_budget_note(const std::string& env, long used, long usual, const std::string& what) {
    if (env != "push" || used == usual) return "";
    return " On `push` " + std::to_string(used) + " " + what + " instead of " + std::to_string(usual) +
           ": a step simulates contacts (65 µs, 2000× the pendulum's), so the evaluation budget is cut there; the "
           "training budget is the same.";
}

std::string claim_status(Verdict v, Verdict expected) {
    return v == expected ? "held" : v == Verdict::NotEstablished ? "not established" : "did not hold";
}

std::string claim_line(const std::string& claim, const std::string& where, const std::string& status,
                       const std::string& evidence) {
    return "**" + claim + "** (" + where + ") — " + status + ": " + evidence;
}

double fit_slope(const std::vector<double>& x, const std::vector<double>& y) {
    const size_t n = x.size();
    if (n < 2 || y.size() != n) return std::nan("");
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; ++i) mx += x[i], my += y[i];
    mx /= n;
    my /= n;
    double sxy = 0, sxx = 0;
    for (size_t i = 0; i < n; ++i) sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx);
    return sxx > 0 ? sxy / sxx : std::nan("");
}

std::string num(double x, int prec) {
    if (std::isnan(x)) return "nan";
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", prec, x);
    return b;
}

std::string pm(double mean, double std, int prec) { return num(mean, prec) + " ± " + num(std, prec); }

std::string pct_ci(double rate, double lo, double hi) {
    return num(100 * rate, 1) + "% [" + num(100 * lo, 1) + ", " + num(100 * hi, 1) + "]";
}

// Display width: UTF-8 continuation bytes (10xxxxxx) take no column.
static size_t width(const std::string& s) {
    size_t w = 0;
    for (unsigned char c : s) w += (c & 0xC0) != 0x80;
    return w;
}

std::string Table::markdown() const {
    std::string out = "|";
    for (const auto& h : header) out += " " + h + " |";
    out += "\n|";
    for (size_t j = 0; j < header.size(); ++j) out += j == 0 ? "---|" : "---:|";
    out += "\n";
    for (const auto& r : rows) {
        out += "|";
        for (size_t j = 0; j < header.size(); ++j) out += " " + (j < r.size() ? r[j] : std::string()) + " |";
        out += "\n";
    }
    return out;
}

std::string Table::text() const {
    std::vector<size_t> w(header.size());
    for (size_t j = 0; j < header.size(); ++j) {
        w[j] = width(header[j]);
        for (const auto& r : rows)
            if (j < r.size()) w[j] = std::max(w[j], width(r[j]));
    }
    auto line = [&](const std::vector<std::string>& r) {
        std::string out;
        for (size_t j = 0; j < header.size(); ++j) {
            const std::string cell = j < r.size() ? r[j] : std::string();
            const std::string pad(w[j] - width(cell), ' ');
            out += (j ? "  " : "") + (j == 0 ? cell + pad : pad + cell);  // first column left, numbers right
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        return out + "\n";
    };
    std::string out = line(header);
    size_t total = 0;
    for (size_t x : w) total += x + 2;
    out += std::string(total > 2 ? total - 2 : 0, '-') + "\n";
    for (const auto& r : rows) out += line(r);
    return out;
}

int Csv::col(const std::string& name) const {
    for (size_t j = 0; j < header.size(); ++j)
        if (header[j] == name) return static_cast<int>(j) + 1;
    throw std::invalid_argument("csv: no column '" + name + "'");
}

std::string Csv::str() const {
    std::string out;
    for (size_t j = 0; j < header.size(); ++j) out += (j ? "," : "") + header[j];
    out += "\n";
    for (size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].size() != header.size())
            throw std::invalid_argument("csv: row " + std::to_string(i) + " has " + std::to_string(rows[i].size()) +
                                        " values, expected " + std::to_string(header.size()));
        for (size_t j = 0; j < rows[i].size(); ++j) {
            char b[40];
            std::snprintf(b, sizeof b, "%.9g", rows[i][j]);
            out += (j ? "," : "") + std::string(b);
        }
        out += "\n";
    }
    return out;
}

std::string join_path(const std::string& dir, const std::string& name) {
    if (dir.empty()) return name;
    return dir.back() == '/' ? dir + name : dir + "/" + name;
}

std::string gnuplot_preamble(const std::string& png, int width, int height) {
    return "set terminal pngcairo size " + std::to_string(width) + "," + std::to_string(height) +
           " enhanced font 'Sans,10'\n"
           "set output '" + png + "'\n"
           "set datafile separator ','\n"
           "set datafile missing 'nan'\n"
           "set grid\n"
           "set key top left\n";
}

// Single-quoted for the shell: ' becomes '\''.
static std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

bool gnuplot_available() {
    static const bool ok = std::system("command -v gnuplot >/dev/null 2>&1") == 0;
    return ok;
}

bool render_gnuplot(const std::string& dir, const std::string& script) {
    if (!gnuplot_available()) return false;
    const std::string cmd = "cd " + shell_quote(dir) + " && gnuplot " + shell_quote(script) + " 2>/dev/null";
    return std::system(cmd.c_str()) == 0;
}

std::string render_hint(const std::string& dir, const std::string& script) {
    return "cd " + shell_quote(dir) + " && gnuplot " + script;
}

double Timer::wall() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count(); }
double Timer::cpu() const { return double(std::clock() - cpu0) / CLOCKS_PER_SEC; }

void run_jobs(int n, const std::function<void(int)>& job) {
    std::vector<std::exception_ptr> errors(static_cast<size_t>(std::max(n, 0)));
    // An exception must not leave an OpenMP region: catch it per job, rethrow the first after the loop.
#pragma omp parallel for schedule(dynamic, 1)
    for (int j = 0; j < n; ++j) {
        try {
            job(j);
        } catch (...) {
            errors[j] = std::current_exception();
        }
    }
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

void check_options(const ExperimentOptions& opt) {
    if (opt.seeds < 1) throw std::invalid_argument("experiment: --seeds must be >= 1, got " + std::to_string(opt.seeds));
    if (!std::filesystem::is_directory(opt.out_dir))
        throw std::invalid_argument("experiment: --out '" + opt.out_dir + "' is not an existing directory");
}

std::string command_line(const ExperimentOptions& opt, const std::string& name) {
    if (!opt.command.empty()) return opt.command;
    return "imitate experiment " + name + " --out " + opt.out_dir + " --seeds " + std::to_string(opt.seeds) +
           (opt.env.empty() ? "" : " --env " + opt.env) + (opt.quick ? " --quick" : "");
}

const EnvEntry& experiment_env(const ExperimentOptions& opt, const std::string& name, const std::string& default_id) {
    const std::string id = opt.env.empty() ? default_id : opt.env;
    const EnvEntry* e = nullptr;
    try {
        e = &find_env(id);
    } catch (const std::invalid_argument& err) {
        throw std::invalid_argument("experiment " + name + ": --env '" + id + "': " + err.what());
    }
    if (e->experts.empty())
        throw std::invalid_argument("experiment " + name + ": --env '" + id + "' has no expert to demonstrate; use an "
                                    "environment with one (imitate envs lists them)");
    return *e;
}

const EnvEntry& measured_env(const ExperimentOptions& opt, const std::string& name, const std::string& default_id) {
    check_options(opt);
    return experiment_env(opt, name, default_id);
}

const ExpertEntry& demonstrator(const EnvEntry& e) {
    if (e.id == "pendulum")
        for (const ExpertEntry& x : e.experts)
            if (x.name == "swingup") return x;
    return e.experts.at(0);
}

std::shared_ptr<const Expert> shared_expert(const ExpertEntry& x) { return std::shared_ptr<const Expert>(x.make()); }

std::string mlp_text(int obs_dim, const std::vector<int>& hidden, const std::string& out) {
    std::string s = "MLP " + std::to_string(obs_dim);
    for (int h : hidden) s += "→" + std::to_string(h);
    return s + "→" + out;
}

std::string job_key(const std::string& config, int seed) {
    char b[16];
    std::snprintf(b, sizeof b, "_s%03d", seed);
    return config + b;
}

SweepOptions sweep_options(const ExperimentOptions& opt, const std::string& name) {
    const std::string fingerprint = name + " env=" + (opt.env.empty() ? "default" : opt.env) + " seed=" +
                                    std::to_string(opt.seed) + " seeds=" + std::to_string(opt.seeds) +
                                    (opt.quick ? " quick" : "");
    return {join_path(opt.out_dir, "jobs/" + name), opt.resume, opt.log, fingerprint};
}

void log(const ExperimentOptions& opt, const std::string& msg) {
    if (opt.log) opt.log(msg);
}

void write_output(ExperimentResult& r, const ExperimentOptions& opt, const std::string& name, const std::string& text) {
    const std::string path = join_path(opt.out_dir, name);
    write_file_atomic(path, text);
    r.files.push_back(path);
}

void render_plots(ExperimentResult& r, const ExperimentOptions& opt, const std::string& script,
                  const std::vector<std::string>& pngs) {
    r.plotted = false;
    if (opt.render && render_gnuplot(opt.out_dir, script)) {
        r.plotted = true;
        for (const auto& png : pngs) {
            const std::string path = join_path(opt.out_dir, png);
            if (std::filesystem::exists(path)) r.files.push_back(path);
            else r.plotted = false;
        }
    }
    if (!r.plotted) log(opt, r.name + ": no PNG rendered; render with: " + render_hint(opt.out_dir, script));
}

void write_plot(ExperimentResult& r, const ExperimentOptions& opt, const std::string& name, const std::string& gp) {
    write_output(r, opt, name + ".gp", gp);
    render_plots(r, opt, name + ".gp", {name + ".png"});
}

BCConfig TrainBudget::bc(uint64_t seed) const {
    BCConfig b;
    b.steps = steps;
    b.policy.hidden = hidden;
    b.batch = batch;
    b.lr = lr;
    b.normalize = normalize;
    b.seed = seed;
    return b;
}

DAggerConfig seed_dagger(int rounds, int episodes, uint64_t seed, const BCConfig& bc) {
    DAggerConfig dc;
    dc.rounds = rounds;
    dc.episodes_per_round = episodes;
    dc.schedule = BetaSchedule::None;
    dc.seed = seed;
    dc.bc = bc;
    dc.eval.episodes = 1;
    return dc;
}

std::vector<std::vector<double>> held_out_starts(const Env& env, int n, uint64_t seed) {
    Rng rng(seed);
    const std::unique_ptr<Env> e = env.clone();
    std::vector<std::vector<double>> starts;
    for (int i = 0; i < n; ++i) {
        e->reset(rng);
        starts.emplace_back(static_cast<size_t>(env.spec().state_dim));
        e->get_state(starts.back().data());
    }
    return starts;
}

void finish_section(ExperimentResult& r, const ExperimentOptions& opt, const std::string& md, const std::string& budgets,
                    const std::string& script, const std::vector<std::string>& pngs) {
    r.markdown = md + "\n" + section_footer(r, opt, budgets, script, pngs);
    write_output(r, opt, r.name + ".md", r.markdown);
}

ExperimentResult timed(const std::function<ExperimentResult()>& run) {
    Timer timer;
    ExperimentResult r = run();
    r.wall_seconds = timer.wall();
    r.cpu_seconds = timer.cpu();
    return r;
}

std::string section_footer(const ExperimentResult& r, const ExperimentOptions& opt, const std::string& budgets,
                           const std::string& script, const std::vector<std::string>& pngs) {
    std::string md;
    if (r.plotted) {
        for (const auto& png : pngs) md += "![" + r.name + "](" + png + ")\n\n";
    } else {
        md += "Plot not rendered (gnuplot missing or failed); render it with `" + render_hint(opt.out_dir, script) + "`.\n\n";
    }
    md += "**Budgets.** " + budgets + (opt.quick ? " **Quick mode: budgets far below the report's; numbers are a smoke test.**" : "") +
          "\n\n";
    md += "**Produced by** `" + command_line(opt, r.name) + "` (" + std::to_string(opt.seeds) +
          " training seeds, experiment seed " + std::to_string(opt.seed) + "). Files: ";
    for (size_t i = 0; i < r.files.size(); ++i)
        md += (i ? ", `" : "`") + std::filesystem::path(r.files[i]).filename().string() + "`";
    md += ".\n";
    return md;
}

const std::vector<std::string>& experiment_names() {
    static const std::vector<std::string> names{"compounding", "chunking", "dagger", "multimodal", "horizon", "demos", "noise", "returns"};
    return names;
}

const std::vector<std::string>& extra_experiment_names() {
    static const std::vector<std::string> names{"architectures"};
    return names;
}

ExperimentResult run_experiment(const std::string& name, const ExperimentOptions& opt) {
    if (name == "compounding") return run_compounding(opt);
    if (name == "chunking") return run_chunking(opt);
    if (name == "dagger") return run_dagger(opt);
    if (name == "multimodal") return run_multimodal(opt);
    if (name == "horizon") return run_horizon(opt);
    if (name == "demos") return run_demos(opt);
    if (name == "noise") return run_noise(opt);
    if (name == "architectures") return run_architectures(opt);
    if (name == "returns") return run_returns(opt);
    std::string known;
    for (const std::string& n : experiment_names()) known += n + ", ";
    for (const std::string& n : extra_experiment_names()) known += n + ", ";
    throw std::invalid_argument("experiment '" + name + "' is not one of " + known + "all");
}

std::string write_report(const std::string& out_dir, const std::vector<ExperimentResult>& results,
                         const std::string& command, int threads) {
    std::string md = "# imitate: experiment report\n\n";
    md += "Produced by `" + command + "` on " + std::to_string(threads) +
          " thread(s). Every number is a mean over training seeds (and evaluation episodes or start states) "
          "with its spread; each section names the command that reproduces it alone.\n\n";
    Table t{{"experiment", "wall (s)", "CPU (s)", "plot"}, {}};
    double wall = 0, cpu = 0;
    for (const auto& r : results) {
        t.rows.push_back({r.name, num(r.wall_seconds, 1), num(r.cpu_seconds, 1), r.plotted ? "yes" : "no"});
        wall += r.wall_seconds;
        cpu += r.cpu_seconds;
    }
    t.rows.push_back({"total", num(wall, 1), num(cpu, 1), ""});
    std::string load;
    if (std::ifstream f("/proc/loadavg"); f) {
        double l1 = 0, l5 = 0;
        if (f >> l1 >> l5) load = " Load average when the report was written: " + num(l1, 1) + " (1 min), " + num(l5, 1) + " (5 min).";
    }
    md += "## Runtime\n\n" + t.markdown() + "\nCPU time is the process's, summed over threads (gnuplot runs as a "
          "child process and is not counted). Wall time depends on what else the machine runs." + load +
          (command.find(" --resume") != std::string::npos
               ? " With --resume the jobs already on disk were read back, not run again: these times count only the "
                 "jobs this run computed."
               : "") + "\n\n";
    for (const auto& r : results) md += r.markdown + "\n";
    std::string claims;
    for (const auto& r : results)
        for (const std::string& c : r.claims) claims += "- " + c + ".\n";
    if (!claims.empty())
        md += "## Which of the seed's claims held\n\n"
              "Each line is one claim of the seed, tested by the experiment named beside it; the status is read off "
              "the paired per-seed interval printed there (\"held\" when the interval lies on the claimed side of 0, "
              "\"not established\" when it includes 0, \"did not hold\" when it lies on the other side or inside the "
              "stated margin).\n\n" + claims + "\n";
    const std::string path = join_path(out_dir, "REPORT.md");
    write_file_atomic(path, md);
    return path;
}

}  // namespace imitate::experiments
