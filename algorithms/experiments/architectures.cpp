// Experiment 7, architectures (issue 16): the course's closing question — what is the best way to represent and
// generate robot actions? — answered on one task at a time. Every architecture is one row of
// architecture_rows(): the head (heads/head.hpp) with its settings, the chunk H and how chunks execute, the
// network's widths and the gradient-step budget. All rows train on the same demonstrations per seed (the
// Decision Transformer's row adds the mixed-quality episodes its paper trains on) and are rolled out from the
// same held-out starts, so each row against MLP-MSE is a paired per-seed difference. Beside the scores, what the
// representation costs: parameters, seconds per training step, µs per action at batch 1.
//
// architectures.csv: row (0-based, the table's order), H, steps, params, acting_params, step_ms, train_seconds
//   (steps × seconds per step), query_us, action_us, success, lo, hi (mean of per-seed rates, t 95% over seeds,
//   clamped to [0, 1]), pooled, pooled_lo, pooled_hi (pooled episodes, Wilson 95%), error_mean, error_low,
//   error_high (final error, t 95%), diff_mean, diff_low, diff_high (success − MLP-MSE's, paired per seed, points),
//   error_diff_mean, error_diff_low, error_diff_high (final error − MLP-MSE's, paired). Row −1: the demonstrator.
// architectures_seeds.csv: row, seed, success, return, final_error (row −1: the demonstrator); no timings, so
//   the same bytes on any thread count.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "algorithms/bc.hpp"
#include "algorithms/evaluate.hpp"
#include "algorithms/mixed_data.hpp"
#include "algorithms/experiments/experiments.hpp"
#include "algorithms/experiments/report.hpp"
#include "algorithms/experiments/scores.hpp"
#include "algorithms/noise_injection.hpp"
#include "engine/threads.hpp"

namespace imitate::experiments {

// The Decision Transformer at a size (and 1000 steps of 64 windows) that trains in well under a minute per seed on
// one core: a causal pre-norm transformer over the last K = 5 steps' (return-to-go, state, action) tokens, trained
// on the demonstrations plus the mixed-quality episodes, asked at evaluation for the demonstrations' mean return.
static ArchRow dt_row() {
    ArchRow r{.key = "dt", .label = "Decision Transformer", .head = {.kind = HeadKind::DT}};
    r.head.context = 5, r.head.d_model = 32, r.head.nhead = 2, r.head.ff = 128, r.head.dt_layers = 2;
    r.about = "causal transformer: " + std::to_string(r.head.dt_layers) + " layers, d " + std::to_string(r.head.d_model) +
              ", " + std::to_string(r.head.nhead) + " heads, ff " + std::to_string(r.head.ff) + ", K = " +
              std::to_string(r.head.context) + " steps";
    r.steps = 1000, r.steps_quick = 50, r.batch = 64, r.lr = 1e-3f, r.mixed_data = true;
    return r;
}

// ACT as its paper deploys it: a chunk of H = 8 actions, queried every step and executed with the temporal
// ensemble (m = 0.01), z = 0 at test time; L1 + β·KL with β = 10 and a 16-wide latent (the paper's), the
// transformers shrunk (and 1500 steps of 64) to train in well under a minute per seed on one core.
static ArchRow act_row() {
    ArchRow r{.key = "act", .label = "ACT (H = 8, ensemble)", .head = {.kind = HeadKind::ACT}, .chunk = 8,
              .exec = {.mode = Exec::Ensemble, .ensemble_m = 0.01}};
    r.head.d_model = 32, r.head.nhead = 4, r.head.dim_ff = 128, r.head.latent = 16, r.head.beta = 10;
    r.head.enc_layers = 1, r.head.layers = 1, r.head.dec_layers = 1;
    r.about = "CVAE of transformers: " + std::to_string(r.head.enc_layers) + " + " + std::to_string(r.head.layers) + " + " +
              std::to_string(r.head.dec_layers) + " layers (CVAE encoder, encoder, decoder), d " +
              std::to_string(r.head.d_model) + ", " + std::to_string(r.head.nhead) + " heads, ff " +
              std::to_string(r.head.dim_ff) + ", latent " + std::to_string(r.head.latent);
    r.steps = 1500, r.steps_quick = 50, r.batch = 64, r.lr = 1e-3f;
    return r;
}

// The table. The MLP heads act at H = 1, closed loop: on these tasks a query per step beat H = 8 with the
// temporal ensemble for MLP-MSE (measured when the rows were chosen; the chunking experiment studies H).
// Adding an architecture is one more line.
std::vector<ArchRow> architecture_rows() {
    return {
        {.key = "mlp_mse", .label = "MLP-MSE", .head = {.kind = HeadKind::MSE}},
        {.key = "mlp_gmm", .label = "MLP-GMM (K = 5)", .head = {.kind = HeadKind::GMM}},
        {.key = "mlp_diffusion", .label = "MLP-diffusion (DDIM 10)", .head = {.kind = HeadKind::Diffusion}},
        act_row(),
        dt_row(),
    };
}

ArchitecturesConfig architectures_config(bool quick) {
    ArchitecturesConfig c;
    if (quick) {
        c.demo_episodes = 5;
        c.mixed_episodes = 3;
        c.eval_episodes = 10;
        c.timing_steps = 5;
        c.timing_queries = 20;
    }
    return c;
}

static BCConfig row_bc(const ArchRow& row, bool quick, uint64_t seed) {
    BCConfig bc = TrainBudget{quick ? row.steps_quick : row.steps, row.hidden, row.batch, row.lr, true}.bc(seed);
    bc.policy.chunk = row.chunk;
    bc.policy.head = row.head;
    return bc;
}

// Episodes of mixed quality for the rows that train on them (the Decision Transformer, as its paper): the
// demonstrator with N(0, σ²) on its executed action and a uniformly random controller, mixed_episodes each
// (algorithms/mixed_data.hpp: the recorded action is the executed one, so each episode's return is its actions').
static Dataset mixed_quality(const EnvEntry& entry, const ExpertEntry& demo_expert, const ArchitecturesConfig& c, uint64_t seed) {
    const std::unique_ptr<Env> env = entry.make();
    const EnvSpec& spec = env->spec();
    const double sigma = c.mixed_noise * 0.5 * (spec.act_high.at(0) - spec.act_low.at(0));
    return collect_mixed(*env, shared_expert(demo_expert),
                         {{Controller::Noisy, c.mixed_episodes}, {Controller::Random, c.mixed_episodes}}, seed, sigma);
}

// The mean episode return of a dataset (Σ rewards per episode).
static double mean_return(const Dataset& d) {
    double ret = 0;
    for (float x : d.rewards) ret += x;
    return d.num_episodes() > 0 ? ret / double(d.num_episodes()) : 0.0;
}

// The mean of Env::goal_error after each episode's last step.
static double mean_final_error(const std::vector<Episode>& eps) {
    double sum = 0;
    for (const Episode& e : eps) sum += e.final_error;
    return eps.empty() ? 0.0 : sum / double(eps.size());
}

// The row's `about`, or "MLP 11→128→128→2" from its head widths.
static std::string size_text(const ArchRow& row, int S, int A) {
    if (!row.about.empty()) return row.about;
    const HeadWidths w = head_of(row.head.kind).widths(row.head, S, long(row.chunk) * A);
    std::string t = "MLP " + std::to_string(w.in);
    for (int h : row.hidden) t += "→" + std::to_string(h);
    return t + "→" + std::to_string(w.out);
}

// Queries per executed action: open loop 1/H, receding 1/k, the temporal ensemble 1 (it queries every step).
static double queries_per_action(const ArchRow& row) {
    if (row.chunk == 1 || row.exec.mode == Exec::Ensemble) return 1.0;
    return row.exec.mode == Exec::Receding ? 1.0 / row.exec.receding_k : 1.0 / row.chunk;
}

// The cost of a row, measured on one thread: seconds per training step as the difference of two train_bc runs
// (5 and 5 + timing_steps steps: the set-up cancels; each the fastest of three), µs per batch-1 query of the trained
// policy (the fastest of 5 blocks of timing_queries / 5 queries, after 10 untimed).
static ArchCost measure_cost(const ArchRow& row, const ArchitecturesConfig& c, const Dataset& data, const Mat& obs) {
    const int saved = get_threads();
    set_threads(1);
    ArchCost k;
    BCConfig bc = row_bc(row, false, 1);
    auto fastest = [&](long steps) {
        bc.steps = steps;
        double best = 1e300;
        for (int i = 0; i < 3; ++i) {
            Timer t;
            train_bc(data, bc);
            best = std::min(best, t.wall());
        }
        return best;
    };
    const double short_run = fastest(5);
    k.step_seconds = std::max(0.0, fastest(5 + c.timing_steps) - short_run) / c.timing_steps;
    bc.steps = 5;
    Policy pi = train_bc(data, bc).policy;
    for (Param* p : pi.parameters()) k.params += double(p->value.size());
    for (Param* p : pi.net.parameters()) k.acting_params += double(p->value.size());
    if (pi.model) k.acting_params = k.params;  // a head with its own model (transformers): counted whole
    PolicyScratch scratch;
    Mat out;
    const Mat x = obs.topRows(1);
    // a stateful head (the Decision Transformer) is told each step's reward, as in a rollout: part of acting
    const double reward = 0;
    auto query = [&] {
        pi.predict(x, out, scratch);
        pi.reward(scratch, &reward, 1);
    };
    pi.start(scratch, 1);
    for (int i = 0; i < 10; ++i) query();
    const int per_block = std::max(1, c.timing_queries / 5);
    double best = 1e300;
    for (int b = 0; b < 5; ++b) {
        Timer t;
        for (int i = 0; i < per_block; ++i) query();
        best = std::min(best, t.wall() / per_block);
    }
    k.query_us = 1e6 * best;
    k.action_us = k.query_us * queries_per_action(row);
    set_threads(saved);
    return k;
}

// ------------------------------------------------------------------ measuring
ArchitecturesResult measure_architectures(const ExperimentOptions& opt) {
    return measure_architectures(opt, architectures_config(opt.quick));
}

ArchitecturesResult measure_architectures(const ExperimentOptions& opt, const ArchitecturesConfig& config) {
    check_options(opt);
    if (config.rows.empty()) throw std::invalid_argument("experiment architectures: no architecture rows");
    ArchitecturesResult r;
    r.config = config;
    const ArchitecturesConfig& c = r.config;
    const EnvEntry& entry = experiment_env(opt, "architectures", "pendulum");
    const ExpertEntry& demo_expert = demonstrator(entry);
    r.env_id = entry.id, r.expert_name = demo_expert.name;
    const int S = c.max_seeds > 0 ? std::min(opt.seeds, c.max_seeds) : opt.seeds, R = static_cast<int>(c.rows.size());
    r.seeds = S;
    const bool any_mixed = std::any_of(c.rows.begin(), c.rows.end(), [](const ArchRow& w) { return w.mixed_data; });
    {
        const std::unique_ptr<Env> env = entry.make();
        for (const ArchRow& row : c.rows) r.size_text.push_back(size_text(row, env->spec().obs_dim, env->spec().act_dim));
    }
    log(opt, "architectures on " + entry.id + " (expert " + demo_expert.name + "): " + std::to_string(R) +
                 " architectures × " + std::to_string(S) + " seeds");

    // Seed s: demonstrations from derive_seed(base, 1), network seed derive_seed(base, 2), held-out starts
    // derive_seed(base, 3), mixed-quality episodes derive_seed(base, 4): the same for every row.
    auto demos_of = [&](const Env& env, uint64_t base) {
        return collect_demos(env, shared_expert(demo_expert), c.demo_episodes, derive_seed(base, 1));
    };
    auto eval_of = [&](uint64_t base, const ExecConfig& exec) {
        EvalConfig e;
        e.episodes = c.eval_episodes;
        e.seed = derive_seed(base, 3);
        e.exec = exec;
        return eval_rollout_config(e);
    };
    std::vector<Job> jobs;
    for (int a = R - 1; a >= 0; --a)  // the last rows (the transformers) are the longest: first
        for (int s = 0; s < S; ++s)
            jobs.push_back({job_key(c.rows[a].key, s), [&, a, s] {
                const ArchRow& row = c.rows[a];
                const uint64_t base = derive_seed(opt.seed, static_cast<uint64_t>(s));
                const std::unique_ptr<Env> env = entry.make();
                Dataset data = demos_of(*env, base);
                const double target = mean_return(data);  // the demos' (before any mixed-quality episodes)
                if (row.mixed_data) data.append(mixed_quality(entry, demo_expert, c, derive_seed(base, 4)));
                const Policy pi = train_bc(data, row_bc(row, opt.quick, derive_seed(base, 2))).policy;
                // a stateful head (the Decision Transformer) is asked for the demonstrations' mean return
                RolloutConfig rc = eval_of(base, row.exec);
                const BatchPolicy act = pi.as_batch_policy(rc.feedback, target);
                const std::vector<Episode> eps = rollout(*env, act, rc);
                JobValues v;
                append_score(v, score_of(eps, mean_final_error(eps)));
                return v;
            }});
    for (int s = 0; s < S; ++s)
        jobs.push_back({job_key("expert", s), [&, s] {
            const uint64_t base = derive_seed(opt.seed, static_cast<uint64_t>(s));
            const std::unique_ptr<Env> env = entry.make();
            const Dataset d = demos_of(*env, base);
            const std::vector<Episode> eps = rollout_expert(*env, shared_expert(demo_expert), eval_of(base, {}));
            JobValues v;
            append_score(v, score_of(eps, mean_final_error(eps)));
            v.push_back(mean_return(d));
            v.push_back(double(d.size()));
            v.push_back(any_mixed ? double(mixed_quality(entry, demo_expert, c, derive_seed(base, 4)).size()) : 0.0);
            return v;
        }});
    const std::vector<JobValues> values = run_experiment_jobs(jobs, opt, "architectures");
    if (values.empty()) return r;  // not the report writer (MPI)

    r.score.assign(R, std::vector<SeedScore>(S));
    size_t j = 0;
    for (int a = R - 1; a >= 0; --a)
        for (int s = 0; s < S; ++s, ++j) {
            size_t pos = 0;
            r.score[a][s] = score_at(values[j], pos);
        }
    for (int s = 0; s < S; ++s, ++j) {
        size_t pos = 0;
        r.expert.push_back(score_at(values[j], pos));
        if (values[j].size() != pos + 3) throw std::runtime_error("architectures: job " + jobs[j].key + " has the wrong number of values");
        r.demo_return.push_back(values[j][pos]);
        r.demo_rows += values[j][pos + 1] / S;
        r.mixed_rows += values[j][pos + 2] / S;
    }

    // The cost pass: on this process, one thread, seed 0's data (after the sweep, so nothing else runs).
    log(opt, "architectures: timing a training step and a batch-1 query per architecture (one thread)");
    const std::unique_ptr<Env> env = entry.make();
    const uint64_t base0 = derive_seed(opt.seed, 0);
    const Dataset demos0 = demos_of(*env, base0);
    for (const ArchRow& row : c.rows) {
        Dataset data = demos0;
        if (row.mixed_data) data.append(mixed_quality(entry, demo_expert, c, derive_seed(base0, 4)));
        r.cost.push_back(measure_cost(row, c, data, demos0.observations));
    }
    return r;
}

// ------------------------------------------------------------------ reporting
static std::string exec_text(const ArchRow& row) {
    if (row.chunk == 1) return "H = 1";
    const std::string h = "H = " + std::to_string(row.chunk) + ", ";
    if (row.exec.mode == Exec::Ensemble) return h + "temporal ensemble (m = " + num(row.exec.ensemble_m, 2) + ")";
    if (row.exec.mode == Exec::Receding) return h + "receding, k = " + std::to_string(row.exec.receding_k);
    return h + "open loop";
}

static std::string count_text(double n) {
    if (n >= 1e6) return num(n / 1e6, 2) + " M";
    if (n >= 1e4) return num(n / 1e3, 1) + " k";
    return num(n, 0);
}

ExperimentResult report_architectures(const ArchitecturesResult& r, const ExperimentOptions& opt) {
    const ArchitecturesConfig& c = r.config;
    const std::unique_ptr<Env> env = experiment_env(opt, "architectures", "pendulum").make();
    const int S = r.seeds, R = static_cast<int>(c.rows.size());
    ExperimentResult out;
    out.name = "architectures";
    auto steps_of = [&](int a) { return double(opt.quick ? c.rows[a].steps_quick : c.rows[a].steps); };

    Csv csv{{"row", "H", "steps", "params", "acting_params", "step_ms", "train_seconds", "query_us", "action_us", "success",
             "lo", "hi", "pooled", "pooled_lo", "pooled_hi", "error_mean", "error_low", "error_high", "diff_mean", "diff_low",
             "diff_high", "error_diff_mean", "error_diff_low", "error_diff_high"}, {}};
    Csv seeds{{"row", "seed", "success", "return", "final_error"}, {}};
    Table tab{{"architecture", "network", "params", "H, execution", "success, mean over seeds [t 95%]",
               "Δ success vs MLP-MSE, paired (points) [95%]", "final error [t 95%]", "Δ final error vs MLP-MSE [95%]",
               "ms / training step", "training compute (s)", "µs / action (batch 1)"}, {}};
    std::vector<SeedSummary> sum;
    for (int a = 0; a < R; ++a) sum.push_back(seed_summary(r.score[a]));
    const SeedSummary ex = seed_summary(r.expert);
    std::vector<std::string> claims;
    for (int a = 0; a < R; ++a) {
        const SeedSummary& q = sum[a];
        const ArchCost& k = r.cost[a];
        const Stats d = paired(rates(r.score[a]), rates(r.score[0])), de = paired(extras(r.score[a]), extras(r.score[0]));
        csv.rows.push_back({double(a), double(c.rows[a].chunk), steps_of(a), k.params, k.acting_params, 1e3 * k.step_seconds,
                            steps_of(a) * k.step_seconds, k.query_us, k.action_us, std::max(0.0, q.success.mean),
                            std::max(0.0, q.success.lo), std::min(1.0, q.success.hi), q.pooled, q.pooled_lo, q.pooled_hi,
                            q.extra.mean, q.extra.lo, q.extra.hi, 100 * d.mean, 100 * d.lo, 100 * d.hi, de.mean, de.lo, de.hi});
        for (int s = 0; s < S; ++s)
            seeds.rows.push_back({double(a), double(s), r.score[a][s].rate(), r.score[a][s].ret, r.score[a][s].extra});
        const std::string params = count_text(k.params) + (k.acting_params < k.params ? " (acting " + count_text(k.acting_params) + ")" : "");
        tab.rows.push_back({c.rows[a].label, r.size_text[a], params, exec_text(c.rows[a]), rate_ci(q.success),
                            a == 0 ? "—" : diff_text(d, 100), ci_text(q.extra, 1, 4), a == 0 ? "—" : diff_text(de, 1, 4),
                            num(1e3 * k.step_seconds, 2), num(steps_of(a) * k.step_seconds, 1), num(k.action_us, 1)});
        if (a > 0)
            claims.push_back("success: " + verdict(d, c.rows[a].label, c.rows[0].label, "points", 100) + "; final error: " +
                             verdict_text(c.rows[a].label, c.rows[0].label, de, 0, 4, "", false));
    }
    tab.rows.push_back({r.expert_name + " (the demonstrator)", "—", "—", "—", rate_ci(ex.success), "—", ci_text(ex.extra, 1, 4),
                        "—", "—", "—", "—"});
    csv.rows.push_back({-1, 1, 0, 0, 0, 0, 0, 0, 0, std::max(0.0, ex.success.mean), std::max(0.0, ex.success.lo),
                        std::min(1.0, ex.success.hi), ex.pooled, ex.pooled_lo, ex.pooled_hi, ex.extra.mean, ex.extra.lo,
                        ex.extra.hi, 0, 0, 0, 0, 0, 0});
    for (int s = 0; s < S; ++s)
        seeds.rows.push_back({-1, double(s), r.expert[s].rate(), r.expert[s].ret, r.expert[s].extra});
    out.table = tab.text();
    write_output(out, opt, "architectures.csv", csv.str());
    write_output(out, opt, "architectures_seeds.csv", seeds.str());

    // Which representation wins where, in numbers: the best success (ties: the lower final error), the paired
    // verdicts against MLP-MSE above, the cheapest to train and to run.
    int best = 0, cheapest = 0, fastest = 0;
    for (int a = 1; a < R; ++a) {
        if (sum[a].success.mean > sum[best].success.mean ||
            (sum[a].success.mean == sum[best].success.mean && sum[a].extra.mean < sum[best].extra.mean))
            best = a;
        if (steps_of(a) * r.cost[a].step_seconds < steps_of(cheapest) * r.cost[cheapest].step_seconds) cheapest = a;
        if (r.cost[a].action_us < r.cost[fastest].action_us) fastest = a;
    }
    int beats = 0, beaten = 0;
    for (int a = 1; a < R; ++a) {
        const Verdict v = verdict_of(paired(rates(r.score[a]), rates(r.score[0])));
        beats += v == Verdict::ABeatsB, beaten += v == Verdict::BBeatsA;
    }
    std::string wins = "**Which representation wins where (`" + r.env_id + "`).** The highest mean success is " +
                       c.rows[best].label + "'s, " + rate_ci(sum[best].success) + " (final error " +
                       num(sum[best].extra.mean, 4) + "; the demonstrator: " + rate_ci(ex.success) + "). Against " +
                       c.rows[0].label + ", paired over " + std::to_string(S) + " seeds, " + std::to_string(beats) + " of " +
                       std::to_string(R - 1) + " architectures are established better and " + std::to_string(beaten) +
                       " worse on success; the rest are not established either way (list below). Cheapest to train: " +
                       c.rows[cheapest].label + " (" + num(steps_of(cheapest) * r.cost[cheapest].step_seconds, 1) +
                       " s for its " + num(steps_of(cheapest), 0) + " steps on one core); cheapest to run: " +
                       c.rows[fastest].label + " (" + num(r.cost[fastest].action_us, 1) + " µs per action at batch 1)";
    if (best != 0)
        wins += "; " + c.rows[best].label + " costs " + num(r.cost[best].step_seconds / std::max(r.cost[0].step_seconds, 1e-12), 1) +
                "× " + c.rows[0].label + "'s time per training step and " +
                num(r.cost[best].action_us / std::max(r.cost[0].action_us, 1e-12), 1) + "× its time per action";
    wins += ".\n\n";

    // plot: success against training compute (log x) and against the cost per action, one series per row
    auto col = [&](const std::string& n) { return std::to_string(csv.col(n)); };
    const std::string bars = col("success") + ":" + col("lo") + ":" + col("hi");
    auto series = [&](const std::string& x) {
        std::string p = "plot ";
        for (int a = 0; a < R; ++a)
            p += std::string(a ? ", " : "") + "'architectures.csv' skip 1 using (column(1) == " + std::to_string(a) +
                 " ? column(" + x + ") : 1/0):" + bars + " with yerrorbars pt " + std::to_string(5 + 2 * (a % 4)) +
                 " ps 1.6 lw 2 title '" + c.rows[a].label + "'";
        return p + "\n";
    };
    std::string gp = gnuplot_preamble("architectures.png", 1300, 560);
    gp += "set multiplot layout 1,2 title 'Architectures on " + r.env_id + ": " + std::to_string(c.demo_episodes) + " " +
          r.expert_name + " demonstrations per seed, " + std::to_string(S) + " seeds (bars: t 95% over seeds)'\n"
          "set logscale x\nset yrange [-0.02:1.25]\nset ylabel 'success rate'\nset key top center horizontal font ',9'\n"
          "set xlabel 'training compute (s on one core: steps × measured s/step)'\nset title 'success against training compute'\n" +
          series(col("train_seconds")) +
          "set xlabel 'µs per executed action (batch 1, one core)'\nset title 'success against the cost of acting'\n" +
          series(col("action_us")) + "unset multiplot\n";
    write_plot(out, opt, "architectures", gp);

    const EnvSpec& spec = env->spec();
    std::string md = "## 7. Architectures: which representation of actions wins where (`" + r.env_id + "`)\n\n";
    md += "The same " + std::to_string(c.demo_episodes) + " " + r.expert_name + " demonstrations per seed (" +
          num(r.demo_rows, 0) + " rows on average, mean return " + num(stats_of(r.demo_return).mean, 1) + ") train " +
          std::to_string(R) + " architectures, each rolled out from the same " + std::to_string(c.eval_episodes) +
          " held-out starts per seed with its deterministic readout (GMM: the most likely component's mean; diffusion: "
          "DDIM from a fixed start noise). Success is the mean of per-seed rates with a t 95% interval over " +
          std::to_string(S) + " training seeds" + (S < 10 ? " (fewer than 10: the time budget; the intervals are wide)" : "") +
          "; final error is " + r.env_id + "'s goal error after the last step. Each architecture is compared with " +
          c.rows[0].label + " as a paired per-seed difference. Training compute is the row's gradient steps times its "
          "measured seconds per step; parameters count every tensor the optimiser updates.\n\n";
    md += wins;
    md += "**Comparisons with " + c.rows[0].label + "** (paired per-seed differences):\n\n";
    for (const std::string& claim : claims) md += "- " + claim + ".\n";
    md += "\n" + tab.markdown() + "\n";
    std::string budgets = "Per (architecture, seed): " + std::to_string(c.demo_episodes) + " " + r.expert_name +
                          " episodes, observations and actions normalised; sizes, gradient steps, minibatch and Adam's "
                          "rate per row: ";
    for (int a = 0; a < R; ++a)
        budgets += (a ? "; " : "") + c.rows[a].label + ": " + r.size_text[a] + ", " + exec_text(c.rows[a]) + ", " +
                   num(steps_of(a), 0) + " steps of " + std::to_string(c.rows[a].batch) + ", lr " + num(c.rows[a].lr, 4) +
                   (c.rows[a].mixed_data ? ", plus " + num(r.mixed_rows, 0) + " rows of mixed-quality episodes" : "");
    budgets += ". " + std::to_string(c.eval_episodes) + " held-out evaluation episodes per (architecture, seed), the same "
               "starts for every architecture. Timings: one thread, measured once per architecture after the sweep (" +
               std::to_string(c.timing_steps) + " training steps, " + std::to_string(c.timing_queries) +
               " batch-1 queries); they vary from run to run, the scores do not. Success is `" + r.env_id + "`'s rule: " +
               spec.success + ".";
    finish_section(out, opt, md, budgets, "architectures.gp", {"architectures.png"});
    return out;
}

ExperimentResult run_architectures(const ExperimentOptions& opt) {
    return measured_run(opt, [](const ExperimentOptions& o) { return measure_architectures(o); }, report_architectures);
}

}  // namespace imitate::experiments
