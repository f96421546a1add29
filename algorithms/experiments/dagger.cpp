// Experiment 3, DAgger vs BC at equal expert labels. Expert labels are DAgger's currency: after round i it has
// asked the expert about L_i states. We give two offline baselines the same L_i labels, as clean expert
// demonstrations (BC) and as demonstrations with Gaussian noise injected into the executed actions, each
// state labelled with the expert's clean action (DART). All three start from the same small set of swing-up
// demonstrations (round 0: the three are BC on those), train with the same gradient-step budget, and are
// evaluated on the same held-out starts. Pendulum (swing-up expert) by default; --env runs it on any
// environment with an expert (its first). Where episodes can end early, BC gets as many expert episodes as
// DAgger has labelled, and the label axis is DAgger's count.
//
// dagger.csv: round, labels, then per method (dagger, bc, noise): <method>_successes, <method>_episodes,
// <method>_success, <method>_lo, <method>_hi (Wilson 95% over pooled episodes), <method>_success_std (over
// seeds), <method>_return_mean, <method>_return_std (over seeds' mean returns).
// dagger_seeds.csv: round, labels, seed, <method>_success, <method>_return per method: one row per (round, seed).
#include <cmath>
#include <stdexcept>

#include "algorithms/dagger.hpp"
#include "algorithms/experiments/experiments.hpp"
#include "algorithms/experiments/report.hpp"
#include "algorithms/noise_injection.hpp"

namespace imitate::experiments {

struct DaggerExpConfig {
    int initial_episodes = 2;         // expert demonstrations before round 1 (a small start leaves room to gain)
    int rounds = 5;                   // DAgger rounds (β_1 = 1, then 0: the paper's usual schedule)
    int episodes_per_round = 2;       // learner rollouts per round, every visited state labelled by the expert
    double noise_frac = 0.25;         // DART: std of the Gaussian noise on the executed action, as a fraction of
                                      //   the action's half-range (Pendulum: 0.25 · 2 = 0.5 N·m; |u| <= 2)
    long train_steps = 3000;          // gradient steps per training, for every method and round
    std::vector<int> hidden{32, 32};  // hidden widths
    int batch = 256;                  // minibatch size
    float lr = 3e-3f;                 // Adam learning rate
    bool normalize = true;            // normalise observations and actions
    int eval_episodes = 100;          // held-out evaluation episodes per (seed, method, round)
};

static DaggerExpConfig dagger_config(bool quick) {
    DaggerExpConfig c;
    if (quick) {
        c.rounds = 3;
        c.train_steps = 400;
        c.eval_episodes = 20;
    }
    return c;
}

static const char* method_key[3] = {"dagger", "bc", "noise"};

ExperimentResult run_dagger(const ExperimentOptions& opt) {
    check_options(opt);
    Timer timer;
    const DaggerExpConfig c = dagger_config(opt.quick);
    const EnvEntry& entry = experiment_env(opt, "dagger", "pendulum");
    const std::unique_ptr<Env> env_ptr = entry.make();
    const Env& env = *env_ptr;
    const EnvSpec& spec = env.spec();
    const bool pendulum = entry.id == "pendulum";
    const ExpertEntry& demo_expert = demonstrator(entry);
    const std::shared_ptr<const Expert> expert = shared_expert(demo_expert);
    const std::string who = pendulum ? "swing-up" : "`" + entry.id + "` expert `" + demo_expert.name + "`";
    double half_range = 0;  // mean over action dimensions of (high − low) / 2
    for (int a = 0; a < spec.act_dim; ++a) half_range += (double(spec.act_high[a]) - double(spec.act_low[a])) / 2 / spec.act_dim;
    const double noise_sigma = c.noise_frac * half_range;
    const int S = opt.seeds, R = c.rounds, steps = spec.max_steps;
    ExperimentResult r;
    r.name = "dagger";
    log(opt, "dagger on " + entry.id + " (expert " + demo_expert.name + "): " + std::to_string(R) +
                 " rounds × {DAgger, BC, BC + noise} × " + std::to_string(S) + " seeds");
    auto episodes_at = [&](int i) { return c.initial_episodes + i * c.episodes_per_round; };  // after round i

    // Per seed s: base = derive_seed(seed, s); demos from derive_seed(base, 1) (so the L_i-label demo sets are
    // nested: episode k always starts from the same state), noisy demos from derive_seed(base, 2), DAgger's
    // rollouts from derive_seed(base, 3), training seeds derive_seed(base, 4) (round i > 0: derive_seed(that, i),
    // as dagger() does, so the three methods' round-0 policies coincide), evaluation starts derive_seed(base, 5).
    auto bc_config = [&](uint64_t base, int round) {
        BCConfig bc;
        bc.steps = c.train_steps;
        bc.hidden = c.hidden;
        bc.batch = c.batch;
        bc.lr = c.lr;
        bc.normalize = c.normalize;
        bc.seed = round == 0 ? derive_seed(base, 4) : derive_seed(derive_seed(base, 4), static_cast<uint64_t>(round));
        return bc;
    };
    auto eval_config = [&](uint64_t base) {
        EvalConfig e;
        e.episodes = c.eval_episodes;
        e.seed = derive_seed(base, 5);
        return e;
    };

    // 1. jobs: per seed one DAgger run (R + 1 trainings, the long jobs, first), then BC and BC + noise at each
    //    label budget L_0..L_R (one training each)
    std::vector<EvalResult> ev(static_cast<size_t>(3 * S * (R + 1)));  // index (method·S + s)·(R+1) + round
    std::vector<long> dagger_labels(static_cast<size_t>(S * (R + 1)), 0);  // index s·(R+1) + round: |D| after it
    const int n_jobs = S + 2 * S * (R + 1);
    run_jobs(n_jobs, [&](int j) {
        if (j < S) {
            // DAgger: D ← initial demos; each round roll out π̂_i (β_1 = 1), label, aggregate, retrain
            const int s = j;
            const uint64_t base = derive_seed(opt.seed, static_cast<uint64_t>(s));
            const Dataset initial = collect_demos(env, expert, c.initial_episodes, derive_seed(base, 1));
            DAggerConfig dc;
            dc.rounds = R;
            dc.episodes_per_round = c.episodes_per_round;
            dc.seed = derive_seed(base, 3);
            dc.bc = bc_config(base, 0);
            dc.eval = eval_config(base);
            DAggerResult res = dagger(env, expert, initial, dc);
            dagger_labels[s * (R + 1)] = initial.size();
            for (const DAggerRound& x : res.rounds) {
                dagger_labels[s * (R + 1) + x.round] = x.total_labels;
                ev[(0 * S + s) * (R + 1) + x.round] = x.eval;
            }
            // round 0 (π̂_1, trained on the initial demos) is BC's round 0: filled in below
            return;
        }
        // BC (method 1) or BC + noise (method 2) on L_i expert labels
        const int k = j - S, m = 1 + k / (S * (R + 1)), s = (k / (R + 1)) % S, i = k % (R + 1);
        const uint64_t base = derive_seed(opt.seed, static_cast<uint64_t>(s));
        const Dataset d = m == 1 ? collect_demos(env, expert, episodes_at(i), derive_seed(base, 1))
                                 : collect_demos(env, expert, episodes_at(i), derive_seed(base, 2), noise_sigma);
        const Policy pi = train_bc(d, bc_config(base, i)).policy;
        ev[(m * S + s) * (R + 1) + i] = evaluate(env, pi.as_batch_policy(), 1, eval_config(base));
    });
    // The label axis: DAgger's |D| after each round, its mean over seeds (Pendulum: episodes × 200 exactly, the
    // same as BC's; with early termination BC's count may differ, at the same number of expert episodes).
    std::vector<long> labels(R + 1, 0);
    for (int i = 0; i <= R; ++i) {
        double sum = 0;
        for (int s = 0; s < S; ++s) sum += double(dagger_labels[s * (R + 1) + i]);
        labels[i] = std::lround(sum / S);
    }
    for (int s = 0; s < S; ++s) ev[(0 * S + s) * (R + 1) + 0] = ev[(1 * S + s) * (R + 1) + 0];  // same policy

    // 2. per (method, round): pooled Wilson interval, per-seed mean ± std; per seed, the gain per 1000 labels
    Csv csv;
    csv.header = {"round", "labels"};
    for (const char* m : method_key)
        for (const char* q : {"_successes", "_episodes", "_success", "_lo", "_hi", "_success_std", "_return_mean", "_return_std"})
            csv.header.push_back(std::string(m) + q);
    Table tab{{"round", "expert labels", "DAgger success", "BC success", "BC + noise success",
               "DAgger − BC, paired [95% CI]", "DAgger return", "BC return", "BC + noise return"},
              {}};
    auto paired = [&](int m0, int m1, int i) {  // per seed: success(m0) − success(m1) at round i, in points
        std::vector<double> d;
        for (int s = 0; s < S; ++s)
            d.push_back(100 * (ev[(m0 * S + s) * (R + 1) + i].success_rate - ev[(m1 * S + s) * (R + 1) + i].success_rate));
        return stats_of(d);
    };
    std::vector<double> labels_to_90(3, std::nan(""));  // first label budget with pooled success >= 90%
    for (int i = 0; i <= R; ++i) {
        std::vector<double> row{double(i), double(labels[i])};
        std::vector<std::string> succ_cells, ret_cells;
        r.numbers["labels_r" + std::to_string(i)] = labels[i];
        for (int m = 0; m < 3; ++m) {
            int k = 0, n = 0;
            std::vector<double> rates, rets;
            for (int s = 0; s < S; ++s) {
                const EvalResult& e = ev[(m * S + s) * (R + 1) + i];
                k += e.successes;
                n += e.episodes;
                rates.push_back(e.success_rate);
                rets.push_back(e.mean_return);
            }
            const auto [lo, hi] = wilson_interval(k, n);
            const Stats sr = stats_of(rates), rt = stats_of(rets);
            row.insert(row.end(), {double(k), double(n), double(k) / n, lo, hi, sr.std, rt.mean, rt.std});
            const std::string key = std::string(method_key[m]) + "_r" + std::to_string(i);
            r.numbers[key + "_success"] = double(k) / n;
            r.numbers[key + "_return"] = rt.mean;
            succ_cells.push_back(pct_ci(double(k) / n, lo, hi) + " (±" + num(100 * sr.std, 0) + ")");
            if (std::isnan(labels_to_90[m]) && double(k) / n >= 0.9) labels_to_90[m] = double(labels[i]);
            ret_cells.push_back(pm(rt.mean, rt.std, 0));
        }
        csv.rows.push_back(row);
        std::vector<std::string> trow{i == 0 ? "0 (initial demos)" : std::to_string(i), std::to_string(labels[i])};
        trow.insert(trow.end(), succ_cells.begin(), succ_cells.end());
        const Stats d = paired(0, 1, i);
        trow.push_back(i == 0 ? "0 (same policy)" : num(d.mean, 1) + " [" + num(d.lo, 1) + ", " + num(d.hi, 1) + "]");
        trow.insert(trow.end(), ret_cells.begin(), ret_cells.end());
        tab.rows.push_back(trow);
    }
    // Gain per 1000 labels: (success after round R − success at round 0) / (L_R − L_0) · 1000, per seed, in points.
    const double dl = double(labels[R] - labels[0]) / 1000.0;
    for (int m = 0; m < 3; ++m) {
        std::vector<double> g;
        for (int s = 0; s < S; ++s)
            g.push_back(100.0 * (ev[(m * S + s) * (R + 1) + R].success_rate - ev[(m * S + s) * (R + 1) + 0].success_rate) / dl);
        const Stats st = stats_of(g);
        r.numbers[std::string(method_key[m]) + "_gain_per_1k"] = st.mean;
        r.numbers[std::string(method_key[m]) + "_gain_per_1k_std"] = st.std;
    }
    const Stats advs = paired(0, 1, R), adv_noise = paired(0, 2, R);
    r.numbers["final_advantage"] = advs.mean / 100;
    r.numbers["final_advantage_std"] = advs.std / 100;
    for (int m = 0; m < 3; ++m) {
        r.numbers[std::string(method_key[m]) + "_labels_to_90"] = labels_to_90[m];
        int k = 0;  // seeds with >= 90% success at the last round
        for (int s = 0; s < S; ++s) k += ev[(m * S + s) * (R + 1) + R].success_rate >= 0.9;
        r.numbers[std::string(method_key[m]) + "_seeds_above_90"] = k;
    }
    r.numbers["rounds"] = R;
    r.table = tab.text();
    write_output(r, opt, "dagger.csv", csv.str());
    Csv seeds_csv{{"round", "labels", "seed", "dagger_success", "bc_success", "noise_success", "dagger_return", "bc_return",
                   "noise_return"},
                  {}};
    for (int i = 0; i <= R; ++i)
        for (int s = 0; s < S; ++s) {
            std::vector<double> row{double(i), double(labels[i]), double(s)};
            for (int m = 0; m < 3; ++m) row.push_back(ev[(m * S + s) * (R + 1) + i].success_rate);
            for (int m = 0; m < 3; ++m) row.push_back(ev[(m * S + s) * (R + 1) + i].mean_return);
            seeds_csv.rows.push_back(row);
        }
    write_output(r, opt, "dagger_seeds.csv", seeds_csv.str());

    // 3. plot: success vs expert labels, three lines with Wilson error bars, single seeds as hollow circles
    //    (nudged sideways)
    auto col = [&](const std::string& name) { return std::to_string(csv.col(name)); };
    std::string gp = gnuplot_preamble("dagger.png", 1100, 600);
    gp += "set title 'DAgger vs BC at equal expert labels, " + (pendulum ? std::string("swing-up expert") : entry.id + " expert " + demo_expert.name) + " (" + std::to_string(S) + " seeds × " +
          std::to_string(c.eval_episodes) + " episodes per point)'\n"
          "set xlabel 'expert labels (queried states)'\n"
          "set ylabel 'success rate (bars: Wilson 95%, pooled; circles: single seeds)'\n"
          "set yrange [-0.02:1.02]\nset key outside right top\n";
    const char* color[3] = {"#1f77b4", "#d62728", "#2ca02c"};
    const std::string title[3] = {"DAgger (β_1 = 1, then 0)", "BC, clean expert demos",
                                  "BC + noise injection (σ = " + num(noise_sigma, 2) + (pendulum ? " N·m)" : ")")};
    const double nudge[3] = {0.0, -0.012, 0.012};  // as a fraction of the label range
    const double span = double(labels[R] - labels[0]);
    gp += "plot ";
    for (int m = 0; m < 3; ++m) {
        const std::string k = method_key[m];
        gp += std::string(m ? ", \\\n     " : "") + "'dagger.csv' skip 1 using ($2+" + num(nudge[m] * span, 1) + "):" +
              col(k + "_success") + ":" + col(k + "_lo") + ":" + col(k + "_hi") + " with yerrorlines lw 2 pt 7 lc rgb '" +
              color[m] + "' title '" + title[m] + "'";
    }
    for (int m = 0; m < 3; ++m)
        gp += ", \\\n     'dagger_seeds.csv' skip 1 using ($2+" + num(nudge[m] * span, 1) + "):" +
              std::to_string(seeds_csv.col(std::string(method_key[m]) + "_success")) + " with points pt 6 ps 1.0 lc rgb '" +
              color[m] + "' " + (m == 0 ? "title 'single seeds'" : "notitle");
    gp += "\n";
    write_output(r, opt, "dagger.gp", gp);
    render_plots(r, opt, "dagger.gp", {"dagger.png"});

    // 4. the report section
    const std::string last = "_r" + std::to_string(R);
    auto seeds_above_90 = [&](int m) {
        return num(r.numbers[std::string(method_key[m]) + "_seeds_above_90"], 0) + "/" + std::to_string(S);
    };
    auto labels_text = [&](int m) {
        return std::isnan(labels_to_90[m]) ? "more than " + std::to_string(labels[R]) : num(labels_to_90[m], 0);
    };
    std::string md = "## 3. DAgger vs behaviour cloning at equal expert labels (`" + entry.id + "`)\n\n";
    md += "All three methods start from " + std::to_string(c.initial_episodes) + " " + who + " demonstrations (" +
          std::to_string(labels[0]) + " labels). Each DAgger round rolls out the current learner for " +
          std::to_string(c.episodes_per_round) + " episodes and asks the expert to label every visited state (round 1 "
          "lets the expert drive, β_1 = 1, so until then DAgger's data are clean demonstrations like BC's and the two "
          "can only part from round 2 on); BC gets the same number of labels as clean expert demonstrations, and "
          "BC + noise as demonstrations with N(0, " + num(noise_sigma, 2) + "²) added to the executed " +
          (pendulum ? "torque" : "action") + " (DART). "
          "After " + std::to_string(R) + " rounds (" + std::to_string(labels[R]) + " labels) DAgger succeeds in " +
          num(100 * r.numbers["dagger" + last + "_success"], 1) + "% of held-out episodes, BC in " +
          num(100 * r.numbers["bc" + last + "_success"], 1) + "% and BC + noise in " +
          num(100 * r.numbers["noise" + last + "_success"], 1) + "%; paired by seed, DAgger − BC is " + num(advs.mean, 1) +
          " points [95% CI " + num(advs.lo, 1) + ", " + num(advs.hi, 1) + "] and DAgger − (BC + noise) " +
          num(adv_noise.mean, 1) + " [" + num(adv_noise.lo, 1) + ", " + num(adv_noise.hi, 1) + "]; seeds with ≥ 90% "
          "success at the last round: DAgger " + seeds_above_90(0) + ", BC " + seeds_above_90(1) + ", BC + noise " +
          seeds_above_90(2) + ". Expert labels needed "
          "for ≥ 90% pooled success: " + labels_text(0) + " for DAgger, " + labels_text(1) + " for BC, " + labels_text(2) +
          " for BC + noise. Per 1000 expert labels, from round 0 to round " +
          std::to_string(R) + ", DAgger gains " + pm(r.numbers["dagger_gain_per_1k"], r.numbers["dagger_gain_per_1k_std"], 1) +
          " success points, BC " + pm(r.numbers["bc_gain_per_1k"], r.numbers["bc_gain_per_1k_std"], 1) + " and BC + noise " +
          pm(r.numbers["noise_gain_per_1k"], r.numbers["noise_gain_per_1k_std"], 1) +
          " (mean ± std over seeds; a method already near 100% cannot gain much, so read this with the table). "
          "DAgger's labels are spent on the states its own policy reaches, which are exactly where a clone is "
          "untaught; clean demonstrations keep labelling the expert's path; noise injection widens that path "
          "around the expert without an online expert, and how much that buys depends on σ matching the "
          "learner's own drift.\n\n";
    md += tab.markdown() + "\n";
    md += "Success: pooled over seeds × episodes with a Wilson 95% interval, and (± the std of the per-seed rates). "
          "Return: mean ± std over seeds of each seed's mean episode return.\n";
    const std::string budgets =
        "Per seed: " + std::to_string(c.initial_episodes) + " initial demonstrations, " + std::to_string(R) + " rounds × " +
        std::to_string(c.episodes_per_round) + " episodes of " + (pendulum ? "" : "at most ") + std::to_string(steps) +
        " steps, every training from scratch with " +
        mlp_text(spec.obs_dim, c.hidden, std::to_string(spec.act_dim)) + ", normalisation, batch " + std::to_string(c.batch) + ", " + std::to_string(c.train_steps) +
        " Adam steps (lr " + num(c.lr, 3) + ") whatever the dataset size; " + std::to_string(c.eval_episodes) +
        " held-out evaluation episodes per (seed, method, round), the same starts for all methods of a seed.";
    md += "\n" + section_footer(r, opt, budgets, "dagger.gp", {"dagger.png"});
    r.markdown = md;
    write_output(r, opt, "dagger.md", md);
    r.wall_seconds = timer.wall();
    r.cpu_seconds = timer.cpu();
    return r;
}

}  // namespace imitate::experiments
