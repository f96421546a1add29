// Experiment 1, compounding error (Ross & Bagnell 2010): a cloned policy makes small errors, which carry it to
// states the expert never showed, where its errors are larger. We measure it directly: learner and expert
// start from the same held-out states, and error(t) is the distance between their states after t steps:
// on Pendulum |angle_normalize(θ_learner(t) − θ_expert(t))| (rad), on any other env the Euclidean distance
// between the simulator states (Env::get_state, the state's own units; an episode that terminated keeps its
// final state). Along the learner's own path the expert labels every state, which gives the action
// disagreement ‖clip(a_learner) − a_expert‖ (Pendulum: torque, N·m). BC on 10 expert episodes vs DAgger after
// 5 rounds (started from the same 10 episodes), for the seed's PD expert and the swing-up expert on Pendulum,
// for the env's first expert elsewhere (--env).
//
// compounding.csv: t (steps taken, 1..T), then for each series <expert>_<method> (pendulum: pd_bc, pd_dagger,
// swingup_bc, swingup_dagger): _error_mean, _error_lo, _error_hi, _disagreement_mean, _disagreement_lo,
// _disagreement_hi (mean and 95% band over training seeds × start states; disagreement over the episodes
// still running at t, NaN once none is).
#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "algorithms/dagger.hpp"
#include "algorithms/experiments/experiments.hpp"
#include "algorithms/experiments/report.hpp"
#include "algorithms/noise_injection.hpp"
#include "envs/pendulum.hpp"

namespace imitate::experiments {

struct CompoundingConfig {
    int demo_episodes = 10;               // expert episodes BC (and DAgger's start) is trained on
    int starts = 100;                     // held-out start states, shared by every learner and the expert
    int steps = 0;                        // T: steps per rollout; 0: the env's horizon (Pendulum: 200)
    long train_steps = 3000;              // gradient steps per training (BC, and every DAgger retraining)
    std::vector<int> hidden{32, 32};      // hidden widths
    int batch = 256;                      // minibatch size
    float lr = 3e-3f;                     // Adam learning rate
    bool normalize = true;                // normalise observations and actions with dataset statistics
    int dagger_rounds = 5;                // DAgger rounds (β_1 = 1, then 0)
    int dagger_episodes = 10;             // learner rollouts per DAgger round, every state labelled
    int fit_t0 = 1, fit_t1 = 10;          // log-log fit window of error(t), in steps (before any curve saturates)
    std::vector<int> report_t;            // steps at which the table reports error(t); empty: 1, T/10, T/4, T/2, T
};

static CompoundingConfig compounding_config(bool quick) {
    CompoundingConfig c;
    if (quick) {
        c.starts = 30;
        c.train_steps = 400;
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

// One learner's curves from every start: err[i][t-1] for t = 1..T, dis[i][t-1] for the T_i steps it ran.
struct Curves {
    std::vector<std::vector<double>> err, dis;
    int successes = 0;
};

// The state after t = 1..T steps: states(t) while the episode ran, then its final state (absorbing).
static const double* state_after(const Episode& e, int t) {
    return t < e.length() ? &e.states(t, 0) : e.final_state.data();
}

// error(t) against the expert's episodes from the same starts; disagreement with the expert's labels.
static Curves measure(const Env& env, const std::vector<Episode>& learner, const std::vector<Episode>& expert, int T) {
    const EnvSpec& sp = env.spec();
    const bool pendulum = sp.id == "pendulum";
    const int D = sp.state_dim, A = sp.act_dim;
    Curves c;
    for (size_t i = 0; i < learner.size(); ++i) {
        const Episode &l = learner[i], &x = expert[i];
        std::vector<double> err(static_cast<size_t>(T)), dis(static_cast<size_t>(l.length()));
        for (int t = 1; t <= T; ++t) {
            const double *sl = state_after(l, t), *se = state_after(x, t);
            if (pendulum) {
                err[t - 1] = std::abs(angle_normalize(sl[0] - se[0]));  // θ, wrapped
            } else {
                double sq = 0;
                for (int d = 0; d < D; ++d) sq += (sl[d] - se[d]) * (sl[d] - se[d]);
                err[t - 1] = std::sqrt(sq);
            }
        }
        for (int t = 0; t < l.length(); ++t) {
            double sq = 0, d0 = 0;
            for (int a = 0; a < A; ++a) {  // the env clips the commanded action to its bounds
                const double u = std::clamp(double(l.actions(t, a)), double(sp.act_low[a]), double(sp.act_high[a]));
                const double d = u - double(l.expert_actions(t, a));
                sq += d * d;
                if (a == 0) d0 = d;
            }
            dis[t] = A == 1 ? std::abs(d0) : std::sqrt(sq);
        }
        c.err.push_back(std::move(err));
        c.dis.push_back(std::move(dis));
        c.successes += l.success;
    }
    return c;
}

// The section's lesson on Pendulum, with the computed numbers (needs r.numbers of both experts).
static std::string pendulum_section(const CompoundingConfig& c, int S, ExperimentResult& r) {
    // Reference: a constant torque offset δu from the same state gives, under the env's
    //    semi-implicit Euler step, Δθ̇(t) = 3δu·dt·t and Δθ(t) = 3δu·dt²·t(t+1)/2: its log-log slope over the window.
    std::vector<double> lt, lref;
    for (int t = c.fit_t0; t <= c.fit_t1; ++t) lt.push_back(std::log(double(t))), lref.push_back(std::log(t * (t + 1) / 2.0));
    const double ref = fit_slope(lt, lref);
    r.numbers["reference_slope"] = ref;
    auto n = [&](const std::string& k, int p) { return num(r.numbers[k], p); };
    auto slope = [&](const std::string& k) { return pm(r.numbers[k + "_slope"], r.numbers[k + "_slope_std"], 2); };
    auto growth = [&](const std::string& k) { return pm(r.numbers[k + "_growth"], r.numbers[k + "_growth_std"], 1) + "×"; };
    auto pct = [&](const std::string& k) { return num(100 * r.numbers[k], 1) + "%"; };
    const std::string window = "t = " + std::to_string(c.fit_t0) + "–" + std::to_string(c.fit_t1);
    double worst = 0;  // the largest distance of a series' slope from the constant-offset reference
    for (const char* k : {"pd_bc", "pd_dagger", "swingup_bc", "swingup_dagger"})
        worst = std::max(worst, std::abs(r.numbers[std::string(k) + "_slope"] - ref));
    const std::string slope_verdict =
        worst < 0.15 ? ", and all four are within " + num(worst, 2) + " of it: early on a clone behaves like the expert "
                       "plus a constant torque offset, and the angle error is that offset integrated twice, not yet "
                       "an error feeding on itself"
                     : "; a larger slope means the error feeds on itself, a smaller one that the two controllers agree "
                       "more as they go";
    std::string md = "## 1. Compounding error: how far the clone drifts from the expert's path (`pendulum`)\n\n";
    md += "Learner and expert start from the same " + std::to_string(c.starts) +
          " held-out states; error(t) = |angle_normalize(θ_learner(t) − θ_expert(t))| in rad after t steps, averaged "
          "over starts × " + std::to_string(S) + " training seeds. **Early growth.** Over " + window +
          " (before any curve saturates) error grows as a power of t: the log-log slope is " + slope("pd_bc") +
          " for BC and " + slope("pd_dagger") + " for DAgger with the PD expert, " + slope("swingup_bc") + " and " +
          slope("swingup_dagger") + " with the swing-up expert (mean ± std over seeds). A constant torque offset "
          "alone would give " + num(ref, 2) + " over this window (Δθ(t) ∝ t(t+1)/2 under the env's semi-implicit "
          "Euler step)" + slope_verdict + ". **Later.** With the PD expert, "
          "which cannot hold the pole and lets it wander, the error keeps growing: after 200 steps BC is off by " +
          n("pd_bc_error_t200", 3) + " rad, " + growth("pd_bc") + " its error after 20 steps (" + n("pd_bc_error_t20", 3) +
          " rad; DAgger's ratio, " + growth("pd_dagger") + ", says less, as its error at t = 20 is only " +
          n("pd_dagger_error_t20", 3) + " rad: read the curves). With the swing-up expert both trajectories end "
          "upright whenever the learner succeeds, so BC's "
          "error peaks at t = " + n("swingup_bc_peak_t", 0) + " (during the swing) and then falls (" + growth("swingup_bc") +
          " from t = 20 to 200): here compounding shows up as the starts from which the clone never gets up (BC "
          "succeeds from " + pct("swingup_bc_success") + " of them, DAgger from " + pct("swingup_dagger_success") +
          ", the expert from " + pct("swingup_expert_success") + "). **DAgger.** Along the learner's own states the "
          "expert would have applied a different torque by " + n("swingup_bc_disagreement", 3) + " N·m on average for "
          "BC vs " + n("swingup_dagger_disagreement", 3) + " N·m for DAgger (PD: " + n("pd_bc_disagreement", 3) + " vs " +
          n("pd_dagger_disagreement", 3) + "): DAgger was trained on the states its own policy visits, labelled by the "
          "expert, so its whole error curve sits lower (after 20 steps " + n("pd_dagger_error_t20", 3) + " vs " +
          n("pd_bc_error_t20", 3) + " rad with the PD expert, " + n("swingup_dagger_error_t20", 3) + " vs " +
          n("swingup_bc_error_t20", 3) + " with the swing-up expert). It also holds " +
          std::to_string((c.demo_episodes + c.dagger_rounds * c.dagger_episodes) / c.demo_episodes) +
          "× BC's labels here; experiment 3 compares the two at equal labels.\n\n";
    return md;
}

// The section's lesson on any other env, for its one expert `x`.
static std::string generic_section(const CompoundingConfig& c, int S, const EnvEntry& env, const std::string& x,
                                   ExperimentResult& r) {
    auto n = [&](const std::string& k, int p) { return num(r.numbers[k], p); };
    auto slope = [&](const std::string& k) { return pm(r.numbers[k + "_slope"], r.numbers[k + "_slope_std"], 2); };
    auto growth = [&](const std::string& k) { return pm(r.numbers[k + "_growth"], r.numbers[k + "_growth_std"], 1) + "×"; };
    auto pct = [&](const std::string& k) { return num(100 * r.numbers[k], 1) + "%"; };
    const int T = c.steps, te = std::max(1, T / 10);
    const std::string window = "t = " + std::to_string(c.fit_t0) + "–" + std::to_string(c.fit_t1);
    std::string md = "## 1. Compounding error: how far the clone drifts from the expert's path (`" + env.id + "`)\n\n";
    md += "Environment `" + env.id + "`, expert `" + x + "`. Learner and expert start from the same " +
          std::to_string(c.starts) + " held-out states; error(t) is the Euclidean distance between the learner's and "
          "the expert's simulator states (Env::get_state, in the state's own units, positions and velocities alike) "
          "after t steps, averaged over starts × " + std::to_string(S) + " training seeds; an episode the env ended "
          "early keeps its final state. Over " + window + " the log-log slope of error(t) is " + slope(x + "_bc") +
          " for BC and " + slope(x + "_dagger") + " for DAgger (mean ± std over seeds). After " + std::to_string(T) +
          " steps BC is off by " + n(x + "_bc_error_t" + std::to_string(T), 3) + ", " + growth(x + "_bc") +
          " its error after " + std::to_string(te) + " steps (" + n(x + "_bc_error_t" + std::to_string(te), 3) +
          "); DAgger by " + n(x + "_dagger_error_t" + std::to_string(T), 3) + " (" + growth(x + "_dagger") +
          "). Along the learner's own states the expert's action differs from the learner's by " +
          n(x + "_bc_disagreement", 3) + " for BC vs " + n(x + "_dagger_disagreement", 3) + " for DAgger "
          "(Euclidean over the action, after clipping to the env's bounds). Success by the env's rule (" +
          env.make()->spec().success + "): BC " + pct(x + "_bc_success") + ", DAgger " +
          pct(x + "_dagger_success") + ", the expert " + pct(x + "_expert_success") + " from these starts. DAgger "
          "holds " + std::to_string((c.demo_episodes + c.dagger_rounds * c.dagger_episodes) / c.demo_episodes) +
          "× BC's labels here; experiment 3 compares the two at equal labels.\n\n";
    return md;
}

ExperimentResult run_compounding(const ExperimentOptions& opt) {
    check_options(opt);
    Timer timer;
    CompoundingConfig c = compounding_config(opt.quick);
    const EnvEntry& entry = experiment_env(opt, "compounding", "pendulum");
    const std::unique_ptr<Env> env_ptr = entry.make();
    const Env& env = *env_ptr;
    const bool pendulum = entry.id == "pendulum";
    // Pendulum: both of its experts (the seed's PD, which cannot hold the pole, and the swing-up); else the first.
    std::vector<std::string> experts;
    if (pendulum)
        for (const ExpertEntry& x : entry.experts) experts.push_back(x.name);
    else
        experts.push_back(entry.experts.front().name);
    const char* methods[2] = {"bc", "dagger"};
    if (c.steps == 0) c.steps = env.spec().max_steps;
    if (c.report_t.empty()) c.report_t = {1, std::max(1, c.steps / 10), std::max(1, c.steps / 4), std::max(1, c.steps / 2), c.steps};
    c.fit_t1 = std::min(c.fit_t1, c.steps);
    const int S = opt.seeds, T = c.steps, E = static_cast<int>(experts.size());
    const int t_early = std::max(1, T / 10);  // growth = error(T) / error(T/10): Pendulum 200 / 20
    ExperimentResult r;
    r.name = "compounding";
    log(opt, "compounding on " + entry.id + ": " + std::to_string(E) + " expert(s) × {BC, DAgger " +
                 std::to_string(c.dagger_rounds) + " rounds} × " + std::to_string(S) + " seeds, " +
                 std::to_string(c.starts) + " held-out starts");

    // 1. held-out start states (the env's reset, drawn in sequence from one Rng; Pendulum: θ ~ U(−π, π),
    //    θ̇ ~ U(−1, 1)) and each expert's rollouts from them
    RolloutConfig rc;
    rc.episodes = c.starts;
    rc.steps = T;
    Rng start_rng(derive_seed(opt.seed, 0xC0FFEE));
    const std::unique_ptr<Env> starter = env.clone();
    for (int i = 0; i < c.starts; ++i) {
        starter->reset(start_rng);
        std::vector<double> x(static_cast<size_t>(env.spec().state_dim));
        starter->get_state(x.data());
        rc.starts.push_back(std::move(x));
    }
    std::vector<std::shared_ptr<const Expert>> expert_of;
    std::vector<std::vector<Episode>> expert_eps;
    for (const std::string& name : experts) {
        expert_of.push_back(std::shared_ptr<const Expert>(make_expert(entry.id, name)));
        expert_eps.push_back(rollout_expert(env, expert_of.back(), rc));
    }

    // 2. one job per (method, expert, seed), DAgger's (the long ones) first: train, then roll out from the
    //    starts with the expert labelling every state the learner visits (β = 0: the learner drives)
    std::vector<Curves> curves(static_cast<size_t>(2 * E * S));  // index (m·E + e)·S + s
    run_jobs(2 * E * S, [&](int j) {
        const int m = j < E * S ? 1 : 0, e = (j % (E * S)) / S, s = j % S;
        const uint64_t base = derive_seed(opt.seed, static_cast<uint64_t>(e * S + s));  // shared by BC and DAgger
        const std::shared_ptr<const Expert>& expert = expert_of[e];
        const Dataset demos = collect_demos(env, expert, c.demo_episodes, derive_seed(base, 1));
        BCConfig bc;
        bc.steps = c.train_steps;
        bc.hidden = c.hidden;
        bc.batch = c.batch;
        bc.lr = c.lr;
        bc.normalize = c.normalize;
        bc.seed = derive_seed(base, 2);
        std::optional<Policy> pi;
        if (m == 0) {
            pi = train_bc(demos, bc).policy;
        } else {
            // DAgger from the same demos; its round-0 policy is exactly the BC policy (same data and seed)
            DAggerConfig dc;
            dc.rounds = c.dagger_rounds;
            dc.episodes_per_round = c.dagger_episodes;
            dc.seed = derive_seed(base, 3);
            dc.bc = bc;
            dc.eval.episodes = 1;  // its own per-round evaluation is not used here
            pi = dagger(env, expert, demos, dc).policy;
        }
        RolloutConfig lc = rc;
        lc.expert = expert;
        lc.beta = 0.0;
        const int idx = (m * E + e) * S + s;
        curves[idx] = measure(env, rollout(env, pi->as_batch_policy(), lc), expert_eps[e], T);
    });

    // 3. pooled curves over seeds × starts, per series; per-seed log-log slopes over the fit window
    Csv csv;
    csv.header = {"t"};
    for (int e = 0; e < E; ++e)
        for (int m = 0; m < 2; ++m)
            for (const char* q : {"_error_mean", "_error_lo", "_error_hi", "_disagreement_mean", "_disagreement_lo",
                                  "_disagreement_hi"})
                csv.header.push_back(experts[e] + "_" + methods[m] + q);
    csv.rows.assign(T, std::vector<double>(csv.header.size(), 0.0));
    for (int t = 1; t <= T; ++t) csv.rows[t - 1][0] = t;

    Table tab{{"expert", "learner"}, {}};
    for (int t : c.report_t) tab.header.push_back("error t=" + std::to_string(t));
    tab.header.insert(tab.header.end(), {"growth t=" + std::to_string(T) + " / t=" + std::to_string(t_early), "log-log slope (t=" + std::to_string(c.fit_t0) + "–" + std::to_string(c.fit_t1) + ")",
               "action disagreement", "success from these starts"});
    for (int e = 0; e < E; ++e) {
        const int succ = [&] {
            int k = 0;
            for (const Episode& ep : expert_eps[e]) k += ep.success;
            return k;
        }();
        const auto w = wilson_interval(succ, c.starts);
        std::vector<std::string> erow{expert_label(entry, experts[e]), "the expert itself"};
        for (size_t k = 0; k < c.report_t.size(); ++k) erow.push_back("0");
        erow.insert(erow.end(), {"", "", "0", pct_ci(double(succ) / c.starts, w.first, w.second)});
        tab.rows.push_back(erow);
        r.numbers[experts[e] + "_expert_success"] = double(succ) / c.starts;
        for (int m = 0; m < 2; ++m) {
            const std::string key = experts[e] + "_" + methods[m];
            const int col0 = 1 + (e * 2 + m) * 6;
            std::vector<double> mean_err(T), slopes, growth;
            std::vector<double> all_dis;
            int succ_l = 0;
            for (int t = 0; t < T; ++t) {
                std::vector<double> ev, dv;
                for (int s = 0; s < S; ++s) {
                    const Curves& cv = curves[(m * E + e) * S + s];
                    for (size_t i = 0; i < cv.err.size(); ++i) {
                        ev.push_back(cv.err[i][t]);
                        if (t < static_cast<int>(cv.dis[i].size())) dv.push_back(cv.dis[i][t]);  // still running
                    }
                }
                const Stats se = stats_of(ev);
                Stats sd = stats_of(dv);
                if (dv.empty()) sd.mean = sd.lo = sd.hi = std::nan("");
                mean_err[t] = se.mean;
                auto& row = csv.rows[t];
                row[col0 + 0] = se.mean, row[col0 + 1] = se.lo, row[col0 + 2] = se.hi;
                row[col0 + 3] = sd.mean, row[col0 + 4] = sd.lo, row[col0 + 5] = sd.hi;
                all_dis.insert(all_dis.end(), dv.begin(), dv.end());
            }
            for (int s = 0; s < S; ++s) {
                const Curves& cv = curves[(m * E + e) * S + s];
                succ_l += cv.successes;
                std::vector<double> lt, le;
                auto seed_mean = [&](int t) {  // mean error over starts after t steps
                    double sum = 0;
                    for (const auto& row : cv.err) sum += row[t - 1];
                    return sum / cv.err.size();
                };
                for (int t = c.fit_t0; t <= c.fit_t1; ++t) {
                    lt.push_back(std::log(double(t)));
                    le.push_back(std::log(std::max(seed_mean(t), 1e-12)));
                }
                slopes.push_back(fit_slope(lt, le));
                growth.push_back(seed_mean(T) / std::max(seed_mean(t_early), 1e-12));
            }
            const Stats sl = stats_of(slopes), gr = stats_of(growth), di = stats_of(all_dis);
            r.numbers[key + "_slope"] = sl.mean;
            r.numbers[key + "_slope_std"] = sl.std;
            r.numbers[key + "_growth"] = gr.mean;
            r.numbers[key + "_growth_std"] = gr.std;
            r.numbers[key + "_disagreement"] = di.mean;
            r.numbers[key + "_success"] = double(succ_l) / (S * c.starts);
            r.numbers[key + "_peak_t"] = double(std::max_element(mean_err.begin(), mean_err.end()) - mean_err.begin() + 1);
            std::vector<std::string> row{expert_label(entry, experts[e]),
                                         m == 0 ? "BC" : "DAgger (" + std::to_string(c.dagger_rounds) + " rounds)"};
            for (int t : c.report_t) {
                if (t > T) {
                    row.push_back("");
                    continue;
                }
                const auto& cr = csv.rows[t - 1];
                r.numbers[key + "_error_t" + std::to_string(t)] = cr[col0];
                row.push_back(num(cr[col0], 3) + " [" + num(cr[col0 + 1], 3) + ", " + num(cr[col0 + 2], 3) + "]");
            }
            row.push_back(pm(gr.mean, gr.std, 1) + "×");
            row.push_back(pm(sl.mean, sl.std, 2));
            row.push_back(num(di.mean, 3) + " [" + num(di.lo, 3) + ", " + num(di.hi, 3) + "]");
            const auto w2 = wilson_interval(succ_l, S * c.starts);
            row.push_back(pct_ci(double(succ_l) / (S * c.starts), w2.first, w2.second));
            tab.rows.push_back(row);
        }
    }
    r.numbers["fit_t0"] = c.fit_t0;
    r.numbers["fit_t1"] = c.fit_t1;
    r.table = tab.text();
    write_output(r, opt, "compounding.csv", csv.str());

    // 4. plots: error vs t (linear, and log-log with the fit window), disagreement vs t
    auto col = [&](const std::string& name) { return std::to_string(csv.col(name)); };
    const char* color[2] = {"#d62728", "#1f77b4"};  // BC red, DAgger blue
    const std::string dagger_title = "DAgger (" + std::to_string(c.dagger_rounds) + " rounds)";
    auto panel = [&](int e, const std::string& q, bool loglog) {
        const std::string ek = experts[e];
        std::string p = std::string("set key ") + (e == 0 ? "top left" : "top right") + "\nplot ";  // away from the data
        for (int m = 0; m < 2; ++m) {
            const std::string k = ek + "_" + methods[m] + q;
            const std::string title = m == 0 ? "BC" : dagger_title;
            if (!loglog)
                p += std::string(m ? ", \\\n     " : "") + "'compounding.csv' skip 1 using 1:" + col(k + "_lo") + ":" + col(k + "_hi") +
                     " with filledcurves fs transparent solid 0.25 noborder lc rgb '" + color[m] + "' title '" + title +
                     " 95% band', \\\n     '' skip 1 using 1:" + col(k + "_mean") + " with lines lw 2 lc rgb '" + color[m] +
                     "' title '" + title + " mean'";
            else
                p += std::string(m ? ", \\\n     " : "") + "'compounding.csv' skip 1 using 1:" + col(k + "_mean") +
                     " with lines lw 2 lc rgb '" + color[m] + "' title '" + title + " mean'";
        }
        return p + "\n";
    };
    const std::string xlabel = pendulum ? "timestep t (steps of 0.05 s)" : "timestep t";
    std::string gp = gnuplot_preamble("compounding.png", 600 * E, 900) + "set key opaque\n";
    gp += "set multiplot layout 2," + std::to_string(E) + " title 'Compounding error" + (pendulum ? "" : " on " + entry.id) +
          ": learner vs expert from the same " + std::to_string(c.starts) + " held-out starts (" + std::to_string(S) +
          " training seeds)'\n"
          "set xlabel '" + xlabel + "'\nset ylabel '" + (pendulum ? "error |Δθ(t)| (rad)" : "error ‖Δstate(t)‖") +
          "'\nset xrange [1:" + std::to_string(T) + "]\n";
    for (int e = 0; e < E; ++e)
        gp += "set title '" + expert_label(entry, experts[e]) + ": error vs timestep'\n" + panel(e, "_error", false);
    gp += "set logscale xy\nset format y '10^{%L}'\nset xrange [1:" + std::to_string(T) + "]\nset yrange [*:*]\n"
          "set object 1 rect from " + std::to_string(c.fit_t0) + ", graph 0 to " + std::to_string(c.fit_t1) +
          ", graph 1 fc rgb '#eeeeee' fs solid 0.5 behind\n";
    for (int e = 0; e < E; ++e)
        gp += "set title '" + expert_label(entry, experts[e]) + ": log-log (shaded: slope fit window)'\n" + panel(e, "_error", true);
    gp += "unset multiplot\nunset logscale\nunset object 1\nset format y '%g'\n";
    gp += "set output 'compounding_disagreement.png'\nset terminal pngcairo size " + std::to_string(600 * E) +
          ",450 enhanced font 'Sans,10'\n"
          "set multiplot layout 1," + std::to_string(E) + " title 'Action disagreement with the expert along the learner''s own path'\n"
          "set xlabel '" + xlabel + "'\nset ylabel '" + (pendulum ? "|a_{learner} − a_{expert}| (N·m)" : "‖a_{learner} − a_{expert}‖") +
          "'\nset xrange [1:" + std::to_string(T) + "]\n";
    for (int e = 0; e < E; ++e)
        gp += "set title '" + expert_label(entry, experts[e]) + "'\n" + panel(e, "_disagreement", false);
    gp += "unset multiplot\n";
    write_output(r, opt, "compounding.gp", gp);
    const std::vector<std::string> pngs{"compounding.png", "compounding_disagreement.png"};
    render_plots(r, opt, "compounding.gp", pngs);

    // 5. the report section
    std::string md = pendulum ? pendulum_section(c, S, r) : generic_section(c, S, entry, experts[0], r);
    md += tab.markdown() + "\n";
    md += "Errors are mean [95% band = mean ± t·sd/√n over n = seeds × starts]; growth and slope are mean ± std "
          "over seeds (each seed's mean curve over starts); action disagreement is " +
          std::string(pendulum ? "|clip(a_learner, ±2) − a_expert(s_learner)| in N·m"
                               : "‖clip(a_learner) − a_expert(s_learner)‖ (clipped to the env's action bounds)") +
          ", averaged over " + (pendulum ? "all " + std::to_string(T) + " steps" : "the steps the learner ran (at most " + std::to_string(T) + ")") + "; success has a "
          "Wilson 95% interval over seeds × starts.\n";
    const std::string budgets =
        "Demonstrations: " + std::to_string(c.demo_episodes) + " expert episodes (" + std::to_string(c.demo_episodes * T) +
        " labels) per seed; " + mlp_text(env.spec().obs_dim, c.hidden, std::to_string(env.spec().act_dim)) + " with "
        "normalisation, batch " + std::to_string(c.batch) + ", " + std::to_string(c.train_steps) +
        " Adam steps (lr " + num(c.lr, 3) + ") per training. DAgger: " + std::to_string(c.dagger_rounds) + " rounds × " +
        std::to_string(c.dagger_episodes) + " episodes (β = 1 in round 1, then 0), retrained from scratch each round "
        "with the same step budget, so it ends with " + std::to_string((c.demo_episodes + c.dagger_rounds * c.dagger_episodes) * T) +
        " labels (experiment 3 compares at equal labels). Rollouts of " + std::to_string(T) + " steps from " +
        std::to_string(c.starts) + " held-out starts.";
    md += "\n" + section_footer(r, opt, budgets, "compounding.gp", pngs);
    r.markdown = md;
    write_output(r, opt, "compounding.md", md);
    r.wall_seconds = timer.wall();
    r.cpu_seconds = timer.cpu();
    return r;
}

}  // namespace imitate::experiments
