// Experiment 6, learning curves: how success and compounding error improve with the number of expert
// demonstrations N, for BC, BC with noise injection (DART) and DAgger given the same number of expert labels.
// BC trains on N clean expert episodes; BC + noise on N episodes demonstrated with N(0, σ²) added to the
// executed action; DAgger splits the N episodes' worth of labels into min(N, parts) equal parts: D0 expert
// episodes, then rounds whose rollouts the expert labels. Compounding error is measured against the expert's
// own trajectory from the same held-out start. Pendulum by default (swing-up expert); --env runs it on any
// environment with an expert.
//
// demos.csv: N, then per method (bc, noise, dagger): <m>_labels (mean over seeds), <m>_success, <m>_lo, <m>_hi
//   (mean of the per-seed rates, t 95% over seeds, clamped to [0, 1]), <m>_pooled (pooled episodes),
//   <m>_error_mean, <m>_error_low, <m>_error_high (compounding error, t 95% over seeds).
// demos_seeds.csv: N, method (0 bc, 1 noise, 2 dagger), seed, labels, success, return, error.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "algorithms/bc.hpp"
#include "algorithms/dagger.hpp"
#include "algorithms/evaluate.hpp"
#include "algorithms/experiments/experiments.hpp"
#include "algorithms/experiments/report.hpp"
#include "algorithms/experiments/scores.hpp"
#include "algorithms/noise_injection.hpp"

namespace imitate::experiments {

DemosConfig demos_config(bool quick, const std::string& env) {
    DemosConfig c;
    if (env == "push") c.eval_episodes = 20;  // learner and expert rollouts per (N, method, seed) (experiments.hpp: budgets)
    if (quick) {
        c.demos = {1, 5, 20};
        c.train_steps = 300;
        c.eval_episodes = 20;
    }
    return c;
}

static const char* method_key[3] = {"bc", "noise", "dagger"};
static const char* method_name[3] = {"BC", "BC + noise (DART)", "DAgger"};

// The state after step t (1-based) of an episode; an episode that ended keeps its final state.
static Eigen::VectorXd state_after(const Episode& e, int t) {
    if (t < e.length()) return e.states.row(t).transpose();
    return Eigen::Map<const Eigen::VectorXd>(e.final_state.data(), static_cast<Eigen::Index>(e.final_state.size()));
}

// Compounding error: per episode the mean over t = 1..T of the distance between the learner's and the
// expert's state after step t from the same start (Env::state_distance: Pendulum |angle_normalize(Δθ)|, reacher
// the fingertips, push the pusher and block positions), then the mean over episodes.
static double trajectory_error(const Env& env, const std::vector<Episode>& learner, const std::vector<Episode>& expert, int T) {
    double sum = 0;
    for (size_t i = 0; i < learner.size(); ++i) {
        double e = 0;
        for (int t = 1; t <= T; ++t) e += env.state_distance(state_after(learner[i], t).data(), state_after(expert[i], t).data());
        sum += e / T;
    }
    return learner.empty() ? 0.0 : sum / learner.size();
}

// ------------------------------------------------------------------ measuring
DemosResult measure_demos(const ExperimentOptions& opt) {
    const EnvEntry& entry = measured_env(opt, "demos", "pendulum");
    DemosResult r;
    r.config = demos_config(opt.quick, entry.id);
    const DemosConfig& c = r.config;
    const ExpertEntry& demo_expert = demonstrator(entry);
    r.env_id = entry.id, r.expert_name = demo_expert.name, r.seeds = opt.seeds;
    const int S = opt.seeds, NN = static_cast<int>(c.demos.size());
    log(opt, "demos on " + entry.id + " (expert " + demo_expert.name + "): " + std::to_string(NN) +
                 " demonstration counts × 3 methods × " + std::to_string(S) + " seeds");

    // One job per (method, N, seed), DAgger (the longest: a training per part) first. Seed s: expert episodes
    // from derive_seed(base, 1) (BC's N are a prefix of the same starts), held-out starts derive_seed(base, 3).
    std::vector<Job> jobs;
    for (int m = 2; m >= 0; --m)
        for (int n = NN - 1; n >= 0; --n)
            for (int s = 0; s < S; ++s)
                jobs.push_back({job_key(std::string(method_key[m]) + "_N" + std::to_string(c.demos[n]), s), [&, m, n, s] {
                    const uint64_t base = derive_seed(opt.seed, static_cast<uint64_t>(s));
                    const std::unique_ptr<Env> env = entry.make();
                    const std::shared_ptr<const Expert> expert = shared_expert(demo_expert);
                    const EnvSpec& spec = env->spec();
                    const int N = c.demos[n];
                    const BCConfig bc = TrainBudget{c.train_steps, c.hidden, c.batch, c.lr}.bc(derive_seed(base, 2));
                    double labels = 0;
                    const Policy pi = [&] {
                        if (m < 2 || N == 1) {  // BC, BC + noise; DAgger with one episode has no round: BC on D0
                            const double sigma = m == 1 ? c.noise_sigma * 0.5 * (spec.act_high.at(0) - spec.act_low.at(0)) : 0.0;
                            const Dataset d = collect_demos(*env, expert, N, derive_seed(base, 1), sigma);
                            labels = double(d.size());
                            return train_bc(d, bc).policy;
                        }
                        const int parts = std::min(N, c.dagger_parts), per = N / parts;
                        // the seed's DAgger (β = 0 from round 1: π̂_1 trained on D0 drives every round)
                        const DAggerConfig dc = seed_dagger(parts - 1, per, derive_seed(base, 4), bc);
                        const Dataset d0 = collect_demos(*env, expert, N - per * (parts - 1), derive_seed(base, 1));
                        DAggerResult res = dagger(*env, expert, d0, dc);
                        labels = double(res.data.size());
                        return std::move(res.policy);
                    }();
                    EvalConfig e;
                    e.episodes = c.eval_episodes;
                    e.seed = derive_seed(base, 3);
                    const RolloutConfig rc = eval_rollout_config(e);
                    const std::vector<Episode> learner = rollout(*env, pi.as_batch_policy(), rc);
                    const std::vector<Episode> reference = rollout_expert(*env, expert, rc);
                    const int T = rc.steps > 0 ? rc.steps : spec.max_steps;
                    JobValues v{labels};
                    append_score(v, score_of(learner, trajectory_error(*env, learner, reference, T)));
                    return v;
                }});
    const std::vector<JobValues> values = run_experiment_jobs(jobs, opt, "demos");
    if (values.empty()) return r;  // not the report writer (MPI)

    r.score.assign(3, std::vector<std::vector<SeedScore>>(NN, std::vector<SeedScore>(S)));
    r.labels.assign(3, std::vector<std::vector<double>>(NN, std::vector<double>(S)));
    size_t j = 0;
    for (int m = 2; m >= 0; --m)
        for (int n = NN - 1; n >= 0; --n)
            for (int s = 0; s < S; ++s, ++j) {
                size_t pos = 1;
                r.labels[m][n][s] = values[j].at(0);
                r.score[m][n][s] = score_at(values[j], pos);
            }
    return r;
}

// ------------------------------------------------------------------ reporting
ExperimentResult report_demos(const DemosResult& r, const ExperimentOptions& opt) {
    const DemosConfig& c = r.config;
    const std::unique_ptr<Env> env = experiment_env(opt, "demos", "pendulum").make();
    const int S = r.seeds, NN = static_cast<int>(c.demos.size());
    ExperimentResult out;
    out.name = "demos";
    auto mean_labels = [&](int m, int n) { return stats_of(r.labels[m][n]).mean; };

    Csv csv{{"N"}, {}};
    for (const char* m : method_key)
        for (const char* q : {"_labels", "_success", "_lo", "_hi", "_pooled", "_error_mean", "_error_low", "_error_high"})
            csv.header.push_back(std::string(m) + q);
    Csv seeds{{"N", "method", "seed", "labels", "success", "return", "error"}, {}};
    const std::string err_unit = env->spec().distance_unit;
    Table tab{{"N demos", "method", "expert labels", "success, mean over seeds [t 95%]", "pooled episodes [Wilson 95%]",
               "compounding error (" + err_unit + ") [t 95%]", "Δ success vs BC, paired (points) [95%]"}, {}};
    std::vector<std::string> claims;
    for (int n = 0; n < NN; ++n) {
        std::vector<double> row{double(c.demos[n])};
        for (int m = 0; m < 3; ++m) {
            const SeedSummary q = seed_summary(r.score[m][n]);
            row.insert(row.end(), {mean_labels(m, n), std::max(0.0, q.success.mean), std::max(0.0, q.success.lo),
                                   std::min(1.0, q.success.hi), q.pooled, q.extra.mean, q.extra.lo, q.extra.hi});
            for (int s = 0; s < S; ++s)
                seeds.rows.push_back({double(c.demos[n]), double(m), double(s), r.labels[m][n][s], r.score[m][n][s].rate(),
                                      r.score[m][n][s].ret, r.score[m][n][s].extra});
            const Stats d = paired(rates(r.score[m][n]), rates(r.score[0][n]));
            const bool same = m == 2 && c.demos[n] == 1;
            tab.rows.push_back({std::to_string(c.demos[n]), std::string(method_name[m]) + (same ? " (no round: BC on D0)" : ""),
                                num(mean_labels(m, n), 0), rate_ci(q.success), pct_ci(q.pooled, q.pooled_lo, q.pooled_hi),
                                ci_text(q.extra, 1, 3), m == 0 ? "—" : diff_text(d, 100)});
            if (m > 0 && !same)
                claims.push_back("N = " + std::to_string(c.demos[n]) + ": " +
                                 verdict(d, method_name[m], "BC", "points", 100) + "; " +
                                 difference_text("compounding error", paired(extras(r.score[m][n]), extras(r.score[0][n])),
                                                 method_name[m], "BC", err_unit, 3));
        }
        csv.rows.push_back(row);
    }
    out.table = tab.text();
    write_output(out, opt, "demos.csv", csv.str());
    write_output(out, opt, "demos_seeds.csv", seeds.str());

    // Label efficiency: the fewest demonstrations whose mean success over seeds reaches 90% (a threshold read
    // off the curve, not an end-point difference).
    std::string reach;
    for (int m = 0; m < 3; ++m) {
        int first = -1;
        for (int n = 0; n < NN && first < 0; ++n)
            if (stats_of(rates(r.score[m][n])).mean >= 0.9) first = c.demos[n];
        reach += std::string(m ? "; " : "") + method_name[m] + " " +
                 (first < 0 ? "not within " + std::to_string(c.demos.back()) : "N = " + std::to_string(first));
    }

    // plot: success and compounding error against N (log x), t 95% bars over seeds
    auto col = [&](const std::string& n) { return std::to_string(csv.col(n)); };
    const char* color[3] = {"#d62728", "#ff7f0e", "#1f77b4"};
    std::string gp = gnuplot_preamble("demos.png", 1300, 520);
    gp += "set multiplot layout 1,2 title 'Learning curves on " + r.env_id + " (" + r.expert_name + "): " +
          std::to_string(S) + " seeds × " + std::to_string(c.eval_episodes) + " held-out episodes per point; bars: t 95% over seeds'\n"
          "set logscale x 10\nset xrange [0.8:" + std::to_string(int(c.demos.back() * 1.25)) + "]\n"
          "set xlabel 'expert demonstrations N (episodes; the same labels for every method)'\nset key bottom right\n";
    for (int panel = 0; panel < 2; ++panel) {
        gp += panel == 0 ? "set title 'success'\nset ylabel 'success rate'\nset yrange [-0.02:1.02]\nplot "
                         : "set title 'compounding error vs the expert from the same start'\nset ylabel 'mean error (" +
                               err_unit + ")'\nset autoscale y\nset key top right\nplot ";
        for (int m = 0; m < 3; ++m) {
            const std::string k = method_key[m], x = "($1*" + num(0.95 + 0.05 * m, 2) + ")";
            const std::string y = panel == 0 ? col(k + "_success") + ":" + col(k + "_lo") + ":" + col(k + "_hi")
                                             : col(k + "_error_mean") + ":" + col(k + "_error_low") + ":" + col(k + "_error_high");
            gp += std::string(m ? ", " : "") + "'demos.csv' skip 1 using " + x + ":" + y + " with yerrorlines lw 2 pt 7 lc rgb '" +
                  color[m] + "' title '" + method_name[m] + "'";
        }
        gp += "\n";
    }
    gp += "unset multiplot\n";
    write_plot(out, opt, "demos", gp);

    std::string md = "## 6. Learning curves: success and compounding error against the number of demonstrations (`" +
                     r.env_id + "`)\n\n";
    md += "For N ∈ {";
    for (int n = 0; n < NN; ++n) md += (n ? ", " : "") + std::to_string(c.demos[n]);
    md += "} expert episodes' worth of labels: BC on N clean demonstrations, BC + noise on N demonstrations with "
          "σ = " + num(c.noise_sigma, 2) + " × the action half-range added to the executed action (clean labels), and "
          "DAgger with the same labels split into min(N, " + std::to_string(c.dagger_parts) + ") equal parts: D0 "
          "expert episodes, then rounds that roll out the learner and have the expert label what it visited (the "
          "seed's DAgger: β = 0 from round 1, π̂₁ trained on D0 drives every round). Each method's policy is evaluated on " +
          std::to_string(c.eval_episodes) + " held-out starts per seed; the compounding error is the mean over the "
          "episode of the distance between the learner's state and the expert's from the same start (" +
          env->spec().distance + ", " + err_unit + "). Intervals are over " + std::to_string(S) +
          " training seeds (t 95%" + (S < 10 ? "; fewer than 10 seeds: wide" : "") + "); the pooled-episode Wilson "
          "figure stands beside them for reference only. First N whose mean success reaches 90%: " + reach + ".\n\n"
          "**Comparisons** (paired per-seed differences against BC at the same N):\n\n";
    for (const std::string& claim : claims) md += "- " + claim + ".\n";
    md += "\n" + tab.markdown() + "\n";
    const std::string budgets =
        mlp_text(env->spec().obs_dim, c.hidden, std::to_string(env->spec().act_dim)) + " with normalisation, batch " +
        std::to_string(c.batch) + ", " + std::to_string(c.train_steps) + " Adam steps (lr " + num(c.lr, 3) +
        ") per training (every DAgger round retrains from scratch with the same budget); " +
        std::to_string(c.eval_episodes) + " held-out evaluation episodes per (N, method, seed). Success is `" + r.env_id +
        "`'s rule: " + env->spec().success + "." +
        env_budget_note(r.env_id, c.eval_episodes, demos_config(opt.quick).eval_episodes, "evaluation episodes per (N, method, seed)");
    finish_section(out, opt, md, budgets, "demos.gp", {"demos.png"});
    return out;
}

ExperimentResult run_demos(const ExperimentOptions& opt) { return measured_run(opt, measure_demos, report_demos); }

}  // namespace imitate::experiments
