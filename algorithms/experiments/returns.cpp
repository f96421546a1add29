// Experiment 7, return conditioning: does a Decision Transformer follow the return it is asked for? Per seed,
// mixed-quality data (expert, noisy expert, random controller: algorithms/mixed_data.hpp), a DT trained on it,
// then held-out episodes asking for `targets` returns spread evenly over the data's [worst, best] episode
// return. Following means the achieved return rises with the target: the least-squares slope of achieved on
// target, per seed, with its t interval over seeds (slope 1: it gets what it is asked for; 0: it ignores it).
//
// returns.csv: target_fraction, target (mean over seeds), achieved_mean, achieved_lo, achieved_hi (t 95% over
//   seeds), success_mean, success_lo, success_hi.
// returns_seeds.csv: seed, target_fraction, target, achieved, success.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "algorithms/decision_transformer.hpp"
#include "algorithms/evaluate.hpp"
#include "algorithms/experiments/experiments.hpp"
#include "algorithms/experiments/report.hpp"
#include "algorithms/experiments/scores.hpp"
#include "algorithms/heads/dt.hpp"
#include "algorithms/mixed_data.hpp"

namespace imitate::experiments {

ReturnsConfig returns_config(bool quick) {
    ReturnsConfig c;
    if (quick) {
        c.expert_episodes = c.noisy_episodes = c.random_episodes = 4;
        c.targets = 3;
        c.train_steps = 60;
        c.eval_episodes = 4;
    }
    return c;
}

// Mean episode return of episodes [e0, e0 + n) of d.
static double mean_return(const Dataset& d, const std::vector<double>& rtg, int64_t e0, int n) {
    double s = 0;
    for (int64_t e = e0; e < e0 + n; ++e) s += rtg[d.episode_begin(e)];
    return s / std::max(n, 1);
}

// ------------------------------------------------------------------ measuring
ReturnsResult measure_returns(const ExperimentOptions& opt) {
    check_options(opt);
    ReturnsResult r;
    r.config = returns_config(opt.quick);
    const ReturnsConfig& c = r.config;
    if (c.targets < 2) throw std::invalid_argument("returns: targets must be >= 2 (a slope needs two points)");
    const EnvEntry& entry = experiment_env(opt, "returns", "pendulum");
    const ExpertEntry& demo_expert = demonstrator(entry);
    r.env_id = entry.id, r.expert_name = demo_expert.name, r.seeds = opt.seeds;
    {
        const EnvSpec spec = entry.make()->spec();
        r.half_range = 0.5 * (double(spec.act_high.at(0)) - double(spec.act_low.at(0)));
    }
    const int S = opt.seeds, NT = c.targets;
    log(opt, "returns on " + entry.id + " (expert " + demo_expert.name + "): a Decision Transformer per seed, " +
                 std::to_string(NT) + " target returns × " + std::to_string(S) + " seeds");

    // One job per seed: 1. the mix, 2. the DT, 3. one evaluation per target on the seed's held-out starts (the
    // same starts for every target, so the targets are compared on equal footing).
    std::vector<Job> jobs;
    for (int s = 0; s < S; ++s)
        jobs.push_back({job_key("dt", s), [&, s] {
            const uint64_t base = derive_seed(opt.seed, static_cast<uint64_t>(s));
            const std::unique_ptr<Env> env = entry.make();
            const std::vector<MixPart> mix{{Controller::Expert, c.expert_episodes},
                                           {Controller::Noisy, c.noisy_episodes},
                                           {Controller::Random, c.random_episodes}};
            const Dataset data = collect_mixed(*env, shared_expert(demo_expert), mix, derive_seed(base, 1), c.noise * r.half_range);
            BCConfig bc;
            bc.steps = c.train_steps;
            bc.batch = c.batch;
            bc.lr = c.lr;
            bc.normalize = true;
            bc.seed = derive_seed(base, 2);
            bc.policy.head.kind = HeadKind::DT;
            bc.policy.head.context = c.context, bc.policy.head.d_model = c.d_model, bc.policy.head.nhead = c.nhead, bc.policy.head.ff = c.ff;
            bc.policy.head.dt_layers = c.layers;
            const Policy pi = train_dt(data, bc).policy;
            const std::vector<double> rtg = returns_to_go(data);
            double low = INFINITY, high = -INFINITY;
            for (int64_t e = 0; e < data.num_episodes(); ++e)
                low = std::min(low, rtg[data.episode_begin(e)]), high = std::max(high, rtg[data.episode_begin(e)]);
            JobValues v{low, high, mean_return(data, rtg, 0, c.expert_episodes),
                        mean_return(data, rtg, c.expert_episodes, c.noisy_episodes),
                        mean_return(data, rtg, c.expert_episodes + c.noisy_episodes, c.random_episodes)};
            for (int i = 0; i < NT; ++i) {
                EvalConfig e;
                e.episodes = c.eval_episodes;
                e.seed = derive_seed(base, 3);
                e.target_return = low + (high - low) * i / (NT - 1);
                const EvalResult er = evaluate(*env, pi, e);
                v.insert(v.end(), {e.target_return, er.mean_return, er.success_rate});
            }
            return v;
        }});
    const std::vector<JobValues> values = run_experiment_jobs(jobs, opt, "returns");
    if (values.empty()) return r;  // not the report writer (MPI)

    for (int s = 0; s < S; ++s) {
        const JobValues& v = values[s];
        if (v.size() != size_t(5 + 3 * NT)) throw std::runtime_error("returns: job " + jobs[s].key + " has the wrong number of values");
        ReturnsSeed x{v[0], v[1], v[2], v[3], v[4], {}, {}, {}, 0};
        for (int i = 0; i < NT; ++i) {
            x.target.push_back(v[5 + 3 * i]);
            x.achieved.push_back(v[6 + 3 * i]);
            x.success.push_back(v[7 + 3 * i]);
        }
        x.slope = fit_slope(x.target, x.achieved);
        r.runs.push_back(x);
    }
    return r;
}

// ------------------------------------------------------------------ reporting
ExperimentResult report_returns(const ReturnsResult& r, const ExperimentOptions& opt) {
    const ReturnsConfig& c = r.config;
    const std::unique_ptr<Env> env = experiment_env(opt, "returns", "pendulum").make();
    const int S = r.seeds, NT = c.targets;
    ExperimentResult out;
    out.name = "returns";
    auto over_seeds = [&](auto field) {
        std::vector<double> v;
        for (const ReturnsSeed& x : r.runs) v.push_back(field(x));
        return stats_of(v);
    };

    Csv csv{{"target_fraction", "target", "achieved_mean", "achieved_lo", "achieved_hi", "success_mean", "success_lo",
             "success_hi"}, {}};
    Csv seeds{{"seed", "target_fraction", "target", "achieved", "success"}, {}};
    Table tab{{"target (fraction of [worst, best])", "target return, mean over seeds", "achieved return [t 95%]",
               "achieved − target [t 95%]", "success [t 95%]"}, {}};
    for (int i = 0; i < NT; ++i) {
        const double f = double(i) / (NT - 1);
        const Stats target = over_seeds([&](const ReturnsSeed& x) { return x.target[i]; });
        const Stats achieved = over_seeds([&](const ReturnsSeed& x) { return x.achieved[i]; });
        const Stats gap = over_seeds([&](const ReturnsSeed& x) { return x.achieved[i] - x.target[i]; });
        const Stats success = clipped(over_seeds([&](const ReturnsSeed& x) { return x.success[i]; }), 0, 1);
        csv.rows.push_back({f, target.mean, achieved.mean, achieved.lo, achieved.hi, success.mean, success.lo, success.hi});
        for (int s = 0; s < S; ++s)
            seeds.rows.push_back({double(s), f, r.runs[s].target[i], r.runs[s].achieved[i], r.runs[s].success[i]});
        tab.rows.push_back({num(f, 2), num(target.mean, 1), ci_text(achieved), diff_text(gap), rate_ci(success)});
    }
    out.table = tab.text();
    write_output(out, opt, "returns.csv", csv.str());
    write_output(out, opt, "returns_seeds.csv", seeds.str());

    // The verdict, computed: the slope of achieved on target per seed, its t interval over seeds.
    const Stats slope = over_seeds([](const ReturnsSeed& x) { return x.slope; });
    const Stats low = over_seeds([](const ReturnsSeed& x) { return x.low; }), high = over_seeds([](const ReturnsSeed& x) { return x.high; });
    const Stats expert = over_seeds([](const ReturnsSeed& x) { return x.expert; }),
                noisy = over_seeds([](const ReturnsSeed& x) { return x.noisy; }),
                random = over_seeds([](const ReturnsSeed& x) { return x.random; });
    const std::string slope_s = num(slope.mean, 2) + " [95% CI " + num(slope.lo, 2) + ", " + num(slope.hi, 2) + "] over " +
                                std::to_string(S) + " seeds";
    std::string follows;
    if (S < 2) follows = "With one seed there is no interval: the slope is " + num(slope.mean, 2) + ", nothing is established.";
    else if (slope.lo > 0 && slope.hi < 1)
        follows = "It follows the target, partly: the slope of achieved on asked-for return is " + slope_s +
                  ", above 0 (the return asked for changes what it gets) and below 1 (it gets less than the spread it is asked for).";
    else if (slope.lo > 0)
        follows = "It follows the target: the slope of achieved on asked-for return is " + slope_s + ", above 0 and not below 1.";
    else if (slope.hi < 0)
        follows = "It does not follow the target: the slope of achieved on asked-for return is " + slope_s + ", below 0.";
    else
        follows = "That it follows the target is not established: the slope of achieved on asked-for return is " + slope_s +
                  " (the interval includes 0).";

    auto col = [&](const std::string& n) { return std::to_string(csv.col(n)); };
    std::string gp = gnuplot_preamble("returns.png", 900, 600);
    gp += "set title 'Decision Transformer on " + r.env_id + ": achieved vs asked-for return (" + std::to_string(S) +
          " seeds; bars: t 95% over seeds)'\nset xlabel 'target return'\nset ylabel 'achieved return'\n"
          "plot 'returns.csv' skip 1 using " + col("target") + ":" + col("achieved_mean") + ":" + col("achieved_lo") + ":" +
          col("achieved_hi") + " with yerrorlines lw 2 pt 7 lc rgb '#1f77b4' title 'DT', "
          "'returns_seeds.csv' skip 1 using 3:4 with points pt 6 lc rgb '#1f77b4' title 'single seeds', "
          "x with lines dt 2 lc rgb '#555555' title 'achieved = target'\n";
    write_plot(out, opt, "returns", gp);

    std::string md = "## 7. Return conditioning: the Decision Transformer (`" + r.env_id + "`)\n\n";
    md += "A Decision Transformer (Chen et al. 2021) per seed, trained on mixed-quality data: " +
          std::to_string(c.expert_episodes) + " episodes of the " + r.expert_name + " expert (mean return " +
          ci_text(expert) + "), " + std::to_string(c.noisy_episodes) + " of the expert with N(0, σ²) noise, σ = " +
          num(c.noise, 2) + " × the action half-range (" + ci_text(noisy) + "), and " + std::to_string(c.random_episodes) +
          " of a uniformly random controller (" + ci_text(random) + "); the data's episode returns span [" +
          num(low.mean, 1) + ", " + num(high.mean, 1) + "] (means over seeds). Each seed's policy is asked for " +
          std::to_string(NT) + " returns evenly over its data's [worst, best] episode return, on the same held-out starts.\n\n";
    md += "**Verdict.** " + follows + "\n\n" + tab.markdown() + "\n";
    const std::string budgets =
        "Per seed: the mix above, a causal transformer (K = " + std::to_string(c.context) + " steps of (return-to-go, state, "
        "action) tokens, d = " + std::to_string(c.d_model) + ", " + std::to_string(c.nhead) + " heads, feed-forward " +
        std::to_string(c.ff) + " GELU, " + std::to_string(c.layers) + " layers), normalised states and actions, " +
        std::to_string(c.train_steps) + " Adam steps (lr " + num(c.lr, 4) + ") of " + std::to_string(c.batch) +
        " windows; " + std::to_string(c.eval_episodes) + " held-out evaluation episodes per (target, seed). Success is `" +
        r.env_id + "`'s rule: " + env->spec().success + ".";
    finish_section(out, opt, md, budgets, "returns.gp", {"returns.png"});
    return out;
}

ExperimentResult run_returns(const ExperimentOptions& opt) { return measured_run(opt, measure_returns, report_returns); }

}  // namespace imitate::experiments
