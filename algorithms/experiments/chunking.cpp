// Experiment 2, action chunking (ACT, Zhao et al. 2023): predict H actions per query and execute them open
// loop, receding horizon (the first k, then re-plan) or with the temporal ensemble (query every step, average
// all predictions for this step with weights exp(−m·i), i = 0 the oldest). Longer chunks are said to give
// "temporal consistency" (smoother actions) and to shorten the horizon over which errors compound, but open
// loop reacts to the state only every H steps. Every H trains with the same gradient steps on the same
// demonstrations (windows at every index, stride 1, padding masked); then k sweeps 1..H, m sweeps
// ensemble_ms, and each cell records success, return and the mean squared jerk of the executed actions.
// Pendulum by default (swing-up expert); --env runs it on any environment with an expert.
//
// chunking.csv: H, then per mode of the main table (open, receding k = ⌈H/2⌉, ensemble m = main_m): <mode>_k,
//   <mode>_success, _lo, _hi (mean of the per-seed rates, t 95% over seeds, clamped to [0, 1]), <mode>_pooled,
//   _pooled_lo, _pooled_hi (pooled episodes, Wilson 95%), <mode>_return_mean, _return_half, <mode>_jerk_mean,
//   _jerk_half (mean and t 95% half-width over seeds).
// chunking_cells.csv: cell, H, mode (0 open, 1 receding, 2 ensemble), k, m, m_index (in ensemble_ms; −1), success, lo, hi, pooled,
//   pooled_lo, pooled_hi, return_mean, return_half, jerk_mean, jerk_half: every cell.
// chunking_seeds.csv: cell, H, mode, k, m, seed, success, return, jerk: one row per (cell, seed).
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "algorithms/bc.hpp"
#include "algorithms/evaluate.hpp"
#include "algorithms/experiments/experiments.hpp"
#include "algorithms/experiments/report.hpp"
#include "algorithms/experiments/scores.hpp"
#include "algorithms/noise_injection.hpp"

namespace imitate::experiments {

ChunkingConfig chunking_config(bool quick, const std::string& env) {
    ChunkingConfig c;
    if (env == "push") c.eval_episodes = 30;  // 55 cells × 10 seeds of 65 µs steps (experiments.hpp: budgets)
    if (quick) {
        c.ensemble_ms = {-1, 0.01, 1};
        c.train_steps = 300;
        c.eval_episodes = 20;
    }
    return c;
}

static int receding_k(int H) { return (H + 1) / 2; }  // ⌈H/2⌉, the main table's receding mode

// The cells of one H, in a fixed order: open loop (k = H), receding k = 1..H−1, then the ensemble per m.
// At H = 1 the three modes are one controller: only open loop is run.
static std::vector<ChunkExec> cells_of(int H, const ChunkingConfig& c) {
    std::vector<ChunkExec> v{{H, Exec::Open, H, 0.0}};
    if (H == 1) return v;
    for (int k = 1; k < H; ++k) v.push_back({H, Exec::Receding, k, 0.0});
    for (double m : c.ensemble_ms) v.push_back({H, Exec::Ensemble, 1, m});
    return v;
}

static void check_config(const ChunkingConfig& c) {
    if (std::find(c.horizons.begin(), c.horizons.end(), 1) == c.horizons.end() ||
        std::find(c.horizons.begin(), c.horizons.end(), c.compare_H) == c.horizons.end() ||
        std::find(c.ensemble_ms.begin(), c.ensemble_ms.end(), c.main_m) == c.ensemble_ms.end())
        throw std::invalid_argument("chunking: horizons must hold 1 and compare_H, ensemble_ms must hold main_m");
}

// ------------------------------------------------------------------ measuring
ChunkingResult measure_chunking(const ExperimentOptions& opt) {
    const EnvEntry& entry = measured_env(opt, "chunking", "pendulum");
    ChunkingResult r;
    r.config = chunking_config(opt.quick, entry.id);
    const ChunkingConfig& c = r.config;
    check_config(c);
    const ExpertEntry& demo_expert = demonstrator(entry);
    r.env_id = entry.id, r.expert_name = demo_expert.name, r.seeds = opt.seeds;
    const int S = opt.seeds, NH = static_cast<int>(c.horizons.size());
    std::vector<std::vector<ChunkExec>> by_h;
    for (int H : c.horizons) {
        by_h.push_back(cells_of(H, c));
        r.cells.insert(r.cells.end(), by_h.back().begin(), by_h.back().end());
    }
    log(opt, "chunking on " + entry.id + " (expert " + demo_expert.name + "): " + std::to_string(r.cells.size()) +
                 " cells (H, execution) × " + std::to_string(S) + " seeds");

    // Seed s: demonstrations derive_seed(base, 1), held-out starts derive_seed(base, 3), shared by every H
    // and cell (a paired comparison); the network's seed per H.
    auto base_of = [&](int s) { return derive_seed(opt.seed, static_cast<uint64_t>(s)); };
    std::vector<Job> jobs;
    // 1. one job per (H, seed), longest H first: demonstrations, BC with the fixed step budget, every cell of H
    for (int h = NH - 1; h >= 0; --h)
        for (int s = 0; s < S; ++s)
            jobs.push_back({job_key("H" + std::to_string(c.horizons[h]), s), [&, h, s] {
                const std::unique_ptr<Env> env = entry.make();
                const EnvSpec& spec = env->spec();
                const Dataset demos = collect_demos(*env, shared_expert(demo_expert), c.demo_episodes, derive_seed(base_of(s), 1));
                BCConfig bc = TrainBudget{c.train_steps, c.hidden, c.batch, c.lr}.bc(
                    derive_seed(base_of(s), 10 + static_cast<uint64_t>(c.horizons[h])));
                bc.policy.chunk = c.horizons[h];
                bc.stride = 1;
                const Policy policy = train_bc(demos, bc).policy;
                const BatchPolicy pi = policy.as_batch_policy();
                JobValues v{double(demos.size())};
                for (const ChunkExec& x : by_h[h]) {
                    EvalConfig e;
                    e.episodes = c.eval_episodes;
                    e.seed = derive_seed(base_of(s), 3);
                    e.exec = {x.mode, x.mode == Exec::Open ? 1 : x.k, x.mode == Exec::Ensemble ? x.m : 0.01};
                    const std::vector<Episode> eps = rollout(*env, pi, eval_rollout_config(e));
                    append_score(v, score_of(eps, mean_squared_jerk(eps, spec.act_low, spec.act_high)));
                }
                return v;
            }});
    // 2. one job per seed: the demonstrator itself on the same held-out starts (its success and smoothness)
    for (int s = 0; s < S; ++s)
        jobs.push_back({job_key("expert", s), [&, s] {
            const std::unique_ptr<Env> env = entry.make();
            RolloutConfig rc;
            rc.episodes = c.eval_episodes;
            rc.seed = derive_seed(base_of(s), 3);
            const std::vector<Episode> eps = rollout_expert(*env, shared_expert(demo_expert), rc);
            JobValues v;
            append_score(v, score_of(eps, mean_squared_jerk(eps, env->spec().act_low, env->spec().act_high)));
            return v;
        }});
    const std::vector<JobValues> values = run_experiment_jobs(jobs, opt, "chunking");
    if (values.empty()) return r;  // not the report writer (MPI)

    // 3. the values back into the typed result: cell offsets per H, in the order of r.cells
    r.score.assign(r.cells.size(), std::vector<SeedScore>(S));
    r.expert.resize(S);
    std::vector<size_t> first(NH, 0);
    for (int h = 1; h < NH; ++h) first[h] = first[h - 1] + by_h[h - 1].size();
    size_t j = 0;
    for (int h = NH - 1; h >= 0; --h)
        for (int s = 0; s < S; ++s, ++j) {
            size_t pos = 1;
            r.demo_rows += values[j].at(0) / S;
            for (size_t q = 0; q < by_h[h].size(); ++q) r.score[first[h] + q][s] = score_at(values[j], pos);
        }
    for (int s = 0; s < S; ++s, ++j) {
        size_t pos = 0;
        r.expert[s] = score_at(values[j], pos);
    }
    return r;
}

// ------------------------------------------------------------------ reporting
static const char* mode_key[3] = {"open", "receding", "ensemble"};
static int mode_index(Exec m) { return m == Exec::Open ? 0 : m == Exec::Receding ? 1 : 2; }

// The index of the cell (H, mode, k or m) in r.cells; -1 if absent. At H = 1 every mode is the open cell.
static int find_cell(const ChunkingResult& r, int H, int mode, double km) {
    for (size_t i = 0; i < r.cells.size(); ++i) {
        const ChunkExec& x = r.cells[i];
        if (x.H != H) continue;
        if (H == 1 || (mode == 0 && x.mode == Exec::Open) || (mode == 1 && x.mode == Exec::Receding && x.k == int(km)) ||
            (mode == 2 && x.mode == Exec::Ensemble && x.m == km))
            return static_cast<int>(i);
    }
    return -1;
}
// The main table's cell of (H, mode): open, receding ⌈H/2⌉ (H = 2: k = 1), ensemble main_m.
static int main_cell(const ChunkingResult& r, int H, int mode) {
    return find_cell(r, H, mode, mode == 1 ? receding_k(H) : r.config.main_m);
}

static std::string cell_name(const ChunkExec& x) {
    const std::string H = "H = " + std::to_string(x.H);
    if (x.H == 1) return H;
    if (x.mode == Exec::Open) return H + " open loop";
    if (x.mode == Exec::Receding) return H + " receding k = " + std::to_string(x.k);
    return H + " ensemble m = " + num(x.m, 2);
}

ExperimentResult report_chunking(const ChunkingResult& r, const ExperimentOptions& opt) {
    const ChunkingConfig& c = r.config;
    const EnvEntry& entry = experiment_env(opt, "chunking", "pendulum");
    const std::unique_ptr<Env> env = entry.make();
    const bool pendulum = r.env_id == "pendulum";
    const int S = r.seeds, NC = static_cast<int>(r.cells.size());
    ExperimentResult out;
    out.name = "chunking";
    std::vector<SeedSummary> sum;
    for (const auto& cell : r.score) sum.push_back(seed_summary(cell));
    const SeedSummary expert = seed_summary(r.expert);
    const int h1 = find_cell(r, 1, 0, 0);
    auto succ = [&](int i) { return rates(r.score[i]); };
    auto jerk = [&](int i) { return extras(r.score[i]); };
    auto half = [](const Stats& s) { return s.hi - s.mean; };

    // 1. CSVs: the main table, every cell, every (cell, seed)
    Csv csv{{"H"}, {}};
    for (const char* m : mode_key)
        for (const char* q : {"_k", "_success", "_lo", "_hi", "_pooled", "_pooled_lo", "_pooled_hi", "_return_mean",
                              "_return_half", "_jerk_mean", "_jerk_half"})
            csv.header.push_back(std::string(m) + q);
    Csv cells{{"cell", "H", "mode", "k", "m", "m_index", "success", "lo", "hi", "pooled", "pooled_lo", "pooled_hi", "return_mean",
               "return_half", "jerk_mean", "jerk_half"}, {}};
    Csv seeds{{"cell", "H", "mode", "k", "m", "seed", "success", "return", "jerk"}, {}};
    auto cell_values = [&](int i) {
        const SeedSummary& m = sum[i];
        return std::vector<double>{std::max(0.0, m.success.mean), std::max(0.0, m.success.lo), std::min(1.0, m.success.hi),
                                   m.pooled, m.pooled_lo, m.pooled_hi, m.ret.mean, half(m.ret), m.extra.mean, half(m.extra)};
    };
    for (int H : c.horizons) {
        std::vector<double> row{double(H)};
        for (int m = 0; m < 3; ++m) {
            const int i = main_cell(r, H, m);
            row.push_back(H == 1 ? 1 : r.cells[i].k);
            const std::vector<double> v = cell_values(i);
            row.insert(row.end(), v.begin(), v.end());
        }
        csv.rows.push_back(row);
    }
    for (int i = 0; i < NC; ++i) {
        const ChunkExec& x = r.cells[i];
        const auto mi = std::find(c.ensemble_ms.begin(), c.ensemble_ms.end(), x.m) - c.ensemble_ms.begin();
        std::vector<double> row{double(i), double(x.H), double(mode_index(x.mode)), double(x.k), x.m,
                                x.mode == Exec::Ensemble ? double(mi) : -1.0};
        const std::vector<double> v = cell_values(i);
        row.insert(row.end(), v.begin(), v.end());
        cells.rows.push_back(row);
        for (int s = 0; s < S; ++s)
            seeds.rows.push_back({double(i), double(x.H), double(mode_index(x.mode)), double(x.k), x.m, double(s),
                                  r.score[i][s].rate(), r.score[i][s].ret, r.score[i][s].extra});
    }
    write_output(out, opt, "chunking.csv", csv.str());
    write_output(out, opt, "chunking_cells.csv", cells.str());
    write_output(out, opt, "chunking_seeds.csv", seeds.str());

    // 2. the main table: per H the three modes, seed-level success with the pooled figure beside it
    Table tab{{"H", "execution", "success, mean over seeds [t 95%]", "pooled episodes [Wilson 95%]",
               "Δ success vs H = 1, paired (points) [95%]", "return [t 95%]", "mean squared jerk [t 95%]"}, {}};
    for (int H : c.horizons)
        for (int m = 0; m < (H == 1 ? 1 : 3); ++m) {
            const int i = main_cell(r, H, m);
            const SeedSummary& q = sum[i];
            const std::string how = H == 1 ? "one action per query (all modes)"
                                    : m == 0 ? "open loop (all " + std::to_string(H) + ")"
                                    : m == 1 ? "receding (k = " + std::to_string(r.cells[i].k) + ")"
                                             : "temporal ensemble (m = " + num(c.main_m, 2) + ")";
            tab.rows.push_back({std::to_string(H), how, rate_ci(q.success), pct_ci(q.pooled, q.pooled_lo, q.pooled_hi),
                                H == 1 ? "—" : diff_text(paired(succ(i), succ(h1)), 100), ci_text(q.ret, 1, 1),
                                ci_text(q.extra, 1, 4)});
        }
    tab.rows.push_back({"—", "the demonstrator (" + r.expert_name + "), same starts", rate_ci(expert.success),
                        pct_ci(expert.pooled, expert.pooled_lo, expert.pooled_hi), "—", ci_text(expert.ret, 1, 1),
                        ci_text(expert.extra, 1, 4)});
    out.table = tab.text();

    // 3. the sweeps: success (mean over seeds) for every k at every H; success and jerk for every m
    const int Hmax = *std::max_element(c.horizons.begin(), c.horizons.end());
    Table ks{{"H"}, {}};
    for (int k = 1; k <= Hmax; ++k) ks.header.push_back("k = " + std::to_string(k));
    for (int H : c.horizons) {
        std::vector<std::string> row{std::to_string(H)};
        for (int k = 1; k <= Hmax; ++k) {
            const int i = k > H ? -1 : k == H ? find_cell(r, H, 0, 0) : find_cell(r, H, 1, k);
            row.push_back(i < 0 ? "" : num(100 * sum[i].success.mean, 0) + "%");
        }
        ks.rows.push_back(row);
    }
    Table ms{{"H"}, {}};
    for (double m : c.ensemble_ms) ms.header.push_back("m = " + num(m, 2) + ": success, jerk");
    for (int H : c.horizons) {
        if (H == 1) continue;
        std::vector<std::string> row{std::to_string(H)};
        for (double m : c.ensemble_ms) {
            const int i = find_cell(r, H, 2, m);
            row.push_back(num(100 * sum[i].success.mean, 0) + "%, " + num(sum[i].extra.mean, 4));
        }
        ms.rows.push_back(row);
    }

    // 4. the comparisons, each a paired per-seed difference (success in points, jerk in (action units)²)
    const int H = c.compare_H, open = main_cell(r, H, 0), rec = main_cell(r, H, 1), ens = main_cell(r, H, 2);
    int best = 0;  // highest mean success over seeds, ties by mean return
    for (int i = 1; i < NC; ++i)
        if (sum[i].success.mean > sum[best].success.mean ||
            (sum[i].success.mean == sum[best].success.mean && sum[i].ret.mean > sum[best].ret.mean))
            best = i;
    const std::string sH = "H = " + std::to_string(H);
    std::vector<std::string> claims{
        verdict(paired(succ(open), succ(h1)), sH + " open loop", "H = 1", "points", 100),
        verdict(paired(succ(rec), succ(open)), sH + " receding k = " + std::to_string(r.cells[rec].k), sH + " open loop", "points", 100),
        verdict(paired(succ(ens), succ(open)), sH + " ensemble", sH + " open loop", "points", 100),
        verdict(paired(succ(best), succ(h1)), "the best cell (" + cell_name(r.cells[best]) + ")", "H = 1", "points", 100),
        difference_text("jerk", paired(jerk(open), jerk(h1)), sH + " open loop", "H = 1", "", 4),
        difference_text("jerk", paired(jerk(ens), jerk(h1)), sH + " ensemble", "H = 1", "", 4),
        difference_text("jerk", paired(jerk(ens), jerk(open)), sH + " ensemble", sH + " open loop", "", 4),
        difference_text("jerk", paired(jerk(h1), extras(r.expert)), "H = 1", "the demonstrator", "", 4),
    };
    // the k sweep at compare_H: which k is best, against open loop
    int best_k = open;
    for (int k = 1; k < H; ++k) {
        const int i = find_cell(r, H, 1, k);
        if (sum[i].success.mean > sum[best_k].success.mean) best_k = i;
    }
    if (best_k != open)
        claims.push_back(verdict(paired(succ(best_k), succ(open)), sH + " receding k = " + std::to_string(r.cells[best_k].k),
                                 sH + " open loop", "points", 100));

    // 5. plots: (a) success vs H per mode, (b) jerk vs H per mode, (c) success vs k per H, (d) success vs m per H
    const std::string scol = std::to_string(cells.col("success")), lcol = std::to_string(cells.col("lo")),
                      hcol = std::to_string(cells.col("hi")), jcol = std::to_string(cells.col("jerk_mean"));
    std::string gp = gnuplot_preamble("chunking.png", 1400, 900);
    gp += "set multiplot layout 2,2 title 'Action chunking on " + r.env_id + " (" + r.expert_name + "): " + std::to_string(S) +
          " seeds × " + std::to_string(c.eval_episodes) + " episodes per cell; bars: t 95% over seeds'\n"
          "set key top right\nset logscale x 2\nset xrange [0.8:" + std::to_string(int(Hmax * 1.25)) + "]\n";
    const char* color[3] = {"#d62728", "#2ca02c", "#1f77b4"};
    auto col = [&](const std::string& name) { return std::to_string(csv.col(name)); };
    const std::string titles[3] = {"open loop", "receding k = ⌈H/2⌉", "ensemble m = " + num(c.main_m, 2)};
    for (int panel = 0; panel < 2; ++panel) {
        gp += panel == 0 ? "set title 'success vs chunk length H'\nset ylabel 'success rate'\nset yrange [-0.02:1.02]\n"
                         : "set title 'smoothness: mean squared jerk of the executed actions'\nset ylabel 'jerk²'\n"
                           "set autoscale y\nset logscale y\n";
        gp += "set xlabel 'chunk length H'\nplot ";
        for (int m = 0; m < 3; ++m) {
            const std::string k = mode_key[m], x = "($1*" + num(0.94 + 0.06 * m, 2) + ")";
            const std::string y = panel == 0 ? col(k + "_success") + ":" + col(k + "_lo") + ":" + col(k + "_hi")
                                             : col(k + "_jerk_mean");
            gp += std::string(m ? ", " : "") + "'chunking.csv' skip 1 using " + x + ":" + y + " with " +
                  (panel == 0 ? "yerrorlines" : "linespoints") + " lw 2 pt 7 lc rgb '" + color[m] + "' title '" + titles[m] + "'";
        }
        gp += "\n";
    }
    gp += "unset logscale y\nset yrange [-0.02:1.02]\nset ylabel 'success rate'\n"
          "set title 'receding: success vs actions executed per query k'\nset xlabel 'k (k = H: open loop)'\nplot ";
    for (size_t h = 0; h < c.horizons.size(); ++h)
        gp += std::string(h ? ", " : "") + "'chunking_cells.csv' skip 1 using (($2 == " + std::to_string(c.horizons[h]) +
              " && $3 < 2) ? $4 : NaN):" + scol + ":" + lcol + ":" + hcol + " with yerrorlines lw 2 title 'H = " +
              std::to_string(c.horizons[h]) + "'";
    // (d): x is the position of m in ensemble_ms (column m_index), labelled with the m values
    std::string tics;
    for (size_t i = 0; i < c.ensemble_ms.size(); ++i)
        tics += std::string(i ? ", " : "") + "'" + num(c.ensemble_ms[i], 2) + "' " + std::to_string(i);
    gp += "\nunset logscale x\nset xrange [-0.3:" + num(c.ensemble_ms.size() - 0.7, 1) + "]\nset xtics (" + tics +
          ")\nset title 'temporal ensemble: success vs m (weights exp(−m·i), i = 0 the oldest)'\n"
          "set xlabel 'm (< 0: the newest plan weighs most)'\nplot ";
    const std::string mi = std::to_string(cells.col("m_index"));
    std::string sep;
    for (int Hh : c.horizons)
        if (Hh > 1) {
            gp += sep + "'chunking_cells.csv' skip 1 using (($2 == " + std::to_string(Hh) + " && $3 == 2) ? $" + mi +
                  " : NaN):" + scol + ":" + lcol + ":" + hcol + " with yerrorlines lw 2 title 'H = " + std::to_string(Hh) + "'";
            sep = ", ";
        }
    gp += "\nunset multiplot\n";
    write_plot(out, opt, "chunking", gp);

    // 6. the report section
    std::string md = "## 2. Action chunking: H, the execution horizon k, the ensemble weight m, and smoothness (`" +
                     r.env_id + "`)\n\n";
    md += "A policy that predicts H actions per query was trained for each H ∈ {";
    for (size_t h = 0; h < c.horizons.size(); ++h) md += (h ? ", " : "") + std::to_string(c.horizons[h]);
    md += "} with the same " + std::to_string(c.train_steps) + " gradient steps on the same " +
          (pendulum ? "swing-up demonstrations" : "demonstrations of `" + r.env_id + "`'s expert `" + r.expert_name + "`") +
          " per seed, then executed open loop, receding horizon with every k from 1 to H − 1, and with the temporal "
          "ensemble for every m in {";
    for (size_t i = 0; i < c.ensemble_ms.size(); ++i) md += (i ? ", " : "") + num(c.ensemble_ms[i], 2);
    md += "}. The unit of replication is the training seed (" + std::to_string(S) +
          (S < 10 ? " seeds: fewer than 10, so the intervals are wide" : " seeds") +
          "): success is the mean of the per-seed rates with a Student-t 95% interval; the pooled-episode Wilson "
          "interval is printed beside it only for reference (it treats " + std::to_string(S * c.eval_episodes) +
          " episodes as independent and understates the spread between seeds). Smoothness is the mean squared jerk "
          "of the executed (clipped) actions: the third difference a(t+3) − 3a(t+2) + 3a(t+1) − a(t), squared, "
          "averaged over steps and episodes. At H = 1 the three modes are one controller.\n\n"
          "**Comparisons** (paired per-seed differences, success in points, jerk in (action unit)²):\n\n";
    for (const std::string& claim : claims) md += "- " + claim + ".\n";
    md += "\nThe seed's claim of temporal consistency says chunked execution is smoother; the jerk rows above test it "
          "directly. Open loop executes a plan blind for H steps, so the action jumps where one chunk ends and the "
          "next begins; the ensemble averages overlapping plans, which smooths the executed sequence but rests each "
          "action on observations up to H − 1 steps old" +
          std::string(pendulum ? " (the swing-up's torque switches sign with every swing: stale plans miss the switch)." : ".") +
          "\n\n";
    md += tab.markdown() + "\n**Receding horizon**: success (mean over seeds) for every k ≤ H (k = H is open loop):\n\n" +
          ks.markdown() + "\n**Temporal ensemble**: success (mean over seeds) and mean squared jerk for every m:\n\n" +
          ms.markdown() + "\n";
    const int A = env->spec().act_dim;
    const std::string budgets =
        "Per seed: " + std::to_string(c.demo_episodes) + " " + (pendulum ? "swing-up expert" : r.expert_name) + " episodes (" +
        num(r.demo_rows, 0) + " steps), windows at every index (stride 1, padding masked), " +
        mlp_text(env->spec().obs_dim, c.hidden, A == 1 ? "H" : std::to_string(A) + "·H") + " with normalisation, batch " +
        std::to_string(c.batch) + ", " + std::to_string(c.train_steps) + " Adam steps (lr " + num(c.lr, 3) +
        ") for every H; " + std::to_string(c.eval_episodes) + " held-out evaluation episodes per (seed, cell), the same "
        "starts for every cell and for the demonstrator. Success is `" + r.env_id + "`'s rule: " + env->spec().success + "." +
        env_budget_note(r.env_id, c.eval_episodes, chunking_config(opt.quick).eval_episodes, "evaluation episodes per (seed, cell)");
    finish_section(out, opt, md, budgets, "chunking.gp", {"chunking.png"});

    // the seed's claims this tests: chunks help (the best cell with H > 1 against one action per query), and
    // chunked execution is smoother ("temporal consistency": lower jerk than H = 1, open loop and ensemble)
    int best_chunk = -1;
    for (int i = 0; i < NC; ++i)
        if (r.cells[i].H > 1 && (best_chunk < 0 || sum[i].success.mean > sum[best_chunk].success.mean ||
                                 (sum[i].success.mean == sum[best_chunk].success.mean && sum[i].ret.mean > sum[best_chunk].ret.mean)))
            best_chunk = i;
    const std::string where = "`" + r.env_id + "`, section 2";
    if (best_chunk >= 0) {
        const Stats d = paired(succ(best_chunk), succ(h1));
        out.claims.push_back(claim_line("Chunking: predicting chunks beats one action per query", where,
                                        claim_status(verdict_of(d), Verdict::ABeatsB),
                                        "the best chunked cell, " + verdict(d, cell_name(r.cells[best_chunk]), "H = 1", "points", 100) +
                                            " (the best of " + std::to_string(NC - 1) + " chunked cells, picked on these seeds: "
                                            "the test leans towards chunking)"));
    }
    for (int i : {open, ens}) {
        const Stats d = paired(jerk(i), jerk(h1));
        out.claims.push_back(claim_line("Temporal consistency: " + sH + (i == open ? " open loop" : " ensemble") +
                                            " executes smoother actions than H = 1",
                                        where, claim_status(verdict_of(d), Verdict::BBeatsA),
                                        difference_text("mean squared jerk", d, sH + (i == open ? " open loop" : " ensemble"),
                                                        "H = 1", "", 4)));
    }
    return out;
}

ExperimentResult run_chunking(const ExperimentOptions& opt) { return measured_run(opt, measure_chunking, report_chunking); }

}  // namespace imitate::experiments
