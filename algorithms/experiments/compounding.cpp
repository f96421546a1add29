// Experiment 1, compounding error (Ross & Bagnell 2010): a cloned policy makes small errors, which carry it to
// states the expert never showed, where its errors are larger. We measure it directly: learner and expert
// start from the same held-out states, and error(t) is the distance between their states after t steps,
// Env::state_distance: on Pendulum |angle_normalize(θ_learner(t) − θ_expert(t))| (rad), on reacher between the
// fingertips (m), on push between the pusher and block positions (m); an episode that terminated keeps its
// final state. Along the learner's own path the expert labels every state, which gives the action
// disagreement ‖clip(a_learner) − a_expert‖ (Pendulum: torque, N·m). BC on 10 expert episodes vs DAgger after
// 5 rounds (started from the same 10 episodes), for the seed's PD expert and the swing-up expert on Pendulum,
// for the env's first expert elsewhere (--env).
//
// The unit of replication is the training seed: each (expert, method, seed) job averages its curves over the
// starts (which every seed shares), and bands and intervals are over those per-seed means (Student t, n = seeds).
// BC and DAgger of one seed share its demonstrations, so their differences are paired by seed.
//
// compounding.csv: t (steps taken, 1..T), then for each series <expert>_<method> (pendulum: pd_bc, pd_dagger,
// swingup_bc, swingup_dagger): _error_mean, _error_lo, _error_hi, _disagreement_mean, _disagreement_lo,
// _disagreement_hi (mean and 95% band over training seeds of each seed's mean over starts; disagreement over
// the episodes still running at t, NaN once none is).
#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "algorithms/dagger.hpp"
#include "algorithms/experiments/experiments.hpp"
#include "algorithms/experiments/report.hpp"
#include "algorithms/noise_injection.hpp"
#include "envs/pendulum.hpp"
#include "envs/registry.hpp"

namespace imitate::experiments {

struct CompoundingConfig {
    int demo_episodes = 10;               // expert episodes BC (and DAgger's start) is trained on
    int starts = 100;                     // held-out start states, shared by every learner and the expert
    int steps = 0;                        // T: steps per rollout; 0: the env's horizon (Pendulum: 200)
    TrainBudget train;                    // BC and every DAgger retraining: 3000 Adam steps, MLP 32×32, batch 256
    int dagger_rounds = 5;                // DAgger rounds, all on-policy (β = 0: the seed's DAgger, π̂_1 = BC)
    int dagger_episodes = 10;             // learner rollouts per DAgger round, every state labelled
    int fit_t0 = 1, fit_t1 = 10;          // log-log fit window of error(t), in steps (before any curve saturates)
    std::vector<int> report_t;            // steps at which the table reports error(t); empty: 1, T/10, T/4, T/2, T
};

static CompoundingConfig compounding_config(bool quick) {
    CompoundingConfig c;
    if (quick) {
        c.starts = 30;
        c.train.steps = 400;
        c.dagger_rounds = 2;
        c.dagger_episodes = 5;
    }
    return c;
}

// The series' names: the table's expert name as key, and a label for tables and plots.
static std::string expert_label(const EnvEntry& env, const std::string& name) {
    if (env.id == "pendulum") return name == "pd" ? "PD expert" : name == "swingup" ? "swing-up expert" : name + " expert";
    return env.id + " (expert: " + name + ")";
}

JobValues to_values(const CompoundingSeed& x) {
    JobValues v(x.error);
    v.insert(v.end(), x.disagreement.begin(), x.disagreement.end());
    v.push_back(x.disagreement_all);
    v.push_back(x.success);
    return v;
}

CompoundingSeed compounding_seed_from(const JobValues& v, int T) {
    if (v.size() != size_t(2 * T + 2))
        throw std::runtime_error("compounding: a job holds " + std::to_string(v.size()) + " values, expected " +
                                 std::to_string(2 * T + 2) + " (T = " + std::to_string(T) + ")");
    CompoundingSeed x;
    x.error.assign(v.begin(), v.begin() + T);
    x.disagreement.assign(v.begin() + T, v.begin() + 2 * T);
    x.disagreement_all = v[2 * T];
    x.success = v[2 * T + 1];
    return x;
}

// The state after t = 1..T steps: states(t) while the episode ran, then its final state (absorbing).
static const double* state_after(const Episode& e, int t) {
    return t < e.length() ? &e.states(t, 0) : e.final_state.data();
}

// One learner's rollouts against the expert's from the same starts, averaged over the starts (in start order).
static CompoundingSeed measure_seed(const Env& env, const std::vector<Episode>& learner, const std::vector<Episode>& expert,
                                    int T) {
    const EnvSpec& sp = env.spec();
    const int A = sp.act_dim;
    CompoundingSeed c;
    c.error.assign(T, 0.0);
    std::vector<double> dis_sum(T, 0.0), dis_n(T, 0.0);
    double all_sum = 0, all_n = 0, succ = 0;
    for (size_t i = 0; i < learner.size(); ++i) {
        const Episode &l = learner[i], &x = expert[i];
        for (int t = 1; t <= T; ++t) {
            c.error[t - 1] += env.state_distance(state_after(l, t), state_after(x, t));  // Pendulum: |Δθ| wrapped
        }
        for (int t = 0; t < l.length(); ++t) {
            double sq = 0;
            for (int a = 0; a < A; ++a) {  // the env clips the commanded action to its bounds
                const double u = std::clamp(double(l.actions(t, a)), double(sp.act_low[a]), double(sp.act_high[a]));
                sq += (u - double(l.expert_actions(t, a))) * (u - double(l.expert_actions(t, a)));
            }
            dis_sum[t] += std::sqrt(sq);
            dis_n[t] += 1;
            all_sum += std::sqrt(sq);
            all_n += 1;
        }
        succ += l.success;
    }
    const double n = double(learner.size());
    for (int t = 0; t < T; ++t) c.error[t] /= n;
    c.disagreement.resize(T);
    for (int t = 0; t < T; ++t) c.disagreement[t] = dis_n[t] > 0 ? dis_sum[t] / dis_n[t] : std::nan("");
    c.disagreement_all = all_n > 0 ? all_sum / all_n : std::nan("");
    c.success = succ / n;
    return c;
}

static const char* method_name[2] = {"bc", "dagger"};

// The environment's experts this experiment studies: on Pendulum both (the seed's PD, which cannot hold the
// pole, and the swing-up); elsewhere the first.
static std::vector<std::string> studied_experts(const EnvEntry& entry) {
    std::vector<std::string> experts;
    if (entry.id == "pendulum")
        for (const ExpertEntry& x : entry.experts) experts.push_back(x.name);
    else
        experts.push_back(entry.experts.front().name);
    return experts;
}

static CompoundingConfig resolved_config(const ExperimentOptions& opt, const Env& env) {
    CompoundingConfig c = compounding_config(opt.quick);
    if (c.steps == 0) c.steps = env.spec().max_steps;
    if (c.report_t.empty())
        c.report_t = {1, std::max(1, c.steps / 10), std::max(1, c.steps / 4), std::max(1, c.steps / 2), c.steps};
    c.fit_t1 = std::min(c.fit_t1, c.steps);
    return c;
}

CompoundingResult measure_compounding(const ExperimentOptions& opt) {
    const EnvEntry& entry = measured_env(opt, "compounding", "pendulum");
    const std::unique_ptr<Env> env_ptr = entry.make();
    const Env& env = *env_ptr;
    const CompoundingConfig c = resolved_config(opt, env);
    CompoundingResult m;
    m.env = entry.id;
    m.experts = studied_experts(entry);
    m.seeds = opt.seeds;
    m.steps = c.steps;
    m.starts = c.starts;
    const int S = opt.seeds, T = c.steps, E = static_cast<int>(m.experts.size());
    log(opt, "compounding on " + entry.id + ": " + std::to_string(E) + " expert(s) × {BC, DAgger " +
                 std::to_string(c.dagger_rounds) + " rounds} × " + std::to_string(S) + " seeds, " +
                 std::to_string(c.starts) + " held-out starts");

    // 1. held-out start states (the env's reset, drawn in sequence from one Rng; Pendulum: θ ~ U(−π, π),
    //    θ̇ ~ U(−1, 1)) and each expert's rollouts from them
    RolloutConfig rc;
    rc.episodes = c.starts;
    rc.steps = T;
    rc.starts = held_out_starts(env, c.starts, derive_seed(opt.seed, 0xC0FFEE));
    std::vector<std::shared_ptr<const Expert>> expert_of;
    std::vector<std::vector<Episode>> expert_eps;
    for (const std::string& name : m.experts) {
        expert_of.push_back(std::shared_ptr<const Expert>(make_expert(entry.id, name)));
        expert_eps.push_back(rollout_expert(env, expert_of.back(), rc));
        double k = 0;
        for (const Episode& ep : expert_eps.back()) k += ep.success;
        m.expert_success.push_back(k / c.starts);
    }

    // 2. one job per (method, expert, seed), DAgger's (the long ones) first: train, then roll out from the
    //    starts with the expert labelling every state the learner visits (β = 0: the learner drives)
    std::vector<Job> jobs;
    std::vector<int> slot;  // job -> index (e·2 + m)·S + s
    for (int meth : {1, 0})
        for (int e = 0; e < E; ++e)
            for (int s = 0; s < S; ++s) {
                slot.push_back((e * 2 + meth) * S + s);
                jobs.push_back({job_key(m.experts[e] + "_" + method_name[meth], s), [&, meth, e, s] {
                    const uint64_t base = derive_seed(opt.seed, static_cast<uint64_t>(e * S + s));  // BC's and DAgger's
                    const Dataset demos = collect_demos(env, expert_of[e], c.demo_episodes, derive_seed(base, 1));
                    const BCConfig bc = c.train.bc(derive_seed(base, 2));
                    std::optional<Policy> pi;
                    if (meth == 0) {
                        pi = train_bc(demos, bc).policy;
                    } else {  // the seed's DAgger from the same demos: π̂_1 is exactly this seed's BC policy
                        pi = dagger(env, expert_of[e], demos,
                                    seed_dagger(c.dagger_rounds, c.dagger_episodes, derive_seed(base, 3), bc)).policy;
                    }
                    RolloutConfig lc = rc;
                    lc.expert = expert_of[e];
                    lc.beta = 0.0;
                    return to_values(measure_seed(env, rollout(env, pi->as_batch_policy(), lc), expert_eps[e], T));
                }});
            }
    const std::vector<JobValues> values = run_sweep(jobs, sweep_options(opt, "compounding"));
    if (values.empty()) return m;  // an MPI rank other than the report writer
    m.runs.resize(jobs.size());
    for (size_t j = 0; j < jobs.size(); ++j) m.runs[slot[j]] = compounding_seed_from(values[j], T);
    return m;
}

// One series (expert, method) summarised over seeds.
struct Series {
    std::vector<Stats> err, dis;           // (T) over seeds
    Stats slope, growth, dis_all, success;  // over seeds
    int peak_t = 0;                        // argmax of the mean error curve
    std::vector<double> success_seed, dis_seed, err_early, err_end;  // per seed, for paired comparisons
};

static Series summarise(const CompoundingResult& m, const CompoundingConfig& c, int e, int meth) {
    const int S = m.seeds, T = m.steps, te = std::max(1, T / 10);
    Series x;
    for (int t = 0; t < T; ++t) {
        std::vector<double> ev, dv;
        for (int s = 0; s < S; ++s) {
            ev.push_back(m.at(e, meth, s).error[t]);
            if (std::isfinite(m.at(e, meth, s).disagreement[t])) dv.push_back(m.at(e, meth, s).disagreement[t]);
        }
        x.err.push_back(clipped(stats_of(ev), 0, INFINITY));  // errors are distances: >= 0
        Stats sd = clipped(stats_of(dv), 0, INFINITY);
        if (dv.empty()) sd.mean = sd.lo = sd.hi = std::nan("");
        x.dis.push_back(sd);
    }
    std::vector<double> slopes, growth;
    for (int s = 0; s < S; ++s) {
        const CompoundingSeed& r = m.at(e, meth, s);
        std::vector<double> lt, le;
        for (int t = c.fit_t0; t <= c.fit_t1; ++t) {
            lt.push_back(std::log(double(t)));
            le.push_back(std::log(std::max(r.error[t - 1], 1e-12)));
        }
        slopes.push_back(fit_slope(lt, le));
        growth.push_back(r.error[T - 1] / std::max(r.error[te - 1], 1e-12));
        x.success_seed.push_back(100 * r.success);
        x.dis_seed.push_back(r.disagreement_all);
        x.err_early.push_back(r.error[te - 1]);
        x.err_end.push_back(r.error[T - 1]);
    }
    x.slope = stats_of(slopes);
    x.growth = clipped(stats_of(growth), 0, INFINITY);
    x.dis_all = clipped(stats_of(x.dis_seed), 0, INFINITY);
    x.success = clipped(stats_of(x.success_seed), 0, 100);
    int peak = 0;
    for (int t = 1; t < T; ++t)
        if (x.err[t].mean > x.err[peak].mean) peak = t;
    x.peak_t = peak + 1;
    return x;
}

// "m [lo, hi]" with `prec` decimals.
static std::string ci(const Stats& s, int prec) {
    return num(s.mean, prec) + " [" + num(s.lo, prec) + ", " + num(s.hi, prec) + "]";
}

// The paired DAgger − BC comparisons of expert e, one bullet each, worded from the intervals.
static std::string comparisons(const CompoundingResult& m, const std::vector<Series>& ser, int e, const std::string& label,
                               const std::string& err_unit, const std::string& act_unit) {
    const Series &bc = ser[e * 2], &dg = ser[e * 2 + 1];
    const int T = m.steps, te = std::max(1, T / 10);
    std::string md = "Paired by seed (DAgger − BC on the same demonstrations), " + label + ":\n\n";
    md += "- error after " + std::to_string(te) + " steps: " +
          verdict_text("DAgger", "BC", paired(dg.err_early, bc.err_early), 0, 3, err_unit, false) + "\n";
    md += "- error after " + std::to_string(T) + " steps: " +
          verdict_text("DAgger", "BC", paired(dg.err_end, bc.err_end), 0, 3, err_unit, false) + "\n";
    md += "- action disagreement along the learner's path: " +
          verdict_text("DAgger", "BC", paired(dg.dis_seed, bc.dis_seed), 0, 3, act_unit, false) + "\n";
    md += "- success from these starts: " +
          verdict_text("DAgger", "BC", paired(dg.success_seed, bc.success_seed), 5.0, 1, "points") + "\n\n";
    return md;
}

ExperimentResult report_compounding(const CompoundingResult& m, const ExperimentOptions& opt) {
    ExperimentResult r;
    r.name = "compounding";
    if (m.runs.empty()) return r;  // not the report writer
    const EnvEntry& entry = find_env(m.env);
    const std::unique_ptr<Env> env_ptr = entry.make();
    const Env& env = *env_ptr;
    const CompoundingConfig c = resolved_config(opt, env);
    const bool pendulum = m.env == "pendulum";
    const int S = m.seeds, T = m.steps, E = static_cast<int>(m.experts.size());
    const int te = std::max(1, T / 10);
    std::vector<Series> ser;  // index e·2 + method
    for (int e = 0; e < E; ++e)
        for (int meth = 0; meth < 2; ++meth) ser.push_back(summarise(m, c, e, meth));

    // 1. CSV: bands over seeds per series
    Csv csv;
    csv.header = {"t"};
    for (int e = 0; e < E; ++e)
        for (int meth = 0; meth < 2; ++meth)
            for (const char* q : {"_error_mean", "_error_lo", "_error_hi", "_disagreement_mean", "_disagreement_lo",
                                  "_disagreement_hi"})
                csv.header.push_back(m.experts[e] + "_" + method_name[meth] + q);
    for (int t = 1; t <= T; ++t) {
        std::vector<double> row{double(t)};
        for (const Series& x : ser) {
            const Stats &se = x.err[t - 1], &sd = x.dis[t - 1];
            row.insert(row.end(), {se.mean, se.lo, se.hi, sd.mean, sd.lo, sd.hi});
        }
        csv.rows.push_back(row);
    }
    write_output(r, opt, "compounding.csv", csv.str());

    // 2. the table: seed-level means [95% CI over seeds]; pooled-episode success beside, labelled
    Table tab{{"expert", "learner"}, {}};
    for (int t : c.report_t) tab.header.push_back("error t=" + std::to_string(t));
    tab.header.insert(tab.header.end(),
                      {"growth t=" + std::to_string(T) + " / t=" + std::to_string(te),
                       "log-log slope (t=" + std::to_string(c.fit_t0) + "–" + std::to_string(c.fit_t1) + ")",
                       "action disagreement", "success (mean over seeds)", "success (pooled episodes, Wilson)"});
    for (int e = 0; e < E; ++e) {
        const int k = static_cast<int>(std::lround(m.expert_success[e] * m.starts));
        const auto w = wilson_interval(k, m.starts);
        std::vector<std::string> erow{expert_label(entry, m.experts[e]), "the expert itself"};
        for (size_t i = 0; i < c.report_t.size(); ++i) erow.push_back("0");
        erow.insert(erow.end(), {"", "", "0", "—", pct_ci(m.expert_success[e], w.first, w.second)});
        tab.rows.push_back(erow);
        for (int meth = 0; meth < 2; ++meth) {
            const Series& x = ser[e * 2 + meth];
            std::vector<std::string> row{expert_label(entry, m.experts[e]),
                                         meth == 0 ? "BC" : "DAgger (" + std::to_string(c.dagger_rounds) + " rounds)"};
            for (int t : c.report_t) row.push_back(t <= T ? ci(x.err[t - 1], 3) : "");
            row.push_back(ci(x.growth, 1) + "×");
            row.push_back(ci(x.slope, 2));
            row.push_back(ci(x.dis_all, 3));
            row.push_back(ci(x.success, 1) + "%");
            int ks = 0;
            for (int s = 0; s < S; ++s) ks += static_cast<int>(std::lround(m.at(e, meth, s).success * m.starts));
            const auto w2 = wilson_interval(ks, S * m.starts);
            row.push_back(pct_ci(double(ks) / (S * m.starts), w2.first, w2.second));
            tab.rows.push_back(row);
        }
    }
    r.table = tab.text();

    // 3. plots: error vs t (linear, and log-log with the fit window), disagreement vs t
    auto col = [&](const std::string& name) { return std::to_string(csv.col(name)); };
    const char* color[2] = {"#d62728", "#1f77b4"};  // BC red, DAgger blue
    const std::string dagger_title = "DAgger (" + std::to_string(c.dagger_rounds) + " rounds)";
    auto panel = [&](int e, const std::string& q, bool loglog) {
        std::string p = std::string("set key ") + (e == 0 ? "top left" : "top right") + "\nplot ";  // away from the data
        for (int meth = 0; meth < 2; ++meth) {
            const std::string k = m.experts[e] + "_" + method_name[meth] + q;
            const std::string title = meth == 0 ? "BC" : dagger_title;
            if (!loglog)
                p += std::string(meth ? ", \\\n     " : "") + "'compounding.csv' skip 1 using 1:" + col(k + "_lo") + ":" +
                     col(k + "_hi") + " with filledcurves fs transparent solid 0.25 noborder lc rgb '" + color[meth] +
                     "' title '" + title + " 95% band over seeds', \\\n     '' skip 1 using 1:" + col(k + "_mean") +
                     " with lines lw 2 lc rgb '" + color[meth] + "' title '" + title + " mean'";
            else
                p += std::string(meth ? ", \\\n     " : "") + "'compounding.csv' skip 1 using 1:" + col(k + "_mean") +
                     " with lines lw 2 lc rgb '" + color[meth] + "' title '" + title + " mean'";
        }
        return p + "\n";
    };
    const std::string xlabel = pendulum ? "timestep t (steps of 0.05 s)" : "timestep t";
    std::string gp = gnuplot_preamble("compounding.png", 600 * E, 900) + "set key opaque\n";
    gp += "set multiplot layout 2," + std::to_string(E) + " title 'Compounding error" + (pendulum ? "" : " on " + m.env) +
          ": learner vs expert from the same " + std::to_string(m.starts) + " held-out starts (" + std::to_string(S) +
          " training seeds)'\n"
          "set xlabel '" + xlabel + "'\nset ylabel '" + (pendulum ? "error |Δθ(t)| (rad)" : "error " + env.spec().distance + " (" + env.spec().distance_unit + ")") +
          "'\nset xrange [1:" + std::to_string(T) + "]\n";
    for (int e = 0; e < E; ++e)
        gp += "set title '" + expert_label(entry, m.experts[e]) + ": error vs timestep'\n" + panel(e, "_error", false);
    gp += "set logscale xy\nset format y '10^{%L}'\nset xrange [1:" + std::to_string(T) + "]\nset yrange [*:*]\n"
          "set object 1 rect from " + std::to_string(c.fit_t0) + ", graph 0 to " + std::to_string(c.fit_t1) +
          ", graph 1 fc rgb '#eeeeee' fs solid 0.5 behind\n";
    for (int e = 0; e < E; ++e)
        gp += "set title '" + expert_label(entry, m.experts[e]) + ": log-log (shaded: slope fit window)'\n" +
              panel(e, "_error", true);
    gp += "unset multiplot\nunset logscale\nunset object 1\nset format y '%g'\n";
    gp += "set output 'compounding_disagreement.png'\nset terminal pngcairo size " + std::to_string(600 * E) +
          ",450 enhanced font 'Sans,10'\n"
          "set multiplot layout 1," + std::to_string(E) + " title 'Action disagreement with the expert along the learner''s own path'\n"
          "set xlabel '" + xlabel + "'\nset ylabel '" + (pendulum ? "|a_{learner} − a_{expert}| (N·m)" : "‖a_{learner} − a_{expert}‖") +
          "'\nset xrange [1:" + std::to_string(T) + "]\n";
    for (int e = 0; e < E; ++e) gp += "set title '" + expert_label(entry, m.experts[e]) + "'\n" + panel(e, "_disagreement", false);
    gp += "unset multiplot\n";
    write_output(r, opt, "compounding.gp", gp);
    const std::vector<std::string> pngs{"compounding.png", "compounding_disagreement.png"};
    render_plots(r, opt, "compounding.gp", pngs);

    // 4. the section: the lesson with the computed numbers, the paired comparisons, the table
    const std::string window = "t = " + std::to_string(c.fit_t0) + "–" + std::to_string(c.fit_t1);
    const int ratio = (c.demo_episodes + c.dagger_rounds * c.dagger_episodes) / c.demo_episodes;
    std::string md = "## 1. Compounding error: how far the clone drifts from the expert's path (`" + m.env + "`)\n\n";
    md += "Learner and expert start from the same " + std::to_string(m.starts) + " held-out states; error(t) is " +
          (pendulum ? std::string("|angle_normalize(θ_learner(t) − θ_expert(t))| in rad")
                    : env.spec().distance + " between the learner's and the expert's states, in " + env.spec().distance_unit +
                          " (Env::state_distance; an episode the env ended keeps its final state)") +
          " after t steps. **The unit is the training seed**: each of the " + std::to_string(S) + " seeds' curves is "
          "averaged over the starts (which all seeds share, so starts are not independent replicates), and every band "
          "and interval below is a Student-t 95% interval over those per-seed values (clipped at 0 for distances). DAgger is the seed's algorithm: "
          "π̂_1 is the seed's BC policy, then " + std::to_string(c.dagger_rounds) + " rounds in which the learner "
          "drives (β = 0) and the expert labels its states.\n\n";
    auto slope_of = [&](int e, int meth) { return ci(ser[e * 2 + meth].slope, 2); };
    if (pendulum) {
        // Reference: a constant torque offset δu from the same state gives, under the env's semi-implicit Euler
        // step, Δθ(t) = 3δu·dt²·t(t+1)/2: its log-log slope over the window.
        std::vector<double> lt, lref;
        for (int t = c.fit_t0; t <= c.fit_t1; ++t)
            lt.push_back(std::log(double(t))), lref.push_back(std::log(t * (t + 1) / 2.0));
        const double ref = fit_slope(lt, lref);
        int inside = 0;  // series whose slope interval contains the reference
        for (const Series& x : ser) inside += x.slope.lo <= ref && ref <= x.slope.hi;
        md += "**Early growth.** Over " + window + " the log-log slope of error(t) is, per expert (BC, then DAgger): ";
        for (int e = 0; e < E; ++e)
            md += (e ? "; " : "") + expert_label(entry, m.experts[e]) + " " + slope_of(e, 0) + " and " + slope_of(e, 1);
        md += ". A constant torque offset alone gives " + num(ref, 2) + " over this window (Δθ(t) ∝ t(t+1)/2 under the "
              "env's semi-implicit Euler step); " + std::to_string(inside) + " of the " + std::to_string(2 * E) +
              " intervals contain it" +
              (inside == 2 * E ? ": early on a clone behaves like the expert plus a constant torque offset, integrated "
                                 "twice, not yet an error feeding on itself"
                               : ": a slope above it means the error feeds on itself, below it that the two controllers "
                                 "agree more as they go") + ".";
        for (int e = 0; e < E; ++e) {
            const Series& bc = ser[e * 2];
            md += " " + expert_label(entry, m.experts[e]) + ": BC's error peaks at t = " + std::to_string(bc.peak_t) +
                  " and after " + std::to_string(T) + " steps is " + ci(bc.err[T - 1], 3) + " rad, " + ci(bc.growth, 1) +
                  "× its error after " + std::to_string(te) + " steps.";
        }
        md += " With the swing-up expert both trajectories end upright whenever the learner succeeds, so compounding "
              "shows up as the starts from which the clone never gets up.\n\n";
    } else {
        md += "**Early growth.** Over " + window + " the log-log slope of error(t) is " + slope_of(0, 0) + " for BC and " +
              slope_of(0, 1) + " for DAgger. After " + std::to_string(T) + " steps BC is off by " +
              ci(ser[0].err[T - 1], 3) + " " + env.spec().distance_unit + ", " + ci(ser[0].growth, 1) + "× its error after " +
              std::to_string(te) + " steps; DAgger by " + ci(ser[1].err[T - 1], 3) + " " + env.spec().distance_unit +
              ". BC's mean error peaks at t = " + std::to_string(ser[0].peak_t) + ". Success by the env's rule: " +
              env.spec().success + ".\n\n";
    }
    for (int e = 0; e < E; ++e)
        md += comparisons(m, ser, e, expert_label(entry, m.experts[e]), env.spec().distance_unit,
                          pendulum ? "N·m" : "");
    md += "DAgger holds " + std::to_string(ratio) + "× BC's labels here; experiment 3 compares the two at equal labels.\n\n";
    md += tab.markdown() + "\n";
    md += "Errors, growth, slope, disagreement and the first success column: mean [95% CI] over the " +
          std::to_string(S) + " training seeds (each seed's mean over the starts). The last column pools seeds × starts "
          "into one Wilson interval, shown only beside the seed-level one: it treats the episodes as independent, which "
          "they are not. Action disagreement is " +
          std::string(pendulum ? "|clip(a_learner, ±2) − a_expert(s_learner)| in N·m"
                               : "‖clip(a_learner) − a_expert(s_learner)‖ (clipped to the env's action bounds)") +
          " over the steps the learner ran.\n";
    const std::string budgets =
        "Demonstrations: " + std::to_string(c.demo_episodes) + " expert episodes (" + (pendulum ? "" : "at most ") + std::to_string(c.demo_episodes * T) +
        " labels) per seed; " + mlp_text(env.spec().obs_dim, c.train.hidden, std::to_string(env.spec().act_dim)) + " with "
        "normalisation, batch " + std::to_string(c.train.batch) + ", " + std::to_string(c.train.steps) +
        " Adam steps (lr " + num(c.train.lr, 3) + ") per training. DAgger: " + std::to_string(c.dagger_rounds) + " rounds × " +
        std::to_string(c.dagger_episodes) + " learner episodes (β = 0), retrained from scratch each round with the same "
        "step budget, so it ends with " + (pendulum ? "" : "at most ") + std::to_string((c.demo_episodes + c.dagger_rounds * c.dagger_episodes) * T) +
        " labels. Rollouts of " + std::to_string(T) + " steps from " + std::to_string(m.starts) + " held-out starts.";
    finish_section(r, opt, md, budgets, "compounding.gp", pngs);

    // 5. the seed's claims this tests: BC's drift compounds (grows along the episode); DAgger reduces it
    for (int e = 0; e < E; ++e) {
        const Series &bc = ser[e * 2], &dg = ser[e * 2 + 1];
        const std::string where = "`" + m.env + "`" + (E > 1 ? ", " + expert_label(entry, m.experts[e]) : "") + ", section 1";
        const Stats& g = bc.growth;
        r.claims.push_back(claim_line(
            "Compounding error: BC's drift from the expert's path grows along the episode", where,
            g.n < 2 ? "not established" : g.lo > 1 ? "held" : g.hi < 1 ? "did not hold" : "not established",
            "BC's error after " + std::to_string(T) + " steps is " + ci(g, 1) + "× its error after " + std::to_string(te) +
                " steps (t 95% over " + std::to_string(S) + " seeds; the claim needs the interval above 1)"));
        const Stats d = paired(dg.err_end, bc.err_end);
        r.claims.push_back(claim_line(
            "DAgger's fix: DAgger drifts less than BC", where, claim_status(verdict_of(d), Verdict::BBeatsA),
            "error after " + std::to_string(T) + " steps, " +
                verdict_text("DAgger", "BC", d, 0, 3, env.spec().distance_unit, false) + " (DAgger holds " +
                std::to_string(ratio) + "× BC's labels here)"));
    }
    return r;
}

ExperimentResult run_compounding(const ExperimentOptions& opt) {
    return timed([&] { return report_compounding(measure_compounding(opt), opt); });
}

}  // namespace imitate::experiments
