// Experiment 4, multimodal demonstrations: when one observation has two valid actions, BC with MSE learns
// their average, an action nobody demonstrated; heads that model a distribution (algorithms/heads/: Gaussian
// mixture, tokens, CVAE, diffusion) pick one of the valid actions instead. Two settings, every head in both:
//  (a) the toy: obs uniform in [−1,1]^S, action ±1 with probability ½ independently of obs, so E[a | s] = 0 is
//      MSE's optimum everywhere. Each head's sampled actions on fresh observations are scored by
//      evaluate_modes: the fraction within eps of ±1 (valid) and the share of +1 among them (mode balance).
//  (b) the point mass (envs/point_mass.hpp): an obstacle between start and goal, demonstrations that pass it
//      on the left or the right at random. BC per head and chunk length H (the same budget for all), then
//      rollouts from held-out starts of two test distributions — the demonstrations' own start band and a
//      wider one — with the demonstrator scored on the same starts: success over training seeds (t 95%, the
//      pooled-episode Wilson figure beside it), each head against MSE as a paired per-seed difference,
//      collisions, the side each passed. --env runs (b) on another environment with an expert (e.g. push, whose
//      expert goes round an obstacle on a side drawn per episode) from the env's own reset: success, and
//      episodes the env ended without success; no sides or paths.
// measure_multimodal runs the jobs (sweep.hpp) and returns the typed result; report_multimodal writes the rest.
// The heads are the MLP rows of the head table (heads/table.def), through heads(); the transformer heads, whose
// budgets are minutes rather than seconds, are compared in experiment architectures. A head contributes a table row
// per way of reading it out (the CVAE with z sampled or z = 0, diffusion with DDPM or DDIM). A new head joins
// by its table line; its own budget and readouts are one more entry in heads().
//
// multimodal.csv: bin_lo, bin_hi, bin_center, data_count, data_fraction, then <row>_count, <row>_fraction per
//   row (histograms of the toy's sampled actions, pooled over seeds; values outside [lo, hi) in the edge bins).
// multimodal_point_mass.csv (part (b) whatever the env): test (0 the demos' band, 1 the wide band), H, row
//   (0-based, the table's order), successes, episodes (pooled), success, lo, hi (mean of per-seed rates, t 95%,
//   clamped to [0, 1]), pooled, pooled_lo, pooled_hi (Wilson 95%), success_std (over seeds), collision (the env
//   ended the episode without success), and on point_mass left, right (fractions of all episodes; a collision
//   before the obstacle's height passes neither side).
// multimodal_point_mass_seeds.csv: test, H, row, seed, success, collision (, left, right): one line per
//   (test, H, row, seed).
// multimodal_paths_H<H>.csv (point_mass only, the demos' band): panel (0 the expert's demonstrations, r + 1 row
//   r), seed, episode, t, x, y, outcome (1 goal, 2 collision, 0 time limit); episodes separated by a blank line.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>

#include "algorithms/bc.hpp"
#include "algorithms/evaluate.hpp"
#include "algorithms/experiments/experiments.hpp"
#include "algorithms/experiments/report.hpp"
#include "algorithms/experiments/scores.hpp"
#include "envs/point_mass.hpp"

namespace imitate::experiments {

MultimodalConfig multimodal_config(bool quick, const std::string& env) {
    MultimodalConfig c;
    if (env == "push") c.pm_eval = 30;  // 7 heads × 2 H × 10 seeds of 65 µs steps (experiments.hpp: budgets)
    if (quick) {
        c.rows = 1000;
        c.test_rows = 500;
        c.pm_demos = 20;
        c.pm_steps = 1000;
        c.pm_chunks = {4};
        c.pm_eval = 30;
        c.env_seeds = 0;
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
    std::string key, label;          // CSV key, and the name in tables and plots
    bool sample = true;              // Policy::predict with an rng (a draw) or without (the head's deterministic decode)
    Sampler sampler = Sampler::DDPM;  // diffusion only
};

struct HeadUnderTest {
    HeadConfig head;               // the head, its other settings at their defaults
    long toy_steps, toy_steps_quick;  // gradient steps on the toy, full and --quick
    std::vector<Readout> rows;     // its table rows
};

// The heads compared: every row of the head table, in its order. The heads below get their own budgets and
// readouts; a head not listed runs with the largest budget and one sampled readout named after it.
static std::vector<HeadUnderTest> heads() {
    static const std::map<std::string, HeadUnderTest> tuned{
        {"mse", {{}, 1000, 300, {{"mse", "BC (MSE)"}}}},
        {"gmm", {{}, 1500, 800, {{"gmm", "GMM (K = 5), sampled"}}}},
        {"tokens", {{}, 1000, 600, {{"tokens", "tokens (64 bins), sampled τ = 1"}}}},
        {"cvae", {{}, 3000, 1500, {{"cvae", "CVAE, z sampled from N(0, I)"}, {"cvae_z0", "CVAE, z = 0", false}}}},
        {"diffusion", {{}, 3000, 2500,
                       {{"diffusion", "diffusion, DDPM (50 steps)"}, {"diffusion_ddim", "diffusion, DDIM (10 steps)", true, Sampler::DDIM}}}},
    };
    std::vector<HeadUnderTest> v;
    for (const Head* row : head_table()) {
        if (row->model) continue;  // the transformer heads (ACT, the Decision Transformer): experiment architectures
        const auto t = tuned.find(row->name);
        v.push_back(t != tuned.end() ? t->second : HeadUnderTest{{}, 3000, 2500, {{row->name, std::string(row->name) + ", sampled"}}});
        v.back().head.kind = row->kind;
    }
    return v;
}

static BCConfig bc_config(const HeadUnderTest& h, long steps, bool normalize, uint64_t seed, const MultimodalConfig& c) {
    BCConfig bc;
    bc.steps = steps;
    bc.policy.hidden = c.hidden;
    bc.batch = c.batch;
    bc.lr = c.lr;
    bc.normalize = normalize;
    bc.seed = seed;
    bc.policy.head = h.head;
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

static int bin_of(double a, const MultimodalConfig& c) {
    const int b = static_cast<int>(std::floor((a - c.lo) / (c.hi - c.lo) * c.bins));
    return std::clamp(b, 0, c.bins - 1);
}

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

// A PathStats as job values: the five counts, the number of paths, then per path its rows, outcome and (x, y)s.
static void append_paths(JobValues& v, const PathStats& p) {
    v.insert(v.end(), {double(p.episodes), double(p.successes), double(p.collisions), double(p.left), double(p.right),
                       double(p.shown.size())});
    for (size_t i = 0; i < p.shown.size(); ++i) {
        v.insert(v.end(), {double(p.shown[i].rows()), double(p.outcome[i])});
        for (Eigen::Index t = 0; t < p.shown[i].rows(); ++t) v.insert(v.end(), {p.shown[i](t, 0), p.shown[i](t, 1)});
    }
}
static double value_at(const JobValues& v, size_t& pos) {
    if (pos >= v.size()) throw std::runtime_error("multimodal: job values shorter than their layout");
    return v[pos++];
}
static PathStats paths_at(const JobValues& v, size_t& pos) {
    PathStats p;
    int* counts[5] = {&p.episodes, &p.successes, &p.collisions, &p.left, &p.right};
    for (int* c : counts) *c = static_cast<int>(value_at(v, pos));
    const int shown = static_cast<int>(value_at(v, pos));
    for (int i = 0; i < shown; ++i) {
        MatD path(static_cast<Eigen::Index>(value_at(v, pos)), 2);
        p.outcome.push_back(static_cast<int>(value_at(v, pos)));
        for (Eigen::Index t = 0; t < path.rows(); ++t) path(t, 0) = value_at(v, pos), path(t, 1) = value_at(v, pos);
        p.shown.push_back(std::move(path));
    }
    return p;
}
// A ModeStats as job values: n, valid_fraction, mode_balance, mean_action, std_action, then the n actions.
static void append_modes(JobValues& v, const ModeStats& m) {
    v.insert(v.end(), {double(m.n), m.valid_fraction, m.mode_balance, m.mean_action, m.std_action});
    v.insert(v.end(), m.actions.begin(), m.actions.end());
}
static ModeStats modes_at(const JobValues& v, size_t& pos) {
    ModeStats m;
    m.n = static_cast<long>(value_at(v, pos));
    double* f[4] = {&m.valid_fraction, &m.mode_balance, &m.mean_action, &m.std_action};
    for (double* x : f) *x = value_at(v, pos);
    for (long i = 0; i < m.n; ++i) m.actions.push_back(value_at(v, pos));
    return m;
}

// ------------------------------------------------------------------ measuring
MultimodalResult measure_multimodal(const ExperimentOptions& opt) {
    const EnvEntry& entry = measured_env(opt, "multimodal", "point_mass");
    MultimodalResult r;
    r.config = multimodal_config(opt.quick, entry.id);
    const MultimodalConfig& c = r.config;
    const std::vector<HeadUnderTest> hs = heads();
    std::vector<Readout> rows;  // every head's rows, in table order
    std::vector<int> row_head;  // the head behind each row
    for (size_t h = 0; h < hs.size(); ++h)
        for (const Readout& q : hs[h].rows) {
            rows.push_back(q), row_head.push_back(static_cast<int>(h));
            r.row_keys.push_back(q.key), r.row_labels.push_back(q.label);
            r.row_toy_steps.push_back(c.quick ? hs[h].toy_steps_quick : hs[h].toy_steps);
        }
    const int S = opt.seeds, SE = c.env_seeds > 0 ? std::min(S, c.env_seeds) : S, NH = static_cast<int>(hs.size()), NR = static_cast<int>(rows.size());
    const bool point_mass = entry.id == "point_mass";  // sides, paths and the wide test band are the point mass's
    const ExpertEntry& demo_expert = demonstrator(entry);
    r.env_id = entry.id, r.expert_name = demo_expert.name, r.seeds = S, r.env_seeds = SE;
    const PointMassConfig pmc;
    r.tests = point_mass ? std::vector<std::string>{"the demonstrations' start band, x0 ~ U(±" + num(pmc.start_halfwidth, 2) + ")",
                                                    "a wider band, x0 ~ U(±" + num(c.pm_wide_halfwidth, 2) + ")"}
                         : std::vector<std::string>{"the env's reset"};
    const int NT = static_cast<int>(r.tests.size()), NC = static_cast<int>(c.pm_chunks.size());
    log(opt, "multimodal: " + std::to_string(NH) + " heads (" + std::to_string(NR) + " rows) × " + std::to_string(S) +
                 " seeds on the toy, × " + std::to_string(SE) + " seeds on " + entry.id + " (expert " + demo_expert.name + ")");

    // Seed s: the toy's data derive_seed(base, 1) and test inputs (2), the env's demonstrations (3), held-out
    // starts (4: the env's reset; 5: the wide band's x0), shared by every head and H (a paired comparison).
    auto base_of = [&](int s) { return derive_seed(opt.seed, static_cast<uint64_t>(s)); };
    auto demonstrations = [&](const Env& env, int s, std::vector<Episode>* eps_out) {
        RolloutConfig pc;
        pc.episodes = c.pm_demos;
        pc.seed = derive_seed(base_of(s), 3);
        const std::vector<Episode> eps = rollout_expert(env, shared_expert(demo_expert), pc);
        Dataset d;
        d.env = env.spec().identity();
        d.seeds = {pc.seed};
        for (const Episode& e : eps) d.append(e, Labels::Actions);
        d.validate("multimodal: " + entry.id + " demonstrations");
        if (eps_out) *eps_out = eps;
        return d;
    };
    auto test_config = [&](int t, int s) {  // the held-out starts of test distribution t
        RolloutConfig pc;
        pc.episodes = c.pm_eval;
        pc.seed = derive_seed(base_of(s), 4);
        if (t == 1) {
            Rng rng(derive_seed(base_of(s), 5));
            for (int i = 0; i < c.pm_eval; ++i) pc.starts.push_back({rng.uniform(-c.pm_wide_halfwidth, c.pm_wide_halfwidth), 0.0});
        }
        return pc;
    };

    std::vector<Job> jobs;
    // 1. per (H, head, seed) on the env, slowest heads first: BC, then every row of the head on every test
    for (int ci = 0; ci < NC; ++ci)
        for (int h = NH - 1; h >= 0; --h)
            for (int s = 0; s < SE; ++s)
                jobs.push_back({job_key("env_H" + std::to_string(c.pm_chunks[ci]) + "_" + hs[h].rows[0].key, s), [&, ci, h, s] {
                    const std::unique_ptr<Env> env = entry.make();
                    const EnvSpec& spec = env->spec();
                    float act_low = spec.act_low.at(0), act_high = spec.act_high.at(0);  // the heads' one range: the widest
                    for (int a = 1; a < spec.act_dim; ++a)
                        act_low = std::min(act_low, spec.act_low[a]), act_high = std::max(act_high, spec.act_high[a]);
                    const uint64_t job_seed = derive_seed(opt.seed, 2000 + 1000 * ci + static_cast<uint64_t>(h * S + s));
                    BCConfig bc = bc_config(hs[h], c.pm_steps, true, derive_seed(job_seed, 1), c);
                    bc.policy.chunk = c.pm_chunks[ci];                      // windows at every index, padding masked
                    bc.policy.head.low = act_low, bc.policy.head.high = act_high;  // the env's action range (tokens' bins, diffusion's clip)
                    const Policy pi = train_bc(demonstrations(*env, s, nullptr), bc).policy;
                    JobValues v;
                    for (int q = 0; q < NR; ++q)
                        if (row_head[q] == h) {
                            const Policy p = readout_policy(pi, rows[q]);
                            for (int t = 0; t < NT; ++t) {
                                const RolloutConfig pc = test_config(t, s);
                                const BatchPolicy act = rows[q].sample
                                    ? p.as_sampling_policy(derive_seed(job_seed, 2 + static_cast<uint64_t>(q + 100 * t)))
                                    : p.as_batch_policy();
                                append_paths(v, path_stats(rollout(*env, act, pc), c.pm_paths, point_mass));
                            }
                        }
                    return v;
                }});
    // 2. per (head, seed) on the toy: train, score every row of the head on fresh observations
    for (int h = NH - 1; h >= 0; --h)
        for (int s = 0; s < S; ++s)
            jobs.push_back({job_key("toy_" + hs[h].rows[0].key, s), [&, h, s] {
                const uint64_t job_seed = derive_seed(opt.seed, 1000 + static_cast<uint64_t>(h * S + s));
                const Dataset toy = make_bimodal_toy(c.rows, c.obs_dim, c.episode_len, derive_seed(base_of(s), 1));
                const Mat test = toy_observations(c.test_rows, c.obs_dim, derive_seed(base_of(s), 2));
                const long steps = c.quick ? hs[h].toy_steps_quick : hs[h].toy_steps;
                const Policy pi = train_bc(toy, bc_config(hs[h], steps, false, derive_seed(job_seed, 1), c)).policy;
                JobValues v;
                for (int q = 0; q < NR; ++q)
                    if (row_head[q] == h) {
                        Rng rng(derive_seed(job_seed, 2 + static_cast<uint64_t>(q)));
                        append_modes(v, evaluate_modes(readout_sampler(pi, rows[q]), test, rng, c.eps));
                    }
                return v;
            }});
    // 3. per seed: the demonstrations themselves and the demonstrator on every test's held-out starts
    for (int s = 0; s < SE; ++s)
        jobs.push_back({job_key("expert", s), [&, s] {
            const std::unique_ptr<Env> env = entry.make();
            std::vector<Episode> eps;
            demonstrations(*env, s, &eps);
            JobValues v;
            append_paths(v, path_stats(eps, c.pm_paths, point_mass));
            for (int t = 0; t < NT; ++t)
                append_paths(v, path_stats(rollout_expert(*env, shared_expert(demo_expert), test_config(t, s)), c.pm_paths, point_mass));
            return v;
        }});
    const std::vector<JobValues> values = run_experiment_jobs(jobs, opt, "multimodal");
    if (values.empty()) return r;  // not the report writer (MPI)

    // 4. the values back, in the jobs' order
    r.paths.assign(NT, std::vector<std::vector<PathStats>>(NC * NR, std::vector<PathStats>(SE)));
    r.toy.assign(NR, std::vector<ModeStats>(S));
    r.demos.resize(SE);
    r.expert.assign(NT, std::vector<PathStats>(SE));
    size_t j = 0;
    for (int ci = 0; ci < NC; ++ci)
        for (int h = NH - 1; h >= 0; --h)
            for (int s = 0; s < SE; ++s, ++j) {
                size_t pos = 0;
                for (int q = 0; q < NR; ++q)
                    if (row_head[q] == h)
                        for (int t = 0; t < NT; ++t) r.paths[t][ci * NR + q][s] = paths_at(values[j], pos);
            }
    for (int h = NH - 1; h >= 0; --h)
        for (int s = 0; s < S; ++s, ++j) {
            size_t pos = 0;
            for (int q = 0; q < NR; ++q)
                if (row_head[q] == h) r.toy[q][s] = modes_at(values[j], pos);
        }
    for (int s = 0; s < SE; ++s, ++j) {
        size_t pos = 0;
        r.demos[s] = paths_at(values[j], pos);
        for (int t = 0; t < NT; ++t) r.expert[t][s] = paths_at(values[j], pos);
    }
    // the toy's demonstrated actions (the histogram's reference), regenerated from their seeds
    for (int s = 0; s < S; ++s) {
        const Dataset toy = make_bimodal_toy(c.rows, c.obs_dim, c.episode_len, derive_seed(base_of(s), 1));
        r.toy_actions.emplace_back(toy.actions.data(), toy.actions.data() + toy.actions.size());
    }
    return r;
}

// ------------------------------------------------------------------ reporting
// A cell of rollouts over seeds: success as the t interval of per-seed rates, the pooled episodes beside it,
// and pooled fractions of collisions and sides.
struct PathSummary {
    SeedSummary s;
    double collision = 0, left = 0, right = 0;  // fractions of all episodes
};
static std::vector<SeedScore> path_scores(const std::vector<PathStats>& per_seed) {
    std::vector<SeedScore> v;
    for (const PathStats& p : per_seed) v.push_back({double(p.successes), double(p.episodes), 0, 0});
    return v;
}
static PathSummary path_summary(const std::vector<PathStats>& per_seed) {
    PathSummary m;
    m.s = seed_summary(path_scores(per_seed));
    double n = 0;
    for (const PathStats& p : per_seed) n += p.episodes, m.collision += p.collisions, m.left += p.left, m.right += p.right;
    if (n > 0) m.collision /= n, m.left /= n, m.right /= n;
    return m;
}

ExperimentResult report_multimodal(const MultimodalResult& r, const ExperimentOptions& opt) {
    const MultimodalConfig& c = r.config;
    const std::unique_ptr<Env> env = experiment_env(opt, "multimodal", "point_mass").make();
    const EnvSpec& spec = env->spec();
    const bool point_mass = r.env_id == "point_mass";
    const int S = r.seeds, SE = r.env_seeds, NR = static_cast<int>(r.row_keys.size()), NC = static_cast<int>(c.pm_chunks.size()),
              NT = static_cast<int>(r.tests.size());
    ExperimentResult out;
    out.name = "multimodal";

    // 1. (a) histograms pooled over seeds: the data's actions and each row's samples
    Csv csv{{"bin_lo", "bin_hi", "bin_center", "data_count", "data_fraction"}, {}};
    for (const auto& k : r.row_keys) csv.header.insert(csv.header.end(), {k + "_count", k + "_fraction"});
    std::vector<std::vector<double>> counts(NR + 1, std::vector<double>(c.bins, 0.0));
    std::vector<double> n_row(NR + 1, 0.0);
    for (const auto& acts : r.toy_actions)
        for (double a : acts) counts[0][bin_of(a, c)] += 1, n_row[0] += 1;
    for (int q = 0; q < NR; ++q)
        for (const ModeStats& m : r.toy[q])
            for (double a : m.actions) counts[q + 1][bin_of(a, c)] += 1, n_row[q + 1] += 1;
    const double w = (c.hi - c.lo) / c.bins;
    for (int b = 0; b < c.bins; ++b) {
        std::vector<double> row{c.lo + b * w, c.lo + (b + 1) * w, c.lo + (b + 0.5) * w};
        for (int q = 0; q <= NR; ++q) row.insert(row.end(), {counts[q][b], counts[q][b] / n_row[q]});
        csv.rows.push_back(row);
    }
    write_output(out, opt, "multimodal.csv", csv.str());

    // 2. (a) per row over seeds: valid fraction (t 95%), mode balance, mean and spread of the actions; paired
    //    difference of the valid fraction against MSE
    auto toy_col = [&](int q, double ModeStats::*f, bool finite_only) {
        std::vector<double> v;
        for (const ModeStats& m : r.toy[q])
            if (!finite_only || std::isfinite(m.*f)) v.push_back(m.*f);
        return v;
    };
    Table t{{"actions from", "toy gradient steps", "valid (within " + num(c.eps, 1) + " of ±1) [t 95%]",
             "Δ valid vs MSE, paired (points) [95%]", "mode balance (+1 among valid)", "mean action", "std of actions"}, {}};
    {
        std::vector<double> bal, mean, sd;
        for (const auto& acts : r.toy_actions) {
            const Eigen::Map<const Eigen::ArrayXd> a(acts.data(), static_cast<Eigen::Index>(acts.size()));
            bal.push_back((a > 0).cast<double>().mean());
            mean.push_back(a.mean());
            sd.push_back(std::sqrt((a - a.mean()).square().mean()));
        }
        t.rows.push_back({"demonstrations", "—", "100.0%", "—", pm(stats_of(bal).mean, stats_of(bal).std, 3),
                          pm(stats_of(mean).mean, stats_of(mean).std, 3), pm(stats_of(sd).mean, stats_of(sd).std, 3)});
    }
    std::string meets, misses;  // rows that meet / miss the aim: >= 95% valid, balance in [0.4, 0.6]
    const Stats mse_valid = stats_of(toy_col(0, &ModeStats::valid_fraction, false)),
                mse_mean = stats_of(toy_col(0, &ModeStats::mean_action, false)),
                mse_sd = stats_of(toy_col(0, &ModeStats::std_action, false));
    for (int q = 0; q < NR; ++q) {
        const Stats v = stats_of(toy_col(q, &ModeStats::valid_fraction, false)), b = stats_of(toy_col(q, &ModeStats::mode_balance, true)),
                    me = stats_of(toy_col(q, &ModeStats::mean_action, false)), sa = stats_of(toy_col(q, &ModeStats::std_action, false));
        const Stats d = paired(toy_col(q, &ModeStats::valid_fraction, false), toy_col(0, &ModeStats::valid_fraction, false));
        t.rows.push_back({r.row_labels[q], std::to_string(r.row_toy_steps[q]), rate_ci(v), q == 0 ? "—" : diff_text(d, 100),
                          b.n ? pm(b.mean, b.std, 3) + " (" + std::to_string(b.n) + (b.n == 1 ? " seed)" : " seeds)") : "— (none valid)",
                          pm(me.mean, me.std, 3), pm(sa.mean, sa.std, 3)});
        const bool ok = v.mean >= 0.95 && b.n == S && b.mean >= 0.4 && b.mean <= 0.6;
        (ok ? meets : misses) += std::string((ok ? meets : misses).empty() ? "" : ", ") + r.row_labels[q] + " (" +
                                 num(100 * v.mean, 1) + "%" + (b.n ? ", " + num(b.mean, 3) : std::string()) + ")";
    }
    out.table = t.text();

    // 3. (b) per (test, H, row): success over seeds with the pooled figure beside it, paired Δ vs MSE,
    //    collisions, sides; the demonstrator on every test's starts and the demonstrations on their own
    Csv pm_csv{{"test", "H", "row", "successes", "episodes", "success", "lo", "hi", "pooled", "pooled_lo", "pooled_hi",
                "success_std", "collision"}, {}};
    Csv pm_seeds{{"test", "H", "row", "seed", "success", "collision"}, {}};
    Table pt{{"test starts", "policy", "H", "success, mean over seeds [t 95%]", "pooled episodes [Wilson 95%]",
              "Δ vs MSE, paired (points) [95%]", point_mass ? "collision" : "ended early without success"}, {}};
    if (point_mass) {
        pm_csv.header.insert(pm_csv.header.end(), {"left", "right"});
        pm_seeds.header.insert(pm_seeds.header.end(), {"left", "right"});
        pt.header.insert(pt.header.end(), {"passed left", "passed right"});
    }
    const std::string test_short[2] = {"demos' band", "wide band"};
    auto test_name = [&](int ti) { return point_mass ? test_short[ti] : std::string("held-out"); };
    auto add_row = [&](int ti, const std::string& label, const std::string& H, const PathSummary& m, const std::string& delta) {
        std::vector<std::string> cells{ti < 0 ? "the demos' own starts" : test_name(ti), label, H, rate_ci(m.s.success),
                                       pct_ci(m.s.pooled, m.s.pooled_lo, m.s.pooled_hi), delta, num(100 * m.collision, 1) + "%"};
        if (point_mass) cells.insert(cells.end(), {num(100 * m.left, 1) + "%", num(100 * m.right, 1) + "%"});
        pt.rows.push_back(cells);
    };
    const PathSummary demo_sum = path_summary(r.demos);
    add_row(-1, "expert demonstrations (training data)", "1", demo_sum, "—");
    std::vector<PathSummary> expert_sum;
    std::vector<std::vector<PathSummary>> row_sum(NT, std::vector<PathSummary>(NC * NR));
    std::vector<std::string> claims;
    for (int ti = 0; ti < NT; ++ti) {
        expert_sum.push_back(path_summary(r.expert[ti]));
        add_row(ti, "expert (" + r.expert_name + ")", "1", expert_sum[ti], "—");
        for (int ci = 0; ci < NC; ++ci) {
            const int H = c.pm_chunks[ci];
            const std::vector<double> mse_rates = rates(path_scores(r.paths[ti][ci * NR]));
            std::string above, below, unclear;
            for (int q = 0; q < NR; ++q) {
                const std::vector<PathStats>& per_seed = r.paths[ti][ci * NR + q];
                const PathSummary m = row_sum[ti][ci * NR + q] = path_summary(per_seed);
                const Stats d = paired(rates(path_scores(per_seed)), mse_rates);
                add_row(ti, r.row_labels[q], std::to_string(H), m, q == 0 ? "—" : diff_text(d, 100));
                std::vector<double> row{double(ti), double(H), double(q), m.s.pooled * SE * c.pm_eval, double(SE * c.pm_eval),
                                        std::max(0.0, m.s.success.mean), std::max(0.0, m.s.success.lo),
                                        std::min(1.0, m.s.success.hi), m.s.pooled, m.s.pooled_lo, m.s.pooled_hi,
                                        m.s.success.std, m.collision};
                if (point_mass) row.insert(row.end(), {m.left, m.right});
                pm_csv.rows.push_back(row);
                for (int s = 0; s < SE; ++s) {
                    const PathStats& p = per_seed[s];
                    const double n = p.episodes;
                    pm_seeds.rows.push_back({double(ti), double(H), double(q), double(s), p.successes / n, p.collisions / n});
                    if (point_mass) pm_seeds.rows.back().insert(pm_seeds.rows.back().end(), {p.left / n, p.right / n});
                }
                if (q == 0) continue;
                const std::string item = r.row_labels[q] + " (" + diff_text(d, 100) + ")";
                std::string& list = d.lo > 0 ? above : d.hi < 0 ? below : unclear;
                list += (list.empty() ? "" : ", ") + item;
            }
            claims.push_back("Starts from " + (point_mass ? r.tests[ti] : r.tests[0]) + ", H = " + std::to_string(H) +
                             ": MSE succeeds in " + rate_ci(row_sum[ti][ci * NR].s.success) + " (the demonstrator: " +
                             rate_ci(expert_sum[ti].s.success) + "); paired per seed, above MSE: " +
                             (above.empty() ? "none" : above) + "; below: " + (below.empty() ? "none" : below) +
                             "; not established: " + (unclear.empty() ? "none" : unclear));
        }
    }
    write_output(out, opt, "multimodal_point_mass.csv", pm_csv.str());
    write_output(out, opt, "multimodal_point_mass_seeds.csv", pm_seeds.str());
    out.table += "\n" + pt.text();

    // The paths drawn (point mass, the demonstrations' band), per H: panel 0 the demonstrations, panel q + 1
    // row q; a blank line ends each episode.
    std::vector<std::string> path_csvs(NC, "panel,seed,episode,t,x,y,outcome\n");
    auto add_paths = [&](std::string& text, int panel, int s, const PathStats& p) {
        for (size_t e = 0; e < p.shown.size(); ++e) {
            const MatD& path = p.shown[e];
            Csv block{{"panel", "seed", "episode", "t", "x", "y", "outcome"}, {}};
            for (Eigen::Index i = 0; i < path.rows(); ++i)
                block.rows.push_back({double(panel), double(s), double(e), double(i), path(i, 0), path(i, 1), double(p.outcome[e])});
            const std::string b = block.str();
            text += b.substr(b.find('\n') + 1) + "\n";
        }
    };
    for (int ci = 0; ci < NC && point_mass; ++ci) {
        for (int s = 0; s < SE; ++s) add_paths(path_csvs[ci], 0, s, r.demos[s]);
        for (int q = 0; q < NR; ++q)
            for (int s = 0; s < SE; ++s) add_paths(path_csvs[ci], q + 1, s, r.paths[0][ci * NR + q][s]);
        write_output(out, opt, "multimodal_paths_H" + std::to_string(c.pm_chunks[ci]) + ".csv", path_csvs[ci]);
    }

    // 4. plots: one histogram panel per row over the demonstrated actions; one path panel per row
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
        gp += "set title '" + r.row_labels[q] + ": " + num(100 * stats_of(toy_col(q, &ModeStats::valid_fraction, false)).mean, 1) +
              "% valid'\nplot " + data + ", '' skip 1 using " + xc + ":" + std::to_string(csv.col(r.row_keys[q] + "_fraction")) +
              " with boxes lc rgb '#d62728'\n";
    gp += "unset multiplot\n";
    write_plot(out, opt, "multimodal", gp);

    const PointMassConfig pmc;  // the point mass's geometry, for the path plots
    std::vector<std::string> pngs{"multimodal.png"};
    std::string pg;
    for (int ci = 0; ci < NC && point_mass; ++ci) {
        const std::string H = std::to_string(c.pm_chunks[ci]), name = "multimodal_paths_H" + H;
        pngs.push_back(name + ".png");
        pg += gnuplot_preamble(name + ".png", 1400, 420 * prow);
        pg += "set multiplot layout " + std::to_string(prow) + "," + std::to_string(cols) + " title 'Point mass, H = " + H +
              " actions per query, starts in the demonstrations band: " + std::to_string(c.pm_paths) +
              " paths per seed and policy (green: goal, red: collision, grey: time limit)'\n"
              "set size ratio -1\nset xrange [-1.6:1.6]\nset yrange [-0.2:3.4]\nunset key\nset xlabel 'x'\nset ylabel 'y'\n"
              "set object 1 circle at " + num(pmc.obstacle_x, 2) + "," + num(pmc.obstacle_y, 2) + " size " +
              num(pmc.obstacle_radius, 2) + " fc rgb '#999999' fs solid 0.6 noborder\n"
              "set object 2 circle at " + num(pmc.goal_x, 2) + "," + num(pmc.goal_y, 2) + " size " + num(pmc.goal_radius, 2) +
              " fc rgb '#2ca02c' fs transparent solid 0.2 border lc rgb '#2ca02c'\n";
        for (int panel = 0; panel < panels; ++panel) {
            const std::string title = panel == 0 ? "expert demonstrations: " + num(100 * demo_sum.s.success.mean, 1) + "%"
                                                 : r.row_labels[panel - 1] + ": " +
                                                       num(100 * row_sum[0][ci * NR + panel - 1].s.success.mean, 1) + "%";
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
        write_output(out, opt, "multimodal_paths.gp", pg);
        ExperimentResult paths_plot;  // render_plots records into a result: merge its file list below
        paths_plot.name = out.name;
        render_plots(paths_plot, opt, "multimodal_paths.gp", std::vector<std::string>(pngs.begin() + 1, pngs.end()));
        out.files.insert(out.files.end(), paths_plot.files.begin(), paths_plot.files.end());
        out.plotted = out.plotted && paths_plot.plotted;
    }

    // 5. the report section, with the computed numbers (every comparison a paired per-seed difference)
    auto pct = [](double x) { return num(100 * x, 1) + "%"; };
    std::string md = "## 4. Multimodal demonstrations: MSE averages the modes, distributional heads pick one (toy, `" +
                     r.env_id + "`)\n\n";
    md += "**(a) The toy.** Every observation (uniform in [−1, 1]^" + std::to_string(c.obs_dim) + ", " +
          std::to_string(c.rows) + " rows per seed) was demonstrated with two equally likely actions, +1 and −1. "
          "The MSE loss is minimised by the conditional mean E[a | s] = 0, an action no demonstrator took, and BC "
          "finds it: over " + std::to_string(S) + " seeds × " + std::to_string(c.test_rows) +
          " fresh observations its predictions have mean " + pm(mse_mean.mean, mse_mean.std, 3) + " and spread " +
          num(mse_sd.mean, 3) + ", and " + rate_ci(mse_valid) + " of them (t 95% over seeds) lie within " + num(c.eps, 1) +
          " of a valid action (the demonstrations: 100%). Heads that model the distribution sample one of the two "
          "instead. Rows meeting the aim (≥ 95% valid, mode balance — the share of +1 among valid samples — in "
          "[0.4, 0.6]): " + (meets.empty() ? "none" : meets) + ". Missing it: " + (misses.empty() ? "none" : misses) +
          ". The CVAE's posteriors overlap near z = 0, where its decoder returns in-between actions, and its z = 0 "
          "readout is a deterministic average like MSE's.\n\n";
    md += t.markdown() + "\n";
    if (point_mass)
        md += "**(b) The point mass** (`point_mass`, `envs/point_mass.hpp`): start near (0, 0), goal (0, 3), a disc "
              "obstacle of radius " + num(pmc.obstacle_radius, 1) + " at (0, 1.5) in the way. The expert goes straight up "
              "to a fork at y = 0.6, then round the left or the right with probability ½ per episode (" +
              pct(demo_sum.left) + " left in these demonstrations); at the fork the two valid velocities are "
              "(±0.71, 0.71) and their average, (0, 0.71), points at the obstacle. **Test distributions**: every row, "
              "the expert's included, is scored on held-out starts, from " + r.tests[0] + " — the demonstrations' own "
              "band, so this tests new starts, not new kinds of start — and from " + r.tests[1] + ", " +
              num(c.pm_wide_halfwidth / pmc.start_halfwidth, 0) + " times wider, which none of the demonstrations "
              "started from. The demonstrations' own row (training starts) is listed for reference only.";
    else
        md += "**(b) The environment `" + r.env_id + "`** with its expert `" + r.expert_name + "`. Success is the env's "
              "rule (" + spec.success + "); \"ended early\" counts episodes the env terminated without success. Every "
              "row, the expert's included, is scored on held-out starts (" + r.tests[0] + "); which way an episode went "
              "is not measured (the point mass's passing side has no general counterpart), and no paths are drawn.";
    md += " BC with each head on the same " + std::to_string(c.pm_demos) + " demonstrations per seed and the same "
          "budget, for each chunk length H (H actions per query, executed open loop; sampled heads draw a fresh chunk "
          "at every query), then " + std::to_string(c.pm_eval) + " rollouts per seed and test distribution. Intervals "
          "are over " + std::to_string(SE) + " training seeds (t 95%" +
          (SE < S ? "; the budget allows " + std::to_string(SE) + " of the " + std::to_string(S) + " seeds here, the toy runs all " +
                        std::to_string(S) + ", so these intervals are wide"
                  : SE < 10 ? "; fewer than 10 seeds: wide" : "") +
          "); the pooled-episode Wilson figure is beside them for reference only, and every comparison with MSE is the "
          "paired per-seed difference.\n\n";
    for (const std::string& claim : claims) md += "- " + claim + ".\n";
    if (point_mass)
        md += "\nWhy MSE does not always crash: the observation is the position, and once a path leaves the centre line "
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
        "the table, " + std::to_string(c.test_rows) + " test observations; histograms of " + std::to_string(c.bins) +
        " bins on [" + num(c.lo, 2) + ", " + num(c.hi, 2) + ") pooled over seeds. " +
        (point_mass ? std::string("Point mass") : "`" + r.env_id + "`") + ": " + std::to_string(c.pm_demos) +
        " expert episodes per seed, normalised observations and actions, " + std::to_string(c.pm_steps) +
        " gradient steps for every head and H (windows at every index, padding masked), " + std::to_string(c.pm_eval) +
        " evaluation episodes per (seed, row, test distribution)." +
        env_budget_note(r.env_id, c.pm_eval, multimodal_config(opt.quick).pm_eval, "evaluation episodes per (seed, row)");
    finish_section(out, opt, md, budgets, "multimodal.gp", pngs);

    // the seed's claim this tests: MSE averages the modes where a distributional head picks one, on the toy (the
    // share of valid actions) and on the env (success, the first test distribution, per H): the best head vs MSE
    auto best_row = [&](const std::function<double(int)>& score) {
        int b = 1;
        for (int q = 2; q < NR; ++q)
            if (score(q) > score(b)) b = q;
        return b;
    };
    if (NR > 1) {
        const int q = best_row([&](int i) { return stats_of(toy_col(i, &ModeStats::valid_fraction, false)).mean; });
        const Stats d = paired(toy_col(q, &ModeStats::valid_fraction, false), toy_col(0, &ModeStats::valid_fraction, false));
        out.claims.push_back(claim_line(
            "Multimodality: MSE averages two modes, a distributional head samples one", "the toy, section 4",
            claim_status(verdict_of(d), Verdict::ABeatsB),
            "MSE's actions are valid in " + rate_ci(mse_valid) + "; the best head (picked on these seeds), " + verdict(d, r.row_labels[q], "MSE", "points", 100)));
        for (int ci = 0; ci < NC; ++ci) {
            const int b = best_row([&](int i) { return row_sum[0][ci * NR + i].s.success.mean; });
            const Stats e = paired(rates(path_scores(r.paths[0][ci * NR + b])), rates(path_scores(r.paths[0][ci * NR])));
            out.claims.push_back(claim_line(
                "Multimodality on `" + r.env_id + "`: a distributional head beats MSE", "`" + r.env_id + "`, " +
                (point_mass ? r.tests[0] + ", " : std::string()) + "H = " + std::to_string(c.pm_chunks[ci]) + ", section 4",
                claim_status(verdict_of(e), Verdict::ABeatsB),
                "the best head (picked on these seeds), " + verdict(e, r.row_labels[b], "MSE", "points", 100)));
        }
    }
    return out;
}

ExperimentResult run_multimodal(const ExperimentOptions& opt) {
    return measured_run(opt, measure_multimodal, report_multimodal);
}

}  // namespace imitate::experiments
