// Experiment 4, multimodal demonstrations: when one observation has two valid actions, BC with MSE learns
// their average, an action nobody demonstrated; heads that model a distribution (algorithms/heads/: Gaussian
// mixture, tokens, CVAE, diffusion) pick one of the valid actions instead. Two settings, every head in both:
//  (a) the toy: obs uniform in [−1,1]^S, action ±1 with probability ½ independently of obs, so E[a | s] = 0 is
//      MSE's optimum everywhere. Each head's sampled actions on fresh observations are scored by
//      evaluate_modes: the fraction within eps of ±1 (valid) and the share of +1 among them (mode balance).
//  (b) the point mass (envs/point_mass.hpp): an obstacle between start and goal, demonstrations that pass it
//      on the left or the right at random. BC per head and chunk length H (the same budget for all), then
//      rollouts from seeded starts: success (Wilson 95%, pooled over seeds), collisions, the side each passed.
//      --env runs (b) on another environment with an expert (e.g. push, whose expert goes round an obstacle
//      on a side drawn per episode): success, and episodes the env ended without success; no sides or paths.
// Heads are entries of one list, heads(); a head contributes a table row per way of reading it out (the CVAE
// with z sampled or z = 0, diffusion with DDPM or DDIM). A new head is one more entry.
//
// multimodal.csv: bin_lo, bin_hi, bin_center, data_count, data_fraction, then <row>_count, <row>_fraction per
//   row (histograms of the toy's sampled actions, pooled over seeds; values outside [lo, hi) in the edge bins).
// multimodal_point_mass.csv (part (b) whatever the env): H, row (0-based, the table's order), successes, episodes, success, lo, hi, success_std (over seeds), collision (the env ended
//   the episode without success), and on point_mass left, right (fractions of all episodes; a collision before
//   the obstacle's height passes neither side).
// multimodal_point_mass_seeds.csv: H, row, seed, success, collision (, left, right): one line per (H, row, seed).
// multimodal_paths_H<H>.csv (point_mass only): panel (0 the expert's demonstrations, r + 1 row r), seed, episode, t, x, y, outcome
//   (1 goal, 2 collision, 0 time limit); episodes separated by a blank line (gnuplot's line breaks).
#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "algorithms/bc.hpp"
#include "algorithms/evaluate.hpp"
#include "algorithms/experiments/experiments.hpp"
#include "algorithms/experiments/report.hpp"
#include "envs/point_mass.hpp"

namespace imitate::experiments {

struct MultimodalConfig {
    // (a) the toy; gradient steps are per head (heads() below): they converge at different speeds
    int obs_dim = 3;                  // S of the toy observations
    int rows = 2000;                  // training rows per seed
    int episode_len = 100;            // rows per episode (episode_ends every episode_len rows)
    int test_rows = 1000;             // fresh observations each head is scored on, per seed
    double eps = 0.1;                 // a sampled action is valid within eps of +1 or −1
    int bins = 31;                    // histogram bins of width 0.1 over [lo, hi), centred on 0 and ±1
    double lo = -1.55, hi = 1.55;     // histogram range
    // (b) the point mass (or --env); the same budget for every head
    int pm_demos = 50;                // expert demonstrations per seed (point mass: about 35 steps each)
    long pm_steps = 3000;             // gradient steps per head
    std::vector<int> pm_chunks{1, 8};  // H values: actions per query, executed open loop (a policy per H)
    int pm_eval = 100;                // evaluation episodes per (seed, row), the same seeded starts for every row
    int pm_paths = 10;                // paths per (seed, row) drawn in the plot
    // both
    std::vector<int> hidden{64, 64};  // hidden widths
    int batch = 256;                  // minibatch size
    float lr = 1e-3f;                 // Adam learning rate
    bool quick = false;               // use each head's quick toy budget
};

static MultimodalConfig multimodal_config(bool quick) {
    MultimodalConfig c;
    if (quick) {
        c.rows = 1000;
        c.test_rows = 500;
        c.pm_demos = 20;
        c.pm_steps = 1000;
        c.pm_chunks = {4};
        c.pm_eval = 30;
        c.quick = true;
    }
    return c;
}

// ------------------------------------------------------------------ the toy and its scoring (public API)
Dataset make_bimodal_toy(int rows, int obs_dim, int episode_len, uint64_t seed) {
    if (rows < 1 || obs_dim < 1 || episode_len < 1)
        throw std::invalid_argument("bimodal toy: rows, obs_dim and episode_len must be >= 1 (got " + std::to_string(rows) +
                                    ", " + std::to_string(obs_dim) + ", " + std::to_string(episode_len) + ")");
    Rng rng(seed);
    Dataset d;
    d.observations.resize(rows, obs_dim);
    d.actions.resize(rows, 1);
    d.states = MatD::Zero(rows, 2);  // no pendulum state behind the toy
    d.rewards.assign(rows, 0.0f);
    d.terminations.assign(rows, 0);
    d.truncations.assign(rows, 0);
    for (int i = 0; i < rows; ++i) {
        for (int j = 0; j < obs_dim; ++j) d.observations(i, j) = static_cast<float>(rng.uniform(-1, 1));
        d.actions(i, 0) = rng.uniform() < 0.5 ? 1.0f : -1.0f;
    }
    for (int end = episode_len; ; end += episode_len) {
        const int e = std::min(end, rows);
        d.episode_ends.push_back(e);
        d.truncations[e - 1] = 1;
        if (e == rows) break;
    }
    d.validate("bimodal toy");
    return d;
}

Mat toy_observations(int rows, int obs_dim, uint64_t seed) {
    Rng rng(seed);
    Mat x(rows, obs_dim);
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < obs_dim; ++j) x(i, j) = static_cast<float>(rng.uniform(-1, 1));
    return x;
}

ActionSampler policy_sampler(const Policy& policy) {
    auto p = std::make_shared<Policy>(policy);
    auto scratch = std::make_shared<PolicyScratch>();
    return [p, scratch](const Mat& obs, Mat& out, Rng& rng) { p->predict(obs, out, *scratch, rng); };
}

ModeStats evaluate_modes(const ActionSampler& sample, const Mat& obs, Rng& rng, double eps) {
    if (!(eps > 0)) throw std::invalid_argument("evaluate_modes: eps must be > 0");
    Mat out;
    sample(obs, out, rng);
    if (out.rows() != obs.rows() || out.cols() < 1)
        throw std::invalid_argument("evaluate_modes: sampler returned shape " + shape_str(out) + ", expected (" +
                                    std::to_string(obs.rows()) + ",>=1)");
    ModeStats m;
    m.n = out.rows();
    long valid = 0, plus = 0;
    double sum = 0;
    for (long i = 0; i < m.n; ++i) {
        const double a = out(i, 0);
        m.actions.push_back(a);
        sum += a;
        const bool near_plus = std::abs(a - 1.0) < eps, near_minus = std::abs(a + 1.0) < eps;
        valid += near_plus || near_minus;
        plus += near_plus;
    }
    m.mean_action = m.n ? sum / m.n : 0.0;
    double sq = 0;
    for (double a : m.actions) sq += (a - m.mean_action) * (a - m.mean_action);
    m.std_action = m.n ? std::sqrt(sq / m.n) : 0.0;
    m.valid_fraction = m.n ? double(valid) / m.n : 0.0;
    m.mode_balance = valid ? double(plus) / valid : std::nan("");
    return m;
}

// ------------------------------------------------------------------ heads under test
// One way of drawing actions from a trained head: one table row.
struct Readout {
    std::string key, label;          // CSV / numbers key, and the name in tables and plots
    bool sample = true;              // Policy::predict with an rng (a draw) or without (the head's deterministic decode)
    Sampler sampler = Sampler::DDPM;  // diffusion only
};

struct HeadUnderTest {
    HeadConfig head;               // the head, its other settings at their defaults
    long toy_steps, toy_steps_quick;  // gradient steps on the toy, full and --quick
    std::vector<Readout> rows;     // its table rows
};

// The heads compared. Another head is one more entry.
static std::vector<HeadUnderTest> heads() {
    return {
        {HeadConfig{.kind = HeadKind::MSE}, 1000, 300, {{"mse", "BC (MSE)"}}},
        {HeadConfig{.kind = HeadKind::GMM}, 1500, 800, {{"gmm", "GMM (K = 5), sampled"}}},
        {HeadConfig{.kind = HeadKind::Tokens}, 1000, 600, {{"tokens", "tokens (64 bins), sampled τ = 1"}}},
        {HeadConfig{.kind = HeadKind::CVAE}, 3000, 1500, {{"cvae", "CVAE, z sampled from N(0, I)"}, {"cvae_z0", "CVAE, z = 0", false}}},
        {HeadConfig{.kind = HeadKind::Diffusion}, 3000, 2500,
         {{"diffusion", "diffusion, DDPM (50 steps)"}, {"diffusion_ddim", "diffusion, DDIM (10 steps)", true, Sampler::DDIM}}},
    };
}

static BCConfig bc_config(const HeadUnderTest& h, long steps, bool normalize, uint64_t seed, const MultimodalConfig& c) {
    BCConfig bc;
    bc.steps = steps;
    bc.hidden = c.hidden;
    bc.batch = c.batch;
    bc.lr = c.lr;
    bc.normalize = normalize;
    bc.seed = seed;
    bc.head = h.head;
    return bc;
}

// The policy as the readout draws from it: its sampler set (diffusion). Copies, so the caller owns it.
static Policy readout_policy(Policy p, const Readout& r) {
    p.cfg.head.sampler = r.sampler;
    return p;
}

// The toy's sampler for a readout: a draw, or the deterministic decode (drawing nothing).
static ActionSampler readout_sampler(const Policy& p, const Readout& r) {
    if (r.sample) return policy_sampler(readout_policy(p, r));
    auto q = std::make_shared<Policy>(p);
    auto scratch = std::make_shared<PolicyScratch>();
    return [q, scratch](const Mat& obs, Mat& out, Rng&) { q->predict(obs, out, *scratch); };
}

// The numbers prefix of a point-mass row: pm_H<H>_<row key>.
static std::string pm_key(int H, const std::string& key) { return "pm_H" + std::to_string(H) + "_" + key; }

static int bin_of(double a, const MultimodalConfig& c) {
    const int b = static_cast<int>(std::floor((a - c.lo) / (c.hi - c.lo) * c.bins));
    return std::clamp(b, 0, c.bins - 1);
}

// One (row, seed) of rollouts: counts, and the first few paths for the plot (point mass: the states are positions).
struct PathStats {
    int episodes = 0, successes = 0, collisions = 0, left = 0, right = 0;
    std::vector<MatD> shown;  // (T_i+1,2): the start, then the position after every step
    std::vector<int> outcome;  // per shown path: 1 goal, 2 collision, 0 time limit
};
// Collisions: episodes the env terminated without success (the point mass: the obstacle). Sides (passing_side)
// only on the point mass (`sides`); paths kept only then.
static PathStats path_stats(const std::vector<Episode>& eps, int keep, bool sides) {
    PathStats p;
    for (const Episode& e : eps) {
        ++p.episodes;
        p.successes += e.success;
        const bool collided = e.terminated && !e.success;
        p.collisions += collided;
        if (!sides) continue;
        const int side = passing_side(e.states, e.final_state);
        p.left += side < 0;
        p.right += side > 0;
        if (static_cast<int>(p.shown.size()) < keep) {
            MatD path(e.length() + 1, 2);
            path.topRows(e.length()) = e.states.leftCols(2);
            path(e.length(), 0) = e.final_state.at(0), path(e.length(), 1) = e.final_state.at(1);
            p.shown.push_back(std::move(path));
            p.outcome.push_back(e.success ? 1 : collided ? 2 : 0);
        }
    }
    return p;
}

// ------------------------------------------------------------------ the experiment
ExperimentResult run_multimodal(const ExperimentOptions& opt) {
    check_options(opt);
    Timer timer;
    const MultimodalConfig c = multimodal_config(opt.quick);
    const std::vector<HeadUnderTest> hs = heads();
    std::vector<Readout> rows;  // every head's rows, in table order
    std::vector<int> row_head;  // the head behind each row
    for (size_t h = 0; h < hs.size(); ++h)
        for (const Readout& r : hs[h].rows) rows.push_back(r), row_head.push_back(static_cast<int>(h));
    const int S = opt.seeds, NH = static_cast<int>(hs.size()), NR = static_cast<int>(rows.size());
    const EnvEntry& entry = experiment_env(opt, "multimodal", "point_mass");
    const std::unique_ptr<Env> env_ptr = entry.make();
    const Env& env = *env_ptr;
    const EnvSpec& spec = env.spec();
    const bool point_mass = entry.id == "point_mass";  // sides and paths are the point mass's
    const ExpertEntry& demo_expert = demonstrator(entry);
    const std::shared_ptr<const Expert> expert_ptr = shared_expert(demo_expert);
    float act_low = spec.act_low.at(0), act_high = spec.act_high.at(0);  // the heads' one range: the widest
    for (int a = 1; a < spec.act_dim; ++a) act_low = std::min(act_low, spec.act_low[a]), act_high = std::max(act_high, spec.act_high[a]);
    ExperimentResult r;
    r.name = "multimodal";
    log(opt, "multimodal: " + std::to_string(NH) + " heads (" + std::to_string(NR) + " rows) × " + std::to_string(S) +
                 " seeds, on the toy and on " + entry.id + " (expert " + demo_expert.name + ")");

    // 1. per seed: the toy's training set and fresh test observations, the point mass's expert demonstrations
    //    (shared by all heads: a paired comparison)
    std::vector<Dataset> toy(S), demos(S);
    std::vector<Mat> test(S);
    std::vector<PathStats> expert(S);
    for (int s = 0; s < S; ++s) {
        const uint64_t base = derive_seed(opt.seed, static_cast<uint64_t>(s));
        toy[s] = make_bimodal_toy(c.rows, c.obs_dim, c.episode_len, derive_seed(base, 1));
        test[s] = toy_observations(c.test_rows, c.obs_dim, derive_seed(base, 2));
        RolloutConfig pc;
        pc.episodes = c.pm_demos;
        pc.seed = derive_seed(base, 3);
        const std::vector<Episode> eps = rollout_expert(env, expert_ptr, pc);
        demos[s].env = spec.identity();
        demos[s].seeds = {pc.seed};
        for (const Episode& e : eps) demos[s].append(e, Labels::Actions);
        demos[s].validate("multimodal: " + entry.id + " demonstrations");
        expert[s] = path_stats(eps, c.pm_paths, point_mass);
    }

    // 2. one job per (head, seed) on the toy and per (H, head, seed) on the point mass: train, then score
    //    every row of the head. Point-mass jobs first (training and rollouts: the longest), slowest heads first.
    const int NC = static_cast<int>(c.pm_chunks.size()), n_pm = NC * NH * S;
    std::vector<ModeStats> modes(static_cast<size_t>(NR * S));       // index row·S + seed
    std::vector<PathStats> paths(static_cast<size_t>(NC * NR * S));  // index (chunk·NR + row)·S + seed
    run_jobs(n_pm + NH * S, [&](int j) {
        const bool env_job = j < n_pm;
        const int k = env_job ? j : j - n_pm, ci = k / (NH * S), h = NH - 1 - k % (NH * S) / S, s = k % S;
        const uint64_t base = derive_seed(opt.seed, static_cast<uint64_t>(s));
        const uint64_t job_seed = derive_seed(opt.seed, (env_job ? 2000 + 1000 * ci : 1000) + static_cast<uint64_t>(h * S + s));
        if (!env_job) {
            const long steps = c.quick ? hs[h].toy_steps_quick : hs[h].toy_steps;
            const Policy pi = train_bc(toy[s], bc_config(hs[h], steps, false, derive_seed(job_seed, 1), c)).policy;
            for (int q = 0; q < NR; ++q)
                if (row_head[q] == h) {
                    Rng rng(derive_seed(job_seed, 2 + static_cast<uint64_t>(q)));
                    modes[q * S + s] = evaluate_modes(readout_sampler(pi, rows[q]), test[s], rng, c.eps);
                }
            return;
        }
        BCConfig bc = bc_config(hs[h], c.pm_steps, true, derive_seed(job_seed, 1), c);
        bc.chunk = c.pm_chunks[ci];          // windows at every index, padding past an episode's end masked
        bc.head.low = act_low, bc.head.high = act_high;  // the env's action range (tokens' bins, diffusion's clip)
        const Policy pi = train_bc(demos[s], bc).policy;
        for (int q = 0; q < NR; ++q)
            if (row_head[q] == h) {
                const Policy p = readout_policy(pi, rows[q]);
                RolloutConfig pc;
                pc.episodes = c.pm_eval;
                pc.chunk = bc.chunk;
                pc.seed = derive_seed(base, 4);  // held-out starts, the same for every row and H
                const BatchPolicy act = rows[q].sample ? p.as_sampling_policy(derive_seed(job_seed, 2 + static_cast<uint64_t>(q)))
                                                       : p.as_batch_policy();
                paths[(ci * NR + q) * S + s] = path_stats(rollout(env, act, pc), c.pm_paths, point_mass);
            }
    });

    // 3. (a) histograms pooled over seeds: the data's actions and each row's samples
    Csv csv;
    csv.header = {"bin_lo", "bin_hi", "bin_center", "data_count", "data_fraction"};
    for (const auto& q : rows) csv.header.insert(csv.header.end(), {q.key + "_count", q.key + "_fraction"});
    std::vector<std::vector<double>> counts(NR + 1, std::vector<double>(c.bins, 0.0));
    double n_data = 0;
    std::vector<double> n_row(NR, 0.0);
    for (int s = 0; s < S; ++s)
        for (Eigen::Index i = 0; i < toy[s].actions.rows(); ++i, ++n_data) counts[0][bin_of(toy[s].actions(i, 0), c)] += 1;
    for (int q = 0; q < NR; ++q)
        for (int s = 0; s < S; ++s)
            for (double a : modes[q * S + s].actions) counts[q + 1][bin_of(a, c)] += 1, n_row[q] += 1;
    const double w = (c.hi - c.lo) / c.bins;
    for (int b = 0; b < c.bins; ++b) {
        std::vector<double> row{c.lo + b * w, c.lo + (b + 1) * w, c.lo + (b + 0.5) * w, counts[0][b], counts[0][b] / n_data};
        for (int q = 0; q < NR; ++q) row.insert(row.end(), {counts[q + 1][b], counts[q + 1][b] / n_row[q]});
        csv.rows.push_back(row);
    }
    write_output(r, opt, "multimodal.csv", csv.str());

    // 4. (a) per row: mean ± std over seeds of valid fraction, mode balance, mean and spread of the actions
    Table t{{"actions from", "toy gradient steps", "valid (within 0.1 of ±1)", "mode balance (+1 among valid)", "mean action",
             "std of actions"},
            {}};
    {
        // The data itself, as the reference row (valid by construction).
        std::vector<double> bal, mean, sd;
        for (int s = 0; s < S; ++s) {
            const Mat& a = toy[s].actions;
            const double m = a.cast<double>().mean();
            bal.push_back((a.array() > 0).cast<double>().mean());
            mean.push_back(m);
            sd.push_back(std::sqrt((a.cast<double>().array() - m).square().mean()));
        }
        t.rows.push_back({"demonstrations", "—", "100.0%", pm(stats_of(bal).mean, stats_of(bal).std, 3),
                          pm(stats_of(mean).mean, stats_of(mean).std, 3), pm(stats_of(sd).mean, stats_of(sd).std, 3)});
    }
    std::string meets, misses;  // rows that meet / miss the aim: >= 95% valid, balance in [0.4, 0.6]
    for (int q = 0; q < NR; ++q) {
        std::vector<double> valid, bal, mean, sd;
        for (int s = 0; s < S; ++s) {
            const ModeStats& m = modes[q * S + s];
            valid.push_back(m.valid_fraction);
            if (std::isfinite(m.mode_balance)) bal.push_back(m.mode_balance);
            mean.push_back(m.mean_action);
            sd.push_back(m.std_action);
        }
        const Stats v = stats_of(valid), b = stats_of(bal), me = stats_of(mean), sa = stats_of(sd);
        const std::string k = rows[q].key;
        r.numbers[k + "_valid_fraction"] = v.mean;
        r.numbers[k + "_valid_fraction_std"] = v.std;
        r.numbers[k + "_mode_balance"] = b.n ? b.mean : std::nan("");
        r.numbers[k + "_mode_balance_std"] = b.n ? b.std : std::nan("");
        r.numbers[k + "_mean_action"] = me.mean;
        r.numbers[k + "_mean_action_std"] = me.std;
        r.numbers[k + "_std_action"] = sa.mean;
        const long steps = c.quick ? hs[row_head[q]].toy_steps_quick : hs[row_head[q]].toy_steps;
        t.rows.push_back({rows[q].label, std::to_string(steps), num(100 * v.mean, 2) + "% ± " + num(100 * v.std, 2),
                          b.n ? pm(b.mean, b.std, 3) + " (" + std::to_string(b.n) + (b.n == 1 ? " seed)" : " seeds)") : "— (none valid)",
                          pm(me.mean, me.std, 3), pm(sa.mean, sa.std, 3)});
        const bool ok = v.mean >= 0.95 && b.n == S && b.mean >= 0.4 && b.mean <= 0.6;
        (ok ? meets : misses) += std::string((ok ? meets : misses).empty() ? "" : ", ") + rows[q].label + " (" +
                                 num(100 * v.mean, 1) + "%" + (b.n ? ", " + num(b.mean, 3) : std::string()) + ")";
    }
    r.table = t.text();

    // 5. (b) per (H, row): point-mass success pooled over seeds (Wilson), per-seed spread, collisions, sides
    // Sides (left, right) only on the point mass; elsewhere "collision" is an episode the env ended without success.
    Csv pm_csv{{"H", "row", "successes", "episodes", "success", "lo", "hi", "success_std", "collision"}, {}};
    Csv pm_seeds{{"H", "row", "seed", "success", "collision"}, {}};
    Table pt{{"policy", "H", "success [Wilson 95%]", "success per seed (mean ± std)",
              point_mass ? "collision" : "ended early without success"}, {}};
    if (point_mass) {
        pm_csv.header.insert(pm_csv.header.end(), {"left", "right"});
        pm_seeds.header.insert(pm_seeds.header.end(), {"left", "right"});
        pt.header.insert(pt.header.end(), {"passed left", "passed right"});
    }
    // Adds numbers pm_<key>_*, a table row and returns the CSV values successes .. right.
    auto add_pm_row = [&](const std::string& label, const std::string& H, const std::string& key,
                          const std::vector<PathStats>& per_seed) {
        PathStats all;
        std::vector<double> rates;
        for (const PathStats& p : per_seed) {
            all.episodes += p.episodes, all.successes += p.successes, all.collisions += p.collisions;
            all.left += p.left, all.right += p.right;
            rates.push_back(double(p.successes) / p.episodes);
        }
        const auto [lo, hi] = wilson_interval(all.successes, all.episodes);
        const double n = all.episodes, rate = all.successes / n;
        const Stats sr = stats_of(rates);
        std::vector<std::pair<std::string, double>> values{
            {"success", rate}, {"lo", lo}, {"hi", hi}, {"success_std", sr.std}, {"collision", all.collisions / n}};
        std::vector<std::string> cells{label, H, pct_ci(rate, lo, hi), pm(100 * sr.mean, 100 * sr.std, 1) + "%",
                                       num(100 * all.collisions / n, 1) + "%"};
        std::vector<double> out{double(all.successes), n, rate, lo, hi, sr.std, all.collisions / n};
        if (point_mass) {
            values.insert(values.end(), {{"left", all.left / n}, {"right", all.right / n}});
            cells.insert(cells.end(), {num(100 * all.left / n, 1) + "%", num(100 * all.right / n, 1) + "%"});
            out.insert(out.end(), {all.left / n, all.right / n});
        }
        for (const auto& [name, v] : values) r.numbers[key + "_" + name] = v;
        pt.rows.push_back(cells);
        return out;
    };
    add_pm_row("expert (demonstrator)", "1", "pm_expert", expert);
    for (int ci = 0; ci < NC; ++ci) {
        const int H = c.pm_chunks[ci];
        for (int q = 0; q < NR; ++q) {
            const auto first = paths.begin() + (ci * NR + q) * S;
            const std::vector<PathStats> per_seed(first, first + S);
            std::vector<double> row{double(H), double(q)};
            const std::vector<double> v = add_pm_row(rows[q].label, std::to_string(H), pm_key(H, rows[q].key), per_seed);
            row.insert(row.end(), v.begin(), v.end());
            pm_csv.rows.push_back(row);
            for (int s = 0; s < S; ++s) {
                const PathStats& p = per_seed[s];
                const double n = p.episodes;
                pm_seeds.rows.push_back({double(H), double(q), double(s), p.successes / n, p.collisions / n});
                if (point_mass) pm_seeds.rows.back().insert(pm_seeds.rows.back().end(), {p.left / n, p.right / n});
            }
        }
    }
    write_output(r, opt, "multimodal_point_mass.csv", pm_csv.str());
    write_output(r, opt, "multimodal_point_mass_seeds.csv", pm_seeds.str());
    r.table += "\n" + pt.text();

    // The paths drawn (point mass only), per H: panel 0 the demonstrations, panel q + 1 row q; a blank line ends
    // each episode.
    std::vector<std::string> path_csvs(NC, "panel,seed,episode,t,x,y,outcome\n");
    auto add_paths = [&](std::string& out, int panel, int s, const PathStats& p) {
        for (size_t e = 0; e < p.shown.size(); ++e) {
            const MatD& path = p.shown[e];
            Csv block{{"panel", "seed", "episode", "t", "x", "y", "outcome"}, {}};
            for (Eigen::Index i = 0; i < path.rows(); ++i)
                block.rows.push_back({double(panel), double(s), double(e), double(i), path(i, 0), path(i, 1), double(p.outcome[e])});
            const std::string text = block.str();
            out += text.substr(text.find('\n') + 1) + "\n";
        }
    };
    for (int ci = 0; ci < NC && point_mass; ++ci) {
        for (int s = 0; s < S; ++s) add_paths(path_csvs[ci], 0, s, expert[s]);
        for (int q = 0; q < NR; ++q)
            for (int s = 0; s < S; ++s) add_paths(path_csvs[ci], q + 1, s, paths[(ci * NR + q) * S + s]);
        write_output(r, opt, "multimodal_paths_H" + std::to_string(c.pm_chunks[ci]) + ".csv", path_csvs[ci]);
    }

    // 6. plots: one histogram panel per row over the demonstrated actions; one path panel per row
    const int cols = 4, panels = NR + 1, prow = (panels + cols - 1) / cols;
    std::string gp = gnuplot_preamble("multimodal.png", 1400, 330 * prow);
    gp += "set multiplot layout " + std::to_string(prow) + "," + std::to_string(cols) +
          " title 'Toy with two valid actions (±1) per observation: sampled actions per head, pooled over " +
          std::to_string(S) + " seeds (blue: the demonstrations)'\n"
          "set style fill transparent solid 0.5 border -1\n"
          "set boxwidth " + num(w, 4) + " absolute\n"
          "set xrange [" + num(c.lo, 2) + ":" + num(c.hi, 2) + "]\nset yrange [0:0.65]\n"
          "set xlabel 'action a'\nset ylabel 'fraction per bin'\nunset key\n"
          "set arrow 1 from -1, graph 0 to -1, graph 1 nohead dt 2 lc rgb '#555555'\n"
          "set arrow 2 from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb '#555555'\n";
    const std::string xc = std::to_string(csv.col("bin_center"));
    const std::string data = "'multimodal.csv' skip 1 using " + xc + ":" + std::to_string(csv.col("data_fraction")) +
                             " with boxes lc rgb '#1f77b4'";
    gp += "set title 'demonstrations'\nplot " + data + "\n";
    for (int q = 0; q < NR; ++q)
        gp += "set title '" + rows[q].label + ": " + num(100 * r.numbers[rows[q].key + "_valid_fraction"], 1) + "% valid'\n"
              "plot " + data + ", '' skip 1 using " + xc + ":" + std::to_string(csv.col(rows[q].key + "_fraction")) +
              " with boxes lc rgb '#d62728'\n";
    gp += "unset multiplot\n";
    write_output(r, opt, "multimodal.gp", gp);
    render_plots(r, opt, "multimodal.gp", {"multimodal.png"});

    const PointMassConfig pmc;  // the point mass's geometry, for the path plots
    std::vector<std::string> pngs{"multimodal.png"};
    std::string pg;
    for (int ci = 0; ci < NC && point_mass; ++ci) {
        const std::string H = std::to_string(c.pm_chunks[ci]), name = "multimodal_paths_H" + H;
        pngs.push_back(name + ".png");
        pg += gnuplot_preamble(name + ".png", 1400, 420 * prow);
        pg += "set multiplot layout " + std::to_string(prow) + "," + std::to_string(cols) + " title 'Point mass, H = " + H +
              " actions per query: " + std::to_string(c.pm_paths) + " paths per seed and policy (green: goal, red: collision, "
              "grey: time limit)'\n"
              "set size ratio -1\nset xrange [-1.6:1.6]\nset yrange [-0.2:3.4]\nunset key\nset xlabel 'x'\nset ylabel 'y'\n"
              "set object 1 circle at " + num(pmc.obstacle_x, 2) + "," + num(pmc.obstacle_y, 2) + " size " +
              num(pmc.obstacle_radius, 2) + " fc rgb '#999999' fs solid 0.6 noborder\n"
              "set object 2 circle at " + num(pmc.goal_x, 2) + "," + num(pmc.goal_y, 2) + " size " + num(pmc.goal_radius, 2) +
              " fc rgb '#2ca02c' fs transparent solid 0.2 border lc rgb '#2ca02c'\n";
        for (int panel = 0; panel < panels; ++panel) {
            const std::string title =
                panel == 0 ? "expert demonstrations: " + num(100 * r.numbers["pm_expert_success"], 1) + "%"
                           : rows[panel - 1].label + ": " +
                                 num(100 * r.numbers[pm_key(c.pm_chunks[ci], rows[panel - 1].key) + "_success"], 1) + "%";
            pg += "set title '" + title + "'\nplot ";
            const char* color[3] = {"#888888", "#2ca02c", "#d62728"};
            for (int o = 0; o < 3; ++o)
                pg += std::string(o ? ", " : "") + "'" + name + ".csv' skip 1 using (($1 == " + std::to_string(panel) +
                      " && $7 == " + std::to_string(o) + ") ? $5 : NaN):6 with lines lw 1 lc rgb '" + color[o] + "'";
            pg += "\n";
        }
        pg += "unset multiplot\nunset object 1\nunset object 2\n";
    }
    if (point_mass) {
        write_output(r, opt, "multimodal_paths.gp", pg);
        ExperimentResult paths_plot;  // render_plots records into a result: merge its file list below
        paths_plot.name = r.name;
        render_plots(paths_plot, opt, "multimodal_paths.gp", std::vector<std::string>(pngs.begin() + 1, pngs.end()));
        r.files.insert(r.files.end(), paths_plot.files.begin(), paths_plot.files.end());
        r.plotted = r.plotted && paths_plot.plotted;
    }

    // 7. the report section, with the computed numbers
    auto pct = [&](const std::string& key) { return num(100 * r.numbers[key], 1) + "%"; };
    auto pm_ci = [&](const std::string& key) {
        return pct_ci(r.numbers[key + "_success"], r.numbers[key + "_lo"], r.numbers[key + "_hi"]);
    };
    const double vf = r.numbers["mse_valid_fraction"], ma = r.numbers["mse_mean_action"], sa = r.numbers["mse_std_action"];
    std::string md = "## 4. Multimodal demonstrations: MSE averages the modes, distributional heads pick one (toy, `" +
                     entry.id + "`)\n\n";
    md += "**(a) The toy.** Every observation (uniform in [−1, 1]^" + std::to_string(c.obs_dim) + ", " +
          std::to_string(c.rows) + " rows per seed) was demonstrated with two equally likely actions, +1 and −1. "
          "The MSE loss is minimised by the conditional mean E[a | s] = 0, an action no demonstrator took, and BC "
          "finds it: over " + std::to_string(S) + " seeds × " + std::to_string(c.test_rows) +
          " fresh observations its predictions have mean " + pm(ma, r.numbers["mse_mean_action_std"], 3) +
          " and spread " + num(sa, 3) + ", and " + num(100 * vf, 2) + "% ± " + num(100 * r.numbers["mse_valid_fraction_std"], 2) +
          " of them lie within " + num(c.eps, 1) + " of a valid action (the demonstrations: 100%). Heads that model "
          "the distribution sample one of the two instead. Rows meeting the aim (≥ 95% valid, mode balance — the "
          "share of +1 among valid samples — in [0.4, 0.6]): " + (meets.empty() ? "none" : meets) + ". Missing it: " +
          (misses.empty() ? "none" : misses) + ". The CVAE's posteriors overlap near z = 0, where its decoder "
          "returns in-between actions, and its z = 0 readout is a deterministic average like MSE's.\n\n";
    md += t.markdown() + "\n";
    if (point_mass)
        md += "**(b) The point mass** (`point_mass`, `envs/point_mass.hpp`): start near (0, 0), goal (0, 3), a disc "
              "obstacle of radius " + num(pmc.obstacle_radius, 1) + " at (0, 1.5) in the way. The expert goes straight up "
              "to a fork at y = 0.6, then round the left or the right with probability ½ per episode (" +
              pct("pm_expert_left") + " left in these demonstrations, " + pct("pm_expert_success") + " success); at "
              "the fork the two valid velocities are (±0.71, 0.71) and their average, (0, 0.71), points at the obstacle.";
    else
        md += "**(b) The environment `" + entry.id + "`** with its expert `" + demo_expert.name + "` (" +
              demo_expert.about + "; " + pct("pm_expert_success") + " success in these demonstrations). Success is the "
              "env's rule (" + spec.success + "); \"ended early\" counts episodes the env terminated without success. "
              "Which way an episode went is not measured here (the point mass's passing side has no general "
              "counterpart), and no paths are drawn.";
    md += " BC with each head on the same " +
          std::to_string(c.pm_demos) + " demonstrations per seed and the same budget, for each chunk length H (H "
          "actions per query, executed open loop; sampled heads draw a fresh chunk at every query), then " +
          std::to_string(c.pm_eval) + " rollouts per seed from held-out starts.";
    for (int ci = 0; ci < NC; ++ci) {
        const int H = c.pm_chunks[ci];
        const std::string mse = pm_key(H, "mse");
        std::string above, below;  // rows whose success interval lies wholly above / below MSE's at this H
        for (int q = 0; q < NR; ++q) {
            const std::string k = pm_key(H, rows[q].key), item = rows[q].label + " (" + pm_ci(k) + ")";
            if (r.numbers[k + "_lo"] > r.numbers[mse + "_hi"]) above += (above.empty() ? "" : ", ") + item;
            if (r.numbers[k + "_hi"] < r.numbers[mse + "_lo"]) below += (below.empty() ? "" : ", ") + item;
        }
        md += " At H = " + std::to_string(H) + " MSE " + (point_mass ? "reaches the goal in " : "succeeds in ") + pm_ci(mse) + " of episodes and " +
              (point_mass ? "collides in " : "ends early without success in ") + pct(mse + "_collision") + "; rows whose Wilson interval lies wholly above MSE's: " +
              (above.empty() ? "none" : above) + "; wholly below: " + (below.empty() ? "none" : below) + ".";
    }
    if (point_mass)
        md += " Why MSE does not always crash: the observation is the position, and once a path leaves the centre line "
              "the data there belong to one side only, so MSE's interpolation between the two branches pushes a path that "
              "is slightly off centre further off; with H = 1 this feedback acts every step, with long open-loop chunks "
              "the averaged plan is executed blind.";
    md += " The token head's categoricals are independent per chunk element, so with H > 1 a sampled chunk can mix "
          "the two " + std::string(point_mass ? "sides" : "modes") + "; the mixture, the CVAE and diffusion generate "
          "the chunk jointly.\n\n";
    md += pt.markdown() + "\n";
    const std::string budgets =
        "Both settings: MLP " + std::to_string(c.hidden[0]) + "," + std::to_string(c.hidden[1]) + ", batch " +
        std::to_string(c.batch) + ", Adam lr " + num(c.lr, 4) + "; heads at their defaults (GMM K = 5, 64 tokens, "
        "CVAE latent 8 and β 0.1, diffusion 50 DDPM / 10 DDIM steps). Toy: " + std::to_string(c.rows) +
        " training rows per seed in episodes of " + std::to_string(c.episode_len) + ", gradient steps per head as in "
        "the table, " + std::to_string(c.test_rows) + " test observations; ± is the std over seeds; histograms of " +
        std::to_string(c.bins) + " bins on [" + num(c.lo, 2) + ", " + num(c.hi, 2) + ") pooled over seeds. " +
        (point_mass ? std::string("Point mass") : "`" + entry.id + "`") + ": " +
        std::to_string(c.pm_demos) + " expert episodes per seed, normalised observations and actions, " +
        std::to_string(c.pm_steps) + " gradient steps for every head and H (windows at every index, padding masked), " +
        std::to_string(c.pm_eval) +
        " evaluation episodes per (seed, row), Wilson 95% over the " + std::to_string(S * c.pm_eval) + " pooled episodes.";
    md += "\n" + section_footer(r, opt, budgets, "multimodal.gp", pngs);
    r.markdown = md;
    write_output(r, opt, "multimodal.md", md);
    r.wall_seconds = timer.wall();
    r.cpu_seconds = timer.cpu();
    return r;
}

}  // namespace imitate::experiments
