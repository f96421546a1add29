// Experiment 3, DAgger vs BC at equal expert labels. Expert labels are DAgger's currency: after round i it has
// asked the expert about L_i states. We give two offline baselines the same L_i labels, as clean expert
// demonstrations (BC) and as demonstrations with Gaussian noise injected into the executed actions, each
// state labelled with the expert's clean action (DART). All three start from the same small set of expert
// demonstrations (round 0: the three are BC on those; DAgger is the seed's algorithm, whose π̂_1 is that policy
// and whose learner drives from round 1 on, β = 0), train with the same gradient-step budget, and are evaluated
// on the same held-out starts. Pendulum (swing-up expert) by default; --env runs it on any environment with an
// expert (its first). Where episodes can end early, BC gets as many expert episodes as DAgger has labelled, and
// the label axis is DAgger's count (its mean over seeds).
//
// The unit of replication is the training seed: intervals are Student-t over the seeds' success rates, and
// methods are compared by paired per-seed differences (the three methods of a seed share its demonstrations
// and evaluation starts). Pooled-episode Wilson intervals are shown beside, labelled.
//
// dagger.csv: round, labels, then per method (dagger, bc, noise): <method>_success, _lo, _hi (mean and t 95% CI
// over seeds), <method>_pooled, _pooled_lo, _pooled_hi (Wilson over pooled episodes), <method>_return_mean,
// <method>_return_std (over seeds).
// dagger_seeds.csv: round, labels, seed, <method>_success, <method>_return per method: one row per (round, seed).
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "algorithms/dagger.hpp"
#include "algorithms/experiments/experiments.hpp"
#include "algorithms/experiments/report.hpp"
#include "algorithms/noise_injection.hpp"

namespace imitate::experiments {

struct DaggerExpConfig {
    int initial_episodes = 2;         // expert demonstrations D₀ (a small start leaves room to gain)
    int rounds = 5;                   // DAgger rounds, all on-policy (β = 0: the seed's DAgger)
    int episodes_per_round = 2;       // learner rollouts per round, every visited state labelled by the expert
    double noise_frac = 0.25;         // DART: std of the Gaussian noise on the executed action, as a fraction of
                                      //   the action's half-range (Pendulum: 0.25 · 2 = 0.5 N·m; |u| <= 2)
    TrainBudget train;                // every method and round: 3000 Adam steps, MLP 32×32, batch 256, lr 3e-3, normalised
    int eval_episodes = 100;          // held-out evaluation episodes per (seed, method, round)
};

static DaggerExpConfig dagger_config(bool quick, const std::string& env) {
    DaggerExpConfig c;
    if (env == "push") c.eval_episodes = 30;  // 3 methods × 6 rounds × 10 seeds of 65 µs steps (experiments.hpp: budgets)
    if (quick) {
        c.rounds = 3;
        c.train.steps = 300;
        c.eval_episodes = 20;
    }
    return c;
}

static const char* method_key[3] = {"dagger", "bc", "noise"};

JobValues to_values(const std::vector<DaggerPoint>& x) {
    JobValues v;
    for (const DaggerPoint& p : x) v.insert(v.end(), {p.labels, p.success, p.mean_return});
    return v;
}

std::vector<DaggerPoint> dagger_points_from(const JobValues& v, size_t n) {
    if (v.size() != 3 * n)
        throw std::runtime_error("dagger: a job holds " + std::to_string(v.size()) + " values, expected " +
                                 std::to_string(3 * n));
    std::vector<DaggerPoint> x(n);
    for (size_t i = 0; i < n; ++i) x[i] = {v[3 * i], v[3 * i + 1], v[3 * i + 2]};
    return x;
}

static double mean_half_range(const EnvSpec& spec) {
    double h = 0;  // mean over action dimensions of (high − low) / 2
    for (int a = 0; a < spec.act_dim; ++a) h += (double(spec.act_high[a]) - double(spec.act_low[a])) / 2 / spec.act_dim;
    return h;
}

DaggerExpResult measure_dagger(const ExperimentOptions& opt) {
    const EnvEntry& entry = measured_env(opt, "dagger", "pendulum");
    const DaggerExpConfig c = dagger_config(opt.quick, entry.id);
    const std::unique_ptr<Env> env_ptr = entry.make();
    const Env& env = *env_ptr;
    const ExpertEntry& demo_expert = demonstrator(entry);
    const std::shared_ptr<const Expert> expert = shared_expert(demo_expert);
    DaggerExpResult m;
    m.env = entry.id;
    m.expert = demo_expert.name;
    m.seeds = opt.seeds;
    m.rounds = c.rounds;
    m.eval_episodes = c.eval_episodes;
    m.noise_sigma = c.noise_frac * mean_half_range(env.spec());
    const int S = opt.seeds, R = c.rounds;
    log(opt, "dagger on " + entry.id + " (expert " + demo_expert.name + "): " + std::to_string(R) +
                 " rounds × {DAgger, BC, BC + noise} × " + std::to_string(S) + " seeds");
    auto episodes_at = [&](int i) { return c.initial_episodes + i * c.episodes_per_round; };  // after round i

    // Per seed s: base = derive_seed(seed, s); demos from derive_seed(base, 1) (so the L_i-label demo sets are
    // nested: episode k always starts from the same state), noisy demos from derive_seed(base, 2), DAgger's
    // rollouts from derive_seed(base, 3), training seeds derive_seed(base, 4) (round i > 0: derive_seed(that, i),
    // as dagger() does, so the three methods' round-0 policies coincide), evaluation starts derive_seed(base, 5).
    auto bc_config = [&](uint64_t base, int round) {
        return c.train.bc(round == 0 ? derive_seed(base, 4) : derive_seed(derive_seed(base, 4), static_cast<uint64_t>(round)));
    };
    auto eval_config = [&](uint64_t base) {
        EvalConfig e;
        e.episodes = c.eval_episodes;
        e.seed = derive_seed(base, 5);
        return e;
    };

    // 1. jobs: per seed one DAgger run (R trainings after π̂_1, the long jobs, first), then BC and BC + noise at
    //    each label budget L_0..L_R (one training each)
    std::vector<Job> jobs;
    for (int s = 0; s < S; ++s)
        jobs.push_back({job_key("dagger", s), [&, s] {
            const uint64_t base = derive_seed(opt.seed, static_cast<uint64_t>(s));
            DAggerConfig dc = seed_dagger(R, c.episodes_per_round, derive_seed(base, 3), bc_config(base, 0));
            dc.eval = eval_config(base);
            const DAggerResult res = dagger(env, expert, collect_demos(env, expert, c.initial_episodes, derive_seed(base, 1)), dc);
            std::vector<DaggerPoint> p;
            for (const DAggerRound& x : res.rounds)
                p.push_back({double(x.total_labels), x.eval.success_rate, x.eval.mean_return});
            return to_values(p);
        }});
    for (int meth = 1; meth <= 2; ++meth)
        for (int s = 0; s < S; ++s)
            for (int i = 0; i <= R; ++i)
                jobs.push_back({job_key(std::string(method_key[meth]) + "_r" + std::to_string(i), s), [&, meth, s, i] {
                    const uint64_t base = derive_seed(opt.seed, static_cast<uint64_t>(s));
                    const Dataset d = meth == 1 ? collect_demos(env, expert, episodes_at(i), derive_seed(base, 1))
                                                : collect_demos(env, expert, episodes_at(i), derive_seed(base, 2), m.noise_sigma);
                    const Policy pi = train_bc(d, bc_config(base, i)).policy;
                    const EvalResult e = evaluate(env, pi.as_batch_policy(), eval_config(base));
                    return to_values(std::vector<DaggerPoint>{{double(d.size()), e.success_rate, e.mean_return}});
                }});
    const std::vector<JobValues> v = run_sweep(jobs, sweep_options(opt, "dagger"));
    if (v.empty()) return m;  // an MPI rank other than the report writer

    // 2. the typed result: DAgger's rounds 1..R, its round 0 = BC's (the same policy), BC and BC + noise
    m.points.resize(size_t(3 * S * (R + 1)));
    auto slot = [&](int meth, int s, int i) -> DaggerPoint& { return m.points[size_t((meth * S + s) * (R + 1) + i)]; };
    size_t j = 0;
    for (int s = 0; s < S; ++s, ++j) {
        const std::vector<DaggerPoint> p = dagger_points_from(v[j], size_t(R));
        for (int i = 1; i <= R; ++i) slot(0, s, i) = p[i - 1];
    }
    for (int meth = 1; meth <= 2; ++meth)
        for (int s = 0; s < S; ++s)
            for (int i = 0; i <= R; ++i, ++j) slot(meth, s, i) = dagger_points_from(v[j], 1)[0];
    for (int s = 0; s < S; ++s) slot(0, s, 0) = slot(1, s, 0);
    return m;
}

// Labels to reach 90% success for one seed's curve (the first round at or above it); +inf if it never does.
static double labels_to_90(const std::vector<double>& labels, const std::vector<double>& success) {
    for (size_t i = 0; i < labels.size(); ++i)
        if (success[i] >= 0.9) return labels[i];
    return INFINITY;
}

ExperimentResult report_dagger(const DaggerExpResult& m, const ExperimentOptions& opt) {
    ExperimentResult r;
    r.name = "dagger";
    if (m.points.empty()) return r;  // not the report writer
    const DaggerExpConfig c = dagger_config(opt.quick, m.env);
    const EnvEntry& entry = find_env(m.env);
    const std::unique_ptr<Env> env_ptr = entry.make();
    const EnvSpec& spec = env_ptr->spec();
    const bool pendulum = m.env == "pendulum";
    const std::string who = pendulum ? "swing-up" : "`" + m.env + "` expert `" + m.expert + "`";
    const int S = m.seeds, R = m.rounds, E = m.eval_episodes;

    // 1. the label axis: DAgger's |D| after each round, its mean over seeds (Pendulum: episodes × 200 exactly, the
    //    same as BC's; with early termination BC's count may differ, at the same number of expert episodes)
    std::vector<double> labels(R + 1, 0);
    for (int i = 0; i <= R; ++i) {
        double sum = 0;
        for (int s = 0; s < S; ++s) sum += m.at(0, s, i).labels;
        labels[i] = std::round(sum / S);
    }
    auto per_seed = [&](int meth, int i) {  // success in points, one value per seed
        std::vector<double> x;
        for (int s = 0; s < S; ++s) x.push_back(100 * m.at(meth, s, i).success);
        return x;
    };

    // 2. per (method, round): t interval over seeds and pooled Wilson beside; paired DAgger − BC per round
    Csv csv;
    csv.header = {"round", "labels"};
    for (const char* k : method_key)
        for (const char* q : {"_success", "_lo", "_hi", "_pooled", "_pooled_lo", "_pooled_hi", "_return_mean", "_return_std"})
            csv.header.push_back(std::string(k) + q);
    Table tab{{"round", "expert labels", "DAgger success", "BC success", "BC + noise success",
               "DAgger − BC, paired (points)", "DAgger return", "BC return", "BC + noise return",
               "pooled episodes (Wilson): DAgger / BC / BC + noise"},
              {}};
    for (int i = 0; i <= R; ++i) {
        std::vector<double> row{double(i), labels[i]};
        std::vector<std::string> succ, ret, pooled;
        for (int meth = 0; meth < 3; ++meth) {
            std::vector<double> rets;
            int k = 0;
            for (int s = 0; s < S; ++s) {
                rets.push_back(m.at(meth, s, i).mean_return);
                k += static_cast<int>(std::lround(m.at(meth, s, i).success * E));
            }
            const Stats sr = clipped(stats_of(per_seed(meth, i)), 0, 100), rt = stats_of(rets);
            const auto [lo, hi] = wilson_interval(k, S * E);
            row.insert(row.end(), {sr.mean / 100, sr.lo / 100, sr.hi / 100, double(k) / (S * E), lo, hi, rt.mean, rt.std});
            succ.push_back(num(sr.mean, 1) + "% [" + num(sr.lo, 1) + ", " + num(sr.hi, 1) + "]");
            ret.push_back(pm(rt.mean, rt.std, 0));
            pooled.push_back(num(100.0 * k / (S * E), 1) + "% [" + num(100 * lo, 1) + ", " + num(100 * hi, 1) + "]");
        }
        csv.rows.push_back(row);
        const Stats d = paired(per_seed(0, i), per_seed(1, i));
        std::vector<std::string> trow{i == 0 ? "0 (initial demos)" : std::to_string(i), num(labels[i], 0)};
        trow.insert(trow.end(), succ.begin(), succ.end());
        trow.push_back(i == 0 ? "0 (same policy)" : num(d.mean, 1) + " [" + num(d.lo, 1) + ", " + num(d.hi, 1) + "]");
        trow.insert(trow.end(), ret.begin(), ret.end());
        trow.push_back(pooled[0] + " / " + pooled[1] + " / " + pooled[2]);
        tab.rows.push_back(trow);
    }
    r.table = tab.text();
    write_output(r, opt, "dagger.csv", csv.str());
    Csv seeds_csv{{"round", "labels", "seed", "dagger_success", "bc_success", "noise_success", "dagger_return", "bc_return",
                   "noise_return"},
                  {}};
    for (int i = 0; i <= R; ++i)
        for (int s = 0; s < S; ++s) {
            std::vector<double> row{double(i), labels[i], double(s)};
            for (int meth = 0; meth < 3; ++meth) row.push_back(m.at(meth, s, i).success);
            for (int meth = 0; meth < 3; ++meth) row.push_back(m.at(meth, s, i).mean_return);
            seeds_csv.rows.push_back(row);
        }
    write_output(r, opt, "dagger_seeds.csv", seeds_csv.str());

    // 3. label efficiency per seed: the least-squares slope of success (points) on labels (thousands) over rounds
    //    0..R, and the labels at which the seed first reaches 90%
    std::vector<std::vector<double>> slope(3), to90(3);
    for (int meth = 0; meth < 3; ++meth)
        for (int s = 0; s < S; ++s) {
            std::vector<double> x, y, ys;
            for (int i = 0; i <= R; ++i) {
                x.push_back(labels[i] / 1000);
                y.push_back(100 * m.at(meth, s, i).success);
                ys.push_back(m.at(meth, s, i).success);
            }
            slope[meth].push_back(fit_slope(x, y));
            to90[meth].push_back(labels_to_90(labels, ys));
        }
    auto to90_text = [&](int meth) {
        std::vector<double> v = to90[meth];
        std::sort(v.begin(), v.end());
        int reached = 0;
        for (double x : v) reached += std::isfinite(x);
        const double med = S % 2 ? v[S / 2] : (v[S / 2 - 1] + v[S / 2]) / 2;  // +inf when half never reach it
        return std::to_string(reached) + "/" + std::to_string(S) + " seeds reach 90%, median " +
               (std::isfinite(med) ? num(med, 0) + " labels" : "more than " + num(labels[R], 0) + " labels");
    };

    // 4. plot: success vs expert labels, mean over seeds with t intervals, single seeds as hollow circles
    auto col = [&](const std::string& name) { return std::to_string(csv.col(name)); };
    std::string gp = gnuplot_preamble("dagger.png", 1100, 600);
    gp += "set title 'DAgger vs BC at equal expert labels, " + (pendulum ? std::string("swing-up expert") : m.env + " expert " + m.expert) +
          " (" + std::to_string(S) + " seeds × " + std::to_string(E) + " episodes per point)'\n"
          "set xlabel 'expert labels (queried states)'\n"
          "set ylabel 'success rate (bars: 95% CI over seeds; circles: single seeds)'\n"
          "set yrange [-0.02:1.02]\nset key outside right top\n";
    const char* color[3] = {"#1f77b4", "#d62728", "#2ca02c"};
    const std::string title[3] = {"DAgger (β = 0 from round 1)", "BC, clean expert demos",
                                  "BC + noise injection (σ = " + num(m.noise_sigma, 2) + (pendulum ? " N·m)" : ")")};
    const double nudge[3] = {0.0, -0.012, 0.012};  // as a fraction of the label range
    const double span = labels[R] - labels[0];
    gp += "plot ";
    for (int meth = 0; meth < 3; ++meth) {
        const std::string k = method_key[meth];
        gp += std::string(meth ? ", \\\n     " : "") + "'dagger.csv' skip 1 using ($2+" + num(nudge[meth] * span, 1) + "):" +
              col(k + "_success") + ":" + col(k + "_lo") + ":" + col(k + "_hi") + " with yerrorlines lw 2 pt 7 lc rgb '" +
              color[meth] + "' title '" + title[meth] + "'";
    }
    for (int meth = 0; meth < 3; ++meth)
        gp += ", \\\n     'dagger_seeds.csv' skip 1 using ($2+" + num(nudge[meth] * span, 1) + "):" +
              std::to_string(seeds_csv.col(std::string(method_key[meth]) + "_success")) + " with points pt 6 ps 1.0 lc rgb '" +
              color[meth] + "' " + (meth == 0 ? "title 'single seeds'" : "notitle");
    gp += "\n";
    write_plot(r, opt, "dagger", gp);

    // 5. the section: every comparison a paired per-seed difference with its interval
    const Stats last_bc = paired(per_seed(0, R), per_seed(1, R)), last_noise = paired(per_seed(0, R), per_seed(2, R));
    const Stats s_dg = stats_of(slope[0]), s_bc = stats_of(slope[1]), s_no = stats_of(slope[2]);
    auto slope_text = [&](const Stats& s) { return num(s.mean, 1) + " [" + num(s.lo, 1) + ", " + num(s.hi, 1) + "]"; };
    std::string md = "## 3. DAgger vs behaviour cloning at equal expert labels (`" + m.env + "`)\n\n";
    md += "All three methods start from " + std::to_string(c.initial_episodes) + " " + who + " demonstrations D₀ (" +
          num(labels[0], 0) + " labels). DAgger is the seed's algorithm: π̂_1 is BC on D₀ and from round 1 on the "
          "learner drives (β = 0) for " + std::to_string(c.episodes_per_round) + " episodes per round while the expert "
          "labels every visited state, so all " + std::to_string(R) + " rounds are on-policy. BC gets the same number "
          "of labels as clean expert demonstrations, and BC + noise as demonstrations with N(0, " + num(m.noise_sigma, 2) +
          "²) added to the executed " + (pendulum ? "torque" : "action") + " (DART).\n\n"
          "**The unit is the training seed** (" + std::to_string(S) + " seeds, each evaluated on " + std::to_string(E) +
          " held-out episodes): success is the mean over seeds with a Student-t 95% interval, and comparisons are "
          "paired per-seed differences (a seed's three methods share its demonstrations and evaluation starts). "
          "After " + std::to_string(R) + " rounds (" + num(labels[R], 0) + " labels):\n\n";
    md += "- " + verdict_text("DAgger", "BC", last_bc, 5.0, 1, "points") + "\n";
    md += "- " + verdict_text("DAgger", "DART (BC + noise)", last_noise, 5.0, 1, "points") + "\n";
    md += "- label efficiency (least-squares slope of success on labels over rounds 0–" + std::to_string(R) +
          ", points per 1000 labels, mean [95% CI] over seeds): DAgger " + slope_text(s_dg) + ", BC " + slope_text(s_bc) +
          ", BC + noise " + slope_text(s_no) + "; " + verdict_text("DAgger's slope", "BC's", paired(slope[0], slope[1]), 0, 1, "") +
          "\n";
    md += "- labels to 90% success, per seed: DAgger " + to90_text(0) + "; BC " + to90_text(1) + "; BC + noise " +
          to90_text(2) + "\n\n";
    md += "DAgger's labels are spent on the states its own policy reaches, which are exactly where a clone is "
          "untaught; clean demonstrations keep labelling the expert's path; noise injection widens that path "
          "around the expert without an online expert, and how much that buys depends on σ matching the "
          "learner's own drift.\n\n";
    md += tab.markdown() + "\n";
    md += "Success: mean over seeds [Student-t 95% CI, clipped to 0–100%]; the last column pools seeds × episodes into Wilson intervals, "
          "shown only beside (it treats the episodes of one policy as independent replicates). Return: mean ± std over "
          "seeds of each seed's mean episode return.\n";
    const std::string budgets =
        "Per seed: " + std::to_string(c.initial_episodes) + " initial demonstrations, " + std::to_string(R) + " rounds × " +
        std::to_string(c.episodes_per_round) + " episodes of " + (pendulum ? "" : "at most ") + std::to_string(spec.max_steps) +
        " steps, every training from scratch with " + mlp_text(spec.obs_dim, c.train.hidden, std::to_string(spec.act_dim)) +
        ", normalisation, batch " + std::to_string(c.train.batch) + ", " + std::to_string(c.train.steps) + " Adam steps (lr " +
        num(c.train.lr, 3) + ") whatever the dataset size; " + std::to_string(E) +
        " held-out evaluation episodes per (seed, method, round), the same starts for all methods of a seed." +
        env_budget_note(m.env, E, dagger_config(opt.quick, "").eval_episodes, "evaluation episodes per (seed, method, round)");
    finish_section(r, opt, md, budgets, "dagger.gp", {"dagger.png"});
    r.claims.push_back(claim_line("DAgger's fix at equal labels: DAgger beats BC", "`" + m.env + "`, section 3",
                                  claim_status(verdict_of(last_bc, 5.0), Verdict::ABeatsB),
                                  "after " + std::to_string(R) + " rounds (" + num(labels[R], 0) + " labels), " +
                                      verdict_text("DAgger", "BC", last_bc, 5.0, 1, "points")));
    return r;
}

ExperimentResult run_dagger(const ExperimentOptions& opt) {
    return timed([&] { return report_dagger(measure_dagger(opt), opt); });
}

}  // namespace imitate::experiments
