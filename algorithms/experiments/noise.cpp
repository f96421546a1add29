// Experiment 7, noise injection with its σ swept (DART, Laskey et al. 2017). The expert demonstrates while
// N(0, σ²) is added to the action it executes; every visited state keeps the expert's clean label, so the
// learner sees states a little off the expert's path together with the way back. DART's point is choosing σ:
// too little and the states are the expert's own, too much and they are states the learner never meets (and
// the demonstrations stop succeeding). The env clips the executed action to its bounds (Pendulum: ±2 N·m), so
// where the expert saturates the noise it executes is smaller than σ and one-sided; the experiment measures
// how much. Pendulum by default (swing-up expert); --env runs it on any environment with an expert.
//
// noise.csv: sigma_fraction, sigma, success, lo, hi (mean of the per-seed rates, t 95% over seeds, clamped to
//   [0, 1]), pooled, pooled_lo, pooled_hi (pooled episodes, Wilson 95%), diff_mean, diff_low, diff_high
//   (success − success at σ = 0, paired per seed, in points), return_mean, return_half, clipped_fraction,
//   saturated_fraction, nominal_std, effective_std, effective_mean (means over seeds).
// noise_seeds.csv: sigma_fraction, seed, success, return, clipped_fraction, effective_std, effective_mean.
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

NoiseConfig noise_config(bool quick, const std::string& env) {
    NoiseConfig c;
    if (env == "push") c.eval_episodes = 50;  // 65 µs steps (experiments.hpp: budgets)
    if (quick) {
        c.sigmas = {0, 0.25, 1.0};
        c.train_steps = 300;
        c.eval_episodes = 20;
    }
    return c;
}

// What the clip did to the noisy demonstrations: executed (the noisy commands) against actions (the clean
// labels), both clipped to [low, high] as the env applies them.
static ClipStats clip_stats(const Dataset& d, const std::vector<float>& low, const std::vector<float>& high) {
    if (d.executed.rows() != d.actions.rows())
        throw std::runtime_error("noise: the demonstrations lack the executed actions");
    ClipStats c;
    double n = 0, sum_nominal = 0, sq_nominal = 0, sum = 0, sq = 0;
    for (Eigen::Index i = 0; i < d.actions.rows(); ++i)
        for (Eigen::Index j = 0; j < d.actions.cols(); ++j) {
            const double a = d.actions(i, j), x = d.executed(i, j), lo = low[j], hi = high[j];
            const double noise = x - a, effective = std::clamp(x, lo, hi) - std::clamp(a, lo, hi);
            c.clipped += x < lo || x > hi;
            c.saturated += a <= lo + 1e-3 || a >= hi - 1e-3;
            sum_nominal += noise, sq_nominal += noise * noise;
            sum += effective, sq += effective * effective;
            n += 1;
        }
    if (n == 0) return c;
    c.clipped /= n, c.saturated /= n, c.mean = sum / n;
    c.nominal = std::sqrt(std::max(0.0, sq_nominal / n - (sum_nominal / n) * (sum_nominal / n)));
    c.effective = std::sqrt(std::max(0.0, sq / n - c.mean * c.mean));
    return c;
}

// ------------------------------------------------------------------ measuring
NoiseResult measure_noise(const ExperimentOptions& opt) {
    const EnvEntry& entry = measured_env(opt, "noise", "pendulum");
    NoiseResult r;
    r.config = noise_config(opt.quick, entry.id);
    const NoiseConfig& c = r.config;
    if (c.sigmas.empty() || c.sigmas[0] != 0) throw std::invalid_argument("noise: sigmas must start with 0");
    const ExpertEntry& demo_expert = demonstrator(entry);
    r.env_id = entry.id, r.expert_name = demo_expert.name, r.seeds = opt.seeds;
    {
        const EnvSpec spec = entry.make()->spec();
        r.half_range = 0.5 * (double(spec.act_high.at(0)) - double(spec.act_low.at(0)));
    }
    const int S = opt.seeds, NS = static_cast<int>(c.sigmas.size());
    log(opt, "noise on " + entry.id + " (expert " + demo_expert.name + "): " + std::to_string(NS) + " noise levels × " +
                 std::to_string(S) + " seeds");

    // One job per (σ, seed): noisy demonstrations from the seed's starts (the same for every σ: a paired
    // comparison), BC, evaluation on the seed's held-out starts.
    std::vector<Job> jobs;
    for (int i = 0; i < NS; ++i)
        for (int s = 0; s < S; ++s)
            jobs.push_back({job_key("sigma" + std::to_string(i), s), [&, i, s] {
                const uint64_t base = derive_seed(opt.seed, static_cast<uint64_t>(s));
                const std::unique_ptr<Env> env = entry.make();
                const EnvSpec& spec = env->spec();
                const Dataset demos = collect_demos(*env, shared_expert(demo_expert), c.demo_episodes, derive_seed(base, 1),
                                                    c.sigmas[i] * r.half_range);
                const BCConfig bc = TrainBudget{c.train_steps, c.hidden, c.batch, c.lr}.bc(derive_seed(base, 2));
                const Policy pi = train_bc(demos, bc).policy;
                EvalConfig e;
                e.episodes = c.eval_episodes;
                e.seed = derive_seed(base, 3);
                JobValues v;
                append_score(v, score_of(rollout(*env, pi.as_batch_policy(), eval_rollout_config(e))));
                const ClipStats k = clip_stats(demos, spec.act_low, spec.act_high);
                v.insert(v.end(), {k.clipped, k.saturated, k.nominal, k.effective, k.mean});
                return v;
            }});
    const std::vector<JobValues> values = run_experiment_jobs(jobs, opt, "noise");
    if (values.empty()) return r;  // not the report writer (MPI)

    r.score.assign(NS, std::vector<SeedScore>(S));
    r.clip.assign(NS, std::vector<ClipStats>(S));
    for (int i = 0, j = 0; i < NS; ++i)
        for (int s = 0; s < S; ++s, ++j) {
            size_t pos = 0;
            r.score[i][s] = score_at(values[j], pos);
            const JobValues& v = values[j];
            if (v.size() != pos + 5) throw std::runtime_error("noise: job " + jobs[j].key + " has the wrong number of values");
            r.clip[i][s] = ClipStats{v[pos], v[pos + 1], v[pos + 2], v[pos + 3], v[pos + 4]};
        }
    return r;
}

// ------------------------------------------------------------------ reporting
ExperimentResult report_noise(const NoiseResult& r, const ExperimentOptions& opt) {
    const NoiseConfig& c = r.config;
    const std::unique_ptr<Env> env = experiment_env(opt, "noise", "pendulum").make();
    const bool pendulum = r.env_id == "pendulum";
    const int S = r.seeds, NS = static_cast<int>(c.sigmas.size());
    ExperimentResult out;
    out.name = "noise";
    auto clip_mean = [&](int i, double ClipStats::*f) {
        std::vector<double> v;
        for (const ClipStats& k : r.clip[i]) v.push_back(k.*f);
        return stats_of(v);
    };

    Csv csv{{"sigma_fraction", "sigma", "success", "lo", "hi", "pooled", "pooled_lo", "pooled_hi", "diff_mean", "diff_low",
             "diff_high", "return_mean", "return_half", "clipped_fraction", "saturated_fraction", "nominal_std",
             "effective_std", "effective_mean"}, {}};
    Csv seeds{{"sigma_fraction", "seed", "success", "return", "clipped_fraction", "effective_std", "effective_mean"}, {}};
    Table tab{{"σ (× half-range)", "σ", "success, mean over seeds [t 95%]", "pooled episodes [Wilson 95%]",
               "Δ vs σ = 0, paired (points) [95%]", "return [t 95%]", "Δ return vs σ = 0 [95%]", "clipped",
               "executed noise std (drawn)", "executed noise mean"}, {}};
    std::vector<std::string> claims;
    int best = 0;
    std::vector<SeedSummary> sum;
    for (int i = 0; i < NS; ++i) sum.push_back(seed_summary(r.score[i]));
    for (int i = 0; i < NS; ++i) {
        const SeedSummary& q = sum[i];
        const Stats d = paired(rates(r.score[i]), rates(r.score[0])), dr = paired(returns(r.score[i]), returns(r.score[0]));
        const Stats clipped = clip_mean(i, &ClipStats::clipped), eff = clip_mean(i, &ClipStats::effective),
                    nominal = clip_mean(i, &ClipStats::nominal), mean = clip_mean(i, &ClipStats::mean);
        csv.rows.push_back({c.sigmas[i], c.sigmas[i] * r.half_range, std::max(0.0, q.success.mean), std::max(0.0, q.success.lo),
                            std::min(1.0, q.success.hi), q.pooled, q.pooled_lo, q.pooled_hi, 100 * d.mean, 100 * d.lo,
                            100 * d.hi, q.ret.mean, q.ret.hi - q.ret.mean, clipped.mean,
                            clip_mean(i, &ClipStats::saturated).mean, nominal.mean, eff.mean, mean.mean});
        for (int s = 0; s < S; ++s)
            seeds.rows.push_back({c.sigmas[i], double(s), r.score[i][s].rate(), r.score[i][s].ret, r.clip[i][s].clipped,
                                  r.clip[i][s].effective, r.clip[i][s].mean});
        tab.rows.push_back({num(c.sigmas[i], 2), num(c.sigmas[i] * r.half_range, 2), rate_ci(q.success),
                            pct_ci(q.pooled, q.pooled_lo, q.pooled_hi), i == 0 ? "—" : diff_text(d, 100),
                            ci_text(q.ret, 1, 1), i == 0 ? "—" : diff_text(dr, 1, 1), num(100 * clipped.mean, 1) + "%",
                            num(eff.mean, 3) + " (" + num(nominal.mean, 3) + ")", num(mean.mean, 3)});
        if (i > 0) {
            const std::string name = "σ = " + num(c.sigmas[i], 2) + "×";
            claims.push_back("success: " + verdict(d, name, "σ = 0", "points", 100) + "; return: " +
                             verdict(dr, name, "σ = 0", "", 1, 1));
        }
        if (q.success.mean > sum[best].success.mean || (q.success.mean == sum[best].success.mean && q.ret.mean > sum[best].ret.mean))
            best = i;
    }
    // Is the best σ distinguishable from its neighbours on the sweep?
    for (int i : {best - 1, best + 1})
        if (i > 0 && i < NS && best > 0)
            claims.push_back("success: " + verdict(paired(rates(r.score[best]), rates(r.score[i])), "σ = " + num(c.sigmas[best], 2) + "× (the best)",
                                                   "σ = " + num(c.sigmas[i], 2) + "×", "points", 100));
    out.table = tab.text();
    write_output(out, opt, "noise.csv", csv.str());
    write_output(out, opt, "noise_seeds.csv", seeds.str());

    // The clip, computed: at the largest σ, how much of the drawn noise the env executed, and its bias.
    const int top = NS - 1;
    const Stats top_eff = clip_mean(top, &ClipStats::effective), top_nom = clip_mean(top, &ClipStats::nominal),
                top_clip = clip_mean(top, &ClipStats::clipped), top_mean = clip_mean(top, &ClipStats::mean),
                sat0 = clip_mean(0, &ClipStats::saturated);
    const EnvSpec& spec = env->spec();
    const bool symmetric = std::all_of(spec.act_high.begin(), spec.act_high.end(), [&](float h) { return h == spec.act_high[0]; }) &&
                           std::all_of(spec.act_low.begin(), spec.act_low.end(), [&](float l) { return l == -spec.act_high[0]; });
    const std::string bound = pendulum    ? "±2 N·m"
                              : symmetric ? "±" + num(spec.act_high[0], 2) + (spec.act_dim > 1 ? " in every action dimension" : "")
                                          : "its bounds";

    // plot: success vs σ (t bars, single seeds as circles); drawn vs executed noise std and the clipped fraction
    auto col = [&](const std::string& n) { return std::to_string(csv.col(n)); };
    std::string gp = gnuplot_preamble("noise.png", 1300, 520);
    gp += "set multiplot layout 1,2 title 'Noise injection (DART) on " + r.env_id + ": BC on " +
          std::to_string(c.demo_episodes) + " noisy demonstrations per seed, " + std::to_string(S) + " seeds'\n"
          "set xlabel 'σ (fraction of the action half-range)'\nset ylabel 'success rate'\nset yrange [-0.02:1.02]\n"
          "set title 'success (bars: t 95% over seeds; circles: single seeds)'\n"
          "plot 'noise.csv' skip 1 using 1:" + col("success") + ":" + col("lo") + ":" + col("hi") +
          " with yerrorlines lw 2 pt 7 lc rgb '#1f77b4' title 'BC + noise', "
          "'noise_seeds.csv' skip 1 using 1:3 with points pt 6 lc rgb '#1f77b4' title 'single seeds'\n"
          "set autoscale y\nset ylabel 'std of the noise (action units)'\nset y2label 'clipped fraction'\n"
          "set y2range [0:1]\nset y2tics\nset title 'the clip at " + bound + ": drawn vs executed noise'\n"
          "plot 'noise.csv' skip 1 using 1:" + col("nominal_std") + " with linespoints lw 2 title 'drawn σ', "
          "'' skip 1 using 1:" + col("effective_std") + " with linespoints lw 2 title 'executed (after the clip)', "
          "'' skip 1 using 1:" + col("clipped_fraction") + " axes x1y2 with linespoints dt 2 title 'clipped fraction'\n"
          "unset multiplot\n";
    write_plot(out, opt, "noise", gp);

    std::string md = "## 7. Noise injection (DART): choosing σ (`" + r.env_id + "`)\n\n";
    md += "BC on " + std::to_string(c.demo_episodes) + " demonstrations per seed collected with N(0, σ²) added to the "
          "expert's executed action (labels stay clean), σ swept over {";
    for (int i = 0; i < NS; ++i) md += (i ? ", " : "") + num(c.sigmas[i], 2);
    md += "} × the action half-range (" + num(r.half_range, 2) + "); the same starts and network seed for every σ, so "
          "each comparison with σ = 0 is paired per training seed (" + std::to_string(S) + " seeds" +
          (S < 10 ? ", fewer than 10: the intervals are wide" : "") + "). Success is the mean of per-seed rates with a "
          "t 95% interval; the pooled-episode Wilson figure is beside it for reference only. The highest mean "
          "success is at σ = " + num(c.sigmas[best], 2) + "× (" + rate_ci(sum[best].success) + ").\n\n"
          "**Comparisons** (paired per-seed differences against σ = 0, then the best σ against its neighbours):\n\n";
    for (const std::string& claim : claims) md += "- " + claim + ".\n";
    md += "\n**The clip.** The env clips the executed action to " + bound + ". Without noise the expert's actions sit "
          "at a bound in " + num(100 * sat0.mean, 1) + "% of steps; there a noise draw pushing outwards is cut off "
          "entirely and only the inward half is executed, so the executed noise is smaller than σ and one-sided. At "
          "the largest σ (" + num(c.sigmas[top] * r.half_range, 2) + "), " + num(100 * top_clip.mean, 1) +
          "% of the noisy actions were clipped, the executed noise had std " + num(top_eff.mean, 3) + " against " +
          num(top_nom.mean, 3) + " drawn (" + num(100 * top_eff.mean / std::max(top_nom.mean, 1e-12), 0) +
          "%), and mean " + num(top_mean.mean, 3) + " (drawn: 0 in expectation). The σ axis is the drawn σ; the "
          "executed perturbation is the table's \"executed noise\" column.\n\n";
    md += tab.markdown() + "\n";
    const std::string budgets =
        "Per (σ, seed): " + std::to_string(c.demo_episodes) + " " + r.expert_name + " episodes with noise, " +
        mlp_text(env->spec().obs_dim, c.hidden, std::to_string(env->spec().act_dim)) + " with normalisation, batch " +
        std::to_string(c.batch) + ", " + std::to_string(c.train_steps) + " Adam steps (lr " + num(c.lr, 3) + "); " +
        std::to_string(c.eval_episodes) + " held-out evaluation episodes per (σ, seed), the same starts for every σ. "
        "Success is `" + r.env_id + "`'s rule: " + env->spec().success + "." +
        env_budget_note(r.env_id, c.eval_episodes, noise_config(opt.quick).eval_episodes, "evaluation episodes per (σ, seed)");
    finish_section(out, opt, md, budgets, "noise.gp", {"noise.png"});

    // the seed's claim this tests: noise injection helps BC (the best σ > 0 against σ = 0, paired per seed)
    int best_noisy = NS > 1 ? 1 : 0;
    for (int i = 2; i < NS; ++i)
        if (sum[i].success.mean > sum[best_noisy].success.mean ||
            (sum[i].success.mean == sum[best_noisy].success.mean && sum[i].ret.mean > sum[best_noisy].ret.mean))
            best_noisy = i;
    if (best_noisy > 0) {
        const Stats d = paired(rates(r.score[best_noisy]), rates(r.score[0]));
        out.claims.push_back(claim_line(
            "Noise injection: BC on noisy demonstrations beats BC on clean ones", "`" + r.env_id + "`, section 7",
            claim_status(verdict_of(d), Verdict::ABeatsB),
            "the best σ > 0 (picked on these seeds), " + verdict(d, "σ = " + num(c.sigmas[best_noisy], 2) + "×", "σ = 0", "points", 100) +
                "; at the largest σ the env's clip executed " + num(100 * top_eff.mean / std::max(top_nom.mean, 1e-12), 0) +
                "% of the drawn noise's std"));
    }
    return out;
}

ExperimentResult run_noise(const ExperimentOptions& opt) { return measured_run(opt, measure_noise, report_noise); }

}  // namespace imitate::experiments
