// Experiment 5, the horizon: does BC's cost gap grow as T² and DAgger's as T, as the seed says (Ross & Bagnell
// 2010: J(π̂) ≤ J(π*) + T²ε for BC; Ross, Gordon & Bagnell 2011: J(π̂) ≤ J(π*) + uTε for DAgger)? Per training
// seed, BC and the seed's DAgger (β = 0, 5 on-policy rounds) are trained on the same number of expert labels,
// then each policy and the expert run from the same held-out starts for the longest horizon; the cost over the
// first T steps (cost = −reward) is the same as a T-step episode's, since no policy sees the clock. For each T:
// the gap J(π̂) − J(π*) (mean over starts) and the fraction of starts where the expert succeeds by T and the
// learner does not. The exponent is each seed's least-squares log-log slope of the gap on T (over the horizons
// where the gap is positive), with a Student-t interval over seeds.
//
// horizon.csv: T, expert_cost, expert_success, then per method (bc, dagger): _gap_mean, _gap_lo, _gap_hi,
// _failed_mean, _failed_lo, _failed_hi (mean and t 95% CI over seeds).
#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "algorithms/dagger.hpp"
#include "algorithms/experiments/experiments.hpp"
#include "algorithms/experiments/report.hpp"
#include "algorithms/noise_injection.hpp"

namespace imitate::experiments {

struct HorizonConfig {
    // T values as multiples of the env's time limit (max_steps; Pendulum's 200: 25, 50, ..., 800; reacher's 100:
    // 12, 25, ..., 400), rounded down; the rollouts run the largest. Beyond the time limit the episode goes on:
    // neither the policies nor the expert see the clock, so the first T steps cost what a T-step episode costs.
    std::vector<double> horizon_multiples{0.125, 0.25, 0.5, 1, 2, 4};
    int initial_episodes = 2;         // expert demonstrations D₀ (DAgger's start; BC gets as many labels in all)
    int rounds = 5;                   // DAgger rounds, all on-policy (β = 0)
    int episodes_per_round = 2;       // learner episodes per round, every state labelled
    TrainBudget train;                // every training: 3000 Adam steps, MLP 32×32, batch 256, lr 3e-3, normalised
    int starts = 100;                 // held-out start states, shared by the expert and every learner
};

static HorizonConfig horizon_config(bool quick, const std::string& env) {
    HorizonConfig c;
    if (env == "push") c.starts = 50;  // 800-step rollouts of 65 µs steps (experiments.hpp: budgets)
    if (quick) {
        c.rounds = 2;
        c.train.steps = 300;
        c.starts = 20;
    }
    return c;
}

static const char* method_key[2] = {"bc", "dagger"};

JobValues to_values(const HorizonSeed& x) {
    JobValues v(x.gap);
    v.insert(v.end(), x.failed.begin(), x.failed.end());
    return v;
}

HorizonSeed horizon_seed_from(const JobValues& v, size_t n) {
    if (v.size() != 2 * n)
        throw std::runtime_error("horizon: a job holds " + std::to_string(v.size()) + " values, expected " +
                                 std::to_string(2 * n));
    HorizonSeed x;
    x.gap.assign(v.begin(), v.begin() + n);
    x.failed.assign(v.begin() + n, v.end());
    return x;
}

// Cost (−Σ reward) of the first T steps of e, and whether it succeeds by T (the env's rule on those steps).
static double cost_by(const Episode& e, int T) {
    double c = 0;
    for (int t = 0; t < std::min(T, e.length()); ++t) c -= e.rewards[t];
    return c;
}
static bool success_by(const Episode& e, int T, int W) {
    const int n = std::min(T, e.length());
    if (n < W) return false;
    for (int t = n - W; t < n; ++t)
        if (!e.at_goal[t]) return false;
    return true;
}

HorizonResult measure_horizon(const ExperimentOptions& opt) {
    const EnvEntry& entry = measured_env(opt, "horizon", "pendulum");
    const HorizonConfig c = horizon_config(opt.quick, entry.id);
    const std::unique_ptr<Env> env_ptr = entry.make();
    const Env& env = *env_ptr;
    const ExpertEntry& demo_expert = demonstrator(entry);
    const std::shared_ptr<const Expert> expert = shared_expert(demo_expert);
    std::vector<int> horizons;
    for (double x : c.horizon_multiples) horizons.push_back(std::max(1, static_cast<int>(x * env.spec().max_steps)));
    const int W = env.spec().success_window, Tmax = horizons.back(), S = opt.seeds;
    const size_t nT = horizons.size();
    HorizonResult m;
    m.env = entry.id;
    m.expert = demo_expert.name;
    m.seeds = S;
    m.starts = c.starts;
    m.horizons = horizons;
    log(opt, "horizon on " + entry.id + " (expert " + demo_expert.name + "): {BC, DAgger " + std::to_string(c.rounds) +
                 " rounds} × " + std::to_string(S) + " seeds, T up to " + std::to_string(Tmax) + ", " +
                 std::to_string(c.starts) + " held-out starts");

    // 1. held-out starts and the expert's episodes of Tmax steps from them
    RolloutConfig rc;
    rc.episodes = c.starts;
    rc.steps = Tmax;
    rc.starts = held_out_starts(env, c.starts, derive_seed(opt.seed, 0x4051));
    const std::vector<Episode> star = rollout_expert(env, expert, rc);
    for (int T : horizons) {
        double cost = 0, succ = 0;
        for (const Episode& e : star) cost += cost_by(e, T), succ += success_by(e, T, W);
        m.expert_cost.push_back(cost / c.starts);
        m.expert_success.push_back(succ / c.starts);
    }

    // 2. one job per (method, seed), DAgger's first: train at equal labels, run Tmax steps from the starts
    const int episodes = c.initial_episodes + c.rounds * c.episodes_per_round;
    std::vector<Job> jobs;
    for (int meth : {1, 0})
        for (int s = 0; s < S; ++s)
            jobs.push_back({job_key(method_key[meth], s), [&, meth, s] {
                const uint64_t base = derive_seed(opt.seed, static_cast<uint64_t>(s));
                const BCConfig bc = c.train.bc(derive_seed(base, 4));
                std::optional<Policy> pi;
                double labels = 0;
                if (meth == 0) {  // BC on as many expert episodes as DAgger labels (nested with its D₀)
                    const Dataset d = collect_demos(env, expert, episodes, derive_seed(base, 1));
                    labels = double(d.size());
                    pi = train_bc(d, bc).policy;
                } else {
                    const DAggerConfig dc = seed_dagger(c.rounds, c.episodes_per_round, derive_seed(base, 3), bc);
                    DAggerResult res = dagger(env, expert, collect_demos(env, expert, c.initial_episodes, derive_seed(base, 1)), dc);
                    labels = double(res.data.size());
                    pi = std::move(res.policy);
                }
                const std::vector<Episode> eps = rollout(env, pi->as_batch_policy(), rc);
                HorizonSeed x;
                for (int T : horizons) {
                    double gap = 0, failed = 0;
                    for (size_t i = 0; i < eps.size(); ++i) {
                        gap += cost_by(eps[i], T) - cost_by(star[i], T);
                        failed += success_by(star[i], T, W) && !success_by(eps[i], T, W);
                    }
                    x.gap.push_back(gap / c.starts);
                    x.failed.push_back(failed / c.starts);
                }
                JobValues v = to_values(x);
                v.push_back(labels);
                return v;
            }});
    const std::vector<JobValues> v = run_sweep(jobs, sweep_options(opt, "horizon"));
    if (v.empty()) return m;  // an MPI rank other than the report writer
    m.runs.resize(size_t(2 * S));
    double labels = 0;
    for (size_t j = 0; j < jobs.size(); ++j) {
        const int meth = j < size_t(S) ? 1 : 0, s = static_cast<int>(j % S);
        if (v[j].size() != 2 * nT + 1) throw std::runtime_error("horizon: job " + jobs[j].key + " has the wrong size");
        m.runs[size_t(meth * S + s)] = horizon_seed_from(JobValues(v[j].begin(), v[j].end() - 1), nT);
        if (meth == 1) labels += v[j].back() / S;
    }
    m.labels = labels;
    return m;
}

// What an exponent's interval says about T vs T².
static std::string exponent_verdict(const Stats& e) {
    if (e.n < 2 || !std::isfinite(e.lo)) return "no interval (fewer than 2 seeds with a positive gap at 3+ horizons)";
    const bool one = e.lo <= 1 && 1 <= e.hi, two = e.lo <= 2 && 2 <= e.hi;
    if (one && !two) return "consistent with T, not with T²";
    if (two && !one) return "consistent with T², not with T";
    if (one && two) return "cannot tell T from T² (the interval holds both)";
    return e.hi < 1 ? "slower than T (the interval lies below 1)" : e.lo > 2 ? "faster than T²" : "between T and T², excluding both";
}

ExperimentResult report_horizon(const HorizonResult& m, const ExperimentOptions& opt) {
    ExperimentResult r;
    r.name = "horizon";
    if (m.runs.empty()) return r;  // not the report writer
    const HorizonConfig c = horizon_config(opt.quick, m.env);
    const bool pendulum = m.env == "pendulum";
    const std::unique_ptr<Env> env_ptr = find_env(m.env).make();
    const EnvSpec& spec = env_ptr->spec();
    const int S = m.seeds, nT = static_cast<int>(m.horizons.size());

    // 1. per method and T: gap and failures over seeds; per seed the exponent
    std::vector<std::vector<Stats>> gap(2), failed(2);
    std::vector<std::vector<double>> expo(2);
    for (int meth = 0; meth < 2; ++meth) {
        for (int k = 0; k < nT; ++k) {
            std::vector<double> g, f;
            for (int s = 0; s < S; ++s) g.push_back(m.at(meth, s).gap[k]), f.push_back(100 * m.at(meth, s).failed[k]);
            gap[meth].push_back(stats_of(g));
            failed[meth].push_back(clipped(stats_of(f), 0, 100));
        }
        for (int s = 0; s < S; ++s) {
            std::vector<double> lt, lg;
            for (int k = 0; k < nT; ++k)
                if (m.at(meth, s).gap[k] > 0) lt.push_back(std::log(double(m.horizons[k]))), lg.push_back(std::log(m.at(meth, s).gap[k]));
            expo[meth].push_back(lt.size() >= 3 ? fit_slope(lt, lg) : std::nan(""));
        }
    }
    auto finite = [](const std::vector<double>& x) {
        std::vector<double> y;
        for (double v : x)
            if (std::isfinite(v)) y.push_back(v);
        return y;
    };
    const Stats e_bc = stats_of(finite(expo[0])), e_dg = stats_of(finite(expo[1]));
    std::vector<double> paired_bc, paired_dg;  // exponents of the seeds where both are finite
    for (int s = 0; s < S; ++s)
        if (std::isfinite(expo[0][s]) && std::isfinite(expo[1][s])) paired_bc.push_back(expo[0][s]), paired_dg.push_back(expo[1][s]);

    // 2. CSV and table
    Csv csv;
    csv.header = {"T", "expert_cost", "expert_success"};
    for (const char* k : method_key)
        for (const char* q : {"_gap_mean", "_gap_lo", "_gap_hi", "_failed_mean", "_failed_lo", "_failed_hi"})
            csv.header.push_back(std::string(k) + q);
    Table tab{{"T", "expert cost J(π*)", "expert success", "BC gap J(π̂) − J(π*)", "DAgger gap", "DAgger − BC gap, paired",
               "BC failed", "DAgger failed"},
              {}};
    auto ci = [](const Stats& s, int p) { return num(s.mean, p) + " [" + num(s.lo, p) + ", " + num(s.hi, p) + "]"; };
    for (int k = 0; k < nT; ++k) {
        std::vector<double> row{double(m.horizons[k]), m.expert_cost[k], m.expert_success[k]};
        for (int meth = 0; meth < 2; ++meth)
            row.insert(row.end(), {gap[meth][k].mean, gap[meth][k].lo, gap[meth][k].hi, failed[meth][k].mean / 100,
                                   failed[meth][k].lo / 100, failed[meth][k].hi / 100});
        csv.rows.push_back(row);
        std::vector<double> gb, gd;
        for (int s = 0; s < S; ++s) gb.push_back(m.at(0, s).gap[k]), gd.push_back(m.at(1, s).gap[k]);
        tab.rows.push_back({std::to_string(m.horizons[k]), num(m.expert_cost[k], 1), num(100 * m.expert_success[k], 1) + "%",
                            ci(gap[0][k], 1), ci(gap[1][k], 1), ci(paired(gd, gb), 1), ci(failed[0][k], 1) + "%",
                            ci(failed[1][k], 1) + "%"});
    }
    r.table = tab.text();
    write_output(r, opt, "horizon.csv", csv.str());

    // 3. plot: gap vs T on log-log axes with T and T² guides through BC's first point; failures vs T
    auto col = [&](const std::string& name) { return std::to_string(csv.col(name)); };
    const double g0 = std::max(gap[0][0].mean, 1e-9), t0 = m.horizons[0];
    std::string gp = gnuplot_preamble("horizon.png", 1200, 500);
    gp += "set multiplot layout 1,2 title 'Cost gap and failures against the horizon T (" + m.env + ", " +
          std::to_string(S) + " seeds, " + std::to_string(m.starts) + " held-out starts)'\n"
          "set logscale xy\nset xlabel 'horizon T (steps)'\nset ylabel 'J(π̂) − J(π*) (mean over seeds, 95% CI)'\n"
          "set title 'cost gap'\nplot 'horizon.csv' skip 1 using 1:" + col("bc_gap_mean") + ":" + col("bc_gap_lo") + ":" +
          col("bc_gap_hi") + " with yerrorlines lw 2 pt 7 lc rgb '#d62728' title 'BC', \\\n"
          "     '' skip 1 using 1:" + col("dagger_gap_mean") + ":" + col("dagger_gap_lo") + ":" + col("dagger_gap_hi") +
          " with yerrorlines lw 2 pt 7 lc rgb '#1f77b4' title 'DAgger', \\\n"
          "     " + num(g0, 6) + "*(x/" + num(t0, 0) + ") dt 2 lc rgb '#777777' title '∝ T', \\\n"
          "     " + num(g0, 6) + "*(x/" + num(t0, 0) + ")**2 dt 3 lc rgb '#000000' title '∝ T²'\n"
          "unset logscale y\nset logscale x\nset ylabel 'failed episodes (expert succeeds, learner does not)'\n"
          "set yrange [0:1]\nset title 'failures'\nplot 'horizon.csv' skip 1 using 1:" + col("bc_failed_mean") + ":" +
          col("bc_failed_lo") + ":" + col("bc_failed_hi") + " with yerrorlines lw 2 pt 7 lc rgb '#d62728' title 'BC', \\\n"
          "     '' skip 1 using 1:" + col("dagger_failed_mean") + ":" + col("dagger_failed_lo") + ":" + col("dagger_failed_hi") +
          " with yerrorlines lw 2 pt 7 lc rgb '#1f77b4' title 'DAgger'\nunset multiplot\n";
    write_plot(r, opt, "horizon", gp);

    // 4. the section: exponents, their verdicts, and why, from the numbers
    const int last = nT - 1, mid = nT >= 3 ? nT - 2 : 0, early = nT >= 3 ? nT - 3 : 0;
    auto per_step = [&](int meth, int a, int b) {  // gap added per step between horizons a < b, mean over seeds
        return (gap[meth][b].mean - gap[meth][a].mean) / (m.horizons[b] - m.horizons[a]);
    };
    std::vector<double> fb_last, fb_early;  // BC's failures at the last and the third-last horizon, per seed
    for (int s = 0; s < S; ++s) fb_last.push_back(100 * m.at(0, s).failed[last]), fb_early.push_back(100 * m.at(0, s).failed[early]);
    const double inc_late = per_step(0, mid, last), inc_mid = per_step(0, early, mid);
    const std::string T_last = std::to_string(m.horizons[last]), T_mid = std::to_string(m.horizons[mid]),
                      T_early = std::to_string(m.horizons[early]);
    std::string md = "## 5. Horizon: does BC's cost gap grow as T² and DAgger's as T? (`" + m.env + "`)\n\n";
    md += "BC and the seed's DAgger (π̂_1 = BC on D₀, then " + std::to_string(c.rounds) + " on-policy rounds) are "
          "trained on the same " + num(m.labels, 0) + " expert labels per seed; each policy and the expert run from the "
          "same " + std::to_string(m.starts) + " held-out starts, and J is the cost (−reward) summed over the first T "
          "steps. The unit is the training seed (" + std::to_string(S) + " seeds; intervals are Student-t 95% over "
          "seeds). The exponent is each seed's log-log slope of the gap on T over the horizons where its gap is "
          "positive. The horizons are multiples of `" + m.env + "`'s time limit of " + std::to_string(spec.max_steps) +
          " steps (the demonstrations' episodes end there)" + (spec.max_steps < m.horizons.back() ? std::string(
          "; past it the same episode goes on, which costs what a T-step episode costs since neither the policies nor "
          "the expert see the clock") : std::string()) + ".\n\n";
    md += "- BC's exponent: " + ci(e_bc, 2) + " over " + std::to_string(e_bc.n) + " seeds: " + exponent_verdict(e_bc) + ".\n";
    md += "- DAgger's exponent: " + ci(e_dg, 2) + " over " + std::to_string(e_dg.n) + " seeds: " + exponent_verdict(e_dg) + ".\n";
    {
        const Stats d = paired(paired_bc, paired_dg);
        const Verdict v = verdict_of(d);
        md += "- exponents compared: " +
              std::string(v == Verdict::ABeatsB   ? "BC's exponent is larger than DAgger's"
                          : v == Verdict::BBeatsA ? "DAgger's exponent is larger than BC's"
                          : v == Verdict::Match   ? "the exponents are the same on every seed"
                                                  : "a difference between the exponents is not established") +
              ": BC − DAgger = " + paired_text(d, 2, "") + ".\n";
    }
    {
        std::vector<double> gb, gd;
        for (int s = 0; s < S; ++s) gb.push_back(m.at(0, s).gap[last]), gd.push_back(m.at(1, s).gap[last]);
        md += "- gap at T = " + T_last + ": " + verdict_text("DAgger", "BC", paired(gd, gb), 0, 1, "", false) + ".\n";
    }
    md += "- why: between T = " + T_mid + " and " + T_last + " BC's gap grows by " + num(inc_late, 2) +
          " per step, against " + num(inc_mid, 2) + " per step between " + T_early + " and " + T_mid +
          " (a ratio of " + num(inc_mid != 0 ? inc_late / inc_mid : std::nan(""), 2) +
          "; linear growth keeps it at 1, T² doubles it with each doubling of T). From T = " + T_early + " to " + T_last +
          " BC's failed fraction " + [&] {
              const Stats d = paired(fb_last, fb_early);
              const Verdict v = verdict_of(d, 5.0);
              return std::string(v == Verdict::Match     ? "stays the same (within ±5 points)"
                                 : v == Verdict::ABeatsB ? "grows"
                                 : v == Verdict::BBeatsA ? "falls"
                                                         : "changes by an amount not established") +
                     ": " + paired_text(d, 1, "points");
          }() + ". " +
          (std::abs(inc_mid) > 0 && inc_late / inc_mid < 1.5
               ? "The gap is paid per step by episodes that failed early and stay failed (" +
                     std::string(pendulum ? "a pole that never gets up costs about the same every step" : "a failed episode costs about the same every step") +
                     "), while the episodes that reach the goal stay there, so the learner's chance of leaving the "
                     "expert's states does not keep growing with the time left: the T² bound's worst case, in which "
                     "every step can start a new, unrecovered mistake, does not arise on this task."
               : "The cost added per step keeps rising with T, as it does when later steps can still start new, "
                 "unrecovered mistakes (the T² bound's worst case).") +
          "\n\n";
    md += tab.markdown() + "\n";
    md += "Gap and failures: mean [95% CI] over seeds of each seed's mean over the starts; failed = the expert succeeds by T "
          "(the env's rule on the first T steps) and the learner does not. The paired column is per seed.\n";
    const std::string budgets =
        "Per seed: " + std::to_string(c.initial_episodes) + " initial demonstrations, DAgger " + std::to_string(c.rounds) +
        " rounds × " + std::to_string(c.episodes_per_round) + " learner episodes (β = 0), BC on " +
        std::to_string(c.initial_episodes + c.rounds * c.episodes_per_round) + " expert episodes; every training " +
        std::to_string(c.train.steps) + " Adam steps (lr " + num(c.train.lr, 3) + ", batch " + std::to_string(c.train.batch) +
        ", normalised), " + mlp_text(spec.obs_dim, c.train.hidden, std::to_string(spec.act_dim)) + "; rollouts of " +
        T_last + " steps from " + std::to_string(m.starts) + " held-out starts." +
        env_budget_note(m.env, m.starts, horizon_config(opt.quick, "").starts, "held-out starts");
    finish_section(r, opt, md, budgets, "horizon.gp", {"horizon.png"});

    // the seed's claims this tests: BC's gap ∝ T² (the exponent's interval holds 2, not 1), DAgger's ∝ T (holds
    // 1, not 2); either fails when its interval excludes the claimed exponent
    auto exponent_status = [](const Stats& e, double claimed, double other) {
        if (e.n < 2 || !std::isfinite(e.lo)) return std::string("not established");
        const bool has = e.lo <= claimed && claimed <= e.hi, has_other = e.lo <= other && other <= e.hi;
        return std::string(!has ? "did not hold" : has_other ? "not established" : "held");
    };
    const std::string where = "`" + m.env + "`, section 5";
    r.claims.push_back(claim_line("T²: BC's cost gap grows as T²", where, exponent_status(e_bc, 2, 1),
                                  "BC's exponent " + ci(e_bc, 2) + " over " + std::to_string(e_bc.n) + " seeds, " +
                                      exponent_verdict(e_bc)));
    r.claims.push_back(claim_line("T: DAgger's cost gap grows as T", where, exponent_status(e_dg, 1, 2),
                                  "DAgger's exponent " + ci(e_dg, 2) + " over " + std::to_string(e_dg.n) + " seeds, " +
                                      exponent_verdict(e_dg)));
    return r;
}

ExperimentResult run_horizon(const ExperimentOptions& opt) {
    return timed([&] { return report_horizon(measure_horizon(opt), opt); });
}

}  // namespace imitate::experiments
