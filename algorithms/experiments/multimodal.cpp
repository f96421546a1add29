// Experiment 4, multimodal demonstrations: when one observation has two valid actions, BC with MSE learns
// their average, an action nobody demonstrated. The toy data make this exact: obs uniform in [−1,1]^S,
// action ±1 with probability ½ independently of obs, so E[a | s] = 0 is MSE's optimum everywhere.
// Heads are entries of a list (name, how to fit one on a dataset and return an ActionSampler); each is
// scored by evaluate_modes on fresh observations. Adding a GMM / token / CVAE / diffusion head is one entry.
//
// multimodal.csv: bin_lo, bin_hi, bin_center, data_count, data_fraction, then <head>_count, <head>_fraction
// per head (histograms pooled over seeds; values outside [lo, hi) are counted in the edge bins).
#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "algorithms/bc.hpp"
#include "algorithms/experiments/experiments.hpp"
#include "algorithms/experiments/report.hpp"

namespace imitate::experiments {

struct MultimodalConfig {
    int obs_dim = 3;                  // S of the toy observations
    int rows = 2000;                  // training rows per seed
    int episode_len = 100;            // rows per episode (episode_ends every episode_len rows)
    int test_rows = 1000;             // fresh observations each head is scored on, per seed
    long steps = 1500;                // gradient steps per head
    std::vector<int> hidden{32, 32};  // hidden widths
    int batch = 256;                  // minibatch size
    float lr = 3e-3f;                 // Adam learning rate
    double eps = 0.1;                 // a sampled action is valid within eps of +1 or −1
    int bins = 31;                    // histogram bins of width 0.1 over [lo, hi), centred on 0 and ±1
    double lo = -1.55, hi = 1.55;     // histogram range
};

static MultimodalConfig config_for(bool quick) {
    MultimodalConfig c;
    if (quick) {
        c.rows = 600;
        c.test_rows = 300;
        c.steps = 300;
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
    auto scratch = std::make_shared<MLPScratch>();
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
// A head under test: its keys, and how to fit it on a toy dataset and return its action sampler.
struct ToyHead {
    std::string key, label;  // CSV / numbers key, and the name in tables and plots
    std::function<ActionSampler(const Dataset&, uint64_t seed, const MultimodalConfig&)> fit;
};

// BC with the given head (algorithms/heads/), the experiment's budget; sampled through Policy::predict(rng).
static ToyHead bc_head(const std::string& key, const std::string& label, HeadConfig head) {
    return {key, label, [head](const Dataset& data, uint64_t seed, const MultimodalConfig& c) {
                BCConfig bc;
                bc.steps = c.steps;
                bc.hidden = c.hidden;
                bc.batch = c.batch;
                bc.lr = c.lr;
                bc.seed = seed;
                bc.head = head;
                return policy_sampler(train_bc(data, bc).policy);
            }};
}

// The heads compared on the toy. Another head is one more line, e.g.
//   bc_head("gmm", "BC (GMM, K = 5)", HeadConfig{.kind = HeadKind::GMM}),
static std::vector<ToyHead> heads() { return {bc_head("mse", "BC (MSE)", HeadConfig{})}; }

static int bin_of(double a, const MultimodalConfig& c) {
    const int b = static_cast<int>(std::floor((a - c.lo) / (c.hi - c.lo) * c.bins));
    return std::clamp(b, 0, c.bins - 1);
}

// ------------------------------------------------------------------ the experiment
ExperimentResult run_multimodal(const ExperimentOptions& opt) {
    check_options(opt);
    Timer timer;
    const MultimodalConfig c = config_for(opt.quick);
    const std::vector<ToyHead> hs = heads();
    const int seeds = opt.seeds, H = static_cast<int>(hs.size());
    ExperimentResult r;
    r.name = "multimodal";
    log(opt, "multimodal: " + std::to_string(H) + " head(s) × " + std::to_string(seeds) + " seeds");

    // 1. per seed: the toy training set and fresh test observations (shared by all heads: a paired comparison)
    std::vector<Dataset> data(seeds);
    std::vector<Mat> test(seeds);
    for (int s = 0; s < seeds; ++s) {
        const uint64_t base = derive_seed(opt.seed, static_cast<uint64_t>(s));
        data[s] = make_bimodal_toy(c.rows, c.obs_dim, c.episode_len, derive_seed(base, 1));
        test[s] = toy_observations(c.test_rows, c.obs_dim, derive_seed(base, 2));
    }

    // 2. fit every head on every seed's data (one job each) and score its sampled actions
    std::vector<ModeStats> stats(static_cast<size_t>(H * seeds));
    run_jobs(H * seeds, [&](int j) {
        const int h = j / seeds, s = j % seeds;
        const uint64_t job_seed = derive_seed(opt.seed, 1000 + static_cast<uint64_t>(j));
        ActionSampler sample = hs[h].fit(data[s], derive_seed(job_seed, 1), c);
        Rng rng(derive_seed(job_seed, 2));
        stats[j] = evaluate_modes(sample, test[s], rng, c.eps);
    });

    // 3. histograms pooled over seeds: the data's actions and each head's samples
    Csv csv;
    csv.header = {"bin_lo", "bin_hi", "bin_center", "data_count", "data_fraction"};
    for (const auto& h : hs) csv.header.insert(csv.header.end(), {h.key + "_count", h.key + "_fraction"});
    std::vector<std::vector<double>> counts(H + 1, std::vector<double>(c.bins, 0.0));
    double n_data = 0;
    std::vector<double> n_head(H, 0.0);
    for (int s = 0; s < seeds; ++s)
        for (Eigen::Index i = 0; i < data[s].actions.rows(); ++i, ++n_data) counts[0][bin_of(data[s].actions(i, 0), c)] += 1;
    for (int h = 0; h < H; ++h)
        for (int s = 0; s < seeds; ++s)
            for (double a : stats[h * seeds + s].actions) counts[h + 1][bin_of(a, c)] += 1, n_head[h] += 1;
    const double w = (c.hi - c.lo) / c.bins;
    for (int b = 0; b < c.bins; ++b) {
        std::vector<double> row{c.lo + b * w, c.lo + (b + 1) * w, c.lo + (b + 0.5) * w, counts[0][b], counts[0][b] / n_data};
        for (int h = 0; h < H; ++h) row.insert(row.end(), {counts[h + 1][b], counts[h + 1][b] / n_head[h]});
        csv.rows.push_back(row);
    }
    write_output(r, opt, "multimodal.csv", csv.str());

    // 4. per head: mean ± std over seeds of valid fraction, mode balance, mean and spread of the actions
    Table t{{"actions from", "valid (within 0.1 of ±1)", "mode balance (+1 among valid)", "mean action", "std of actions"}, {}};
    {
        // The data itself, as the reference row (valid by construction).
        std::vector<double> bal, mean, sd;
        for (int s = 0; s < seeds; ++s) {
            const Mat& a = data[s].actions;
            const double m = a.cast<double>().mean();
            bal.push_back((a.array() > 0).cast<double>().mean());
            mean.push_back(m);
            sd.push_back(std::sqrt((a.cast<double>().array() - m).square().mean()));
        }
        t.rows.push_back({"demonstrations", "100.0%", pm(stats_of(bal).mean, stats_of(bal).std, 3),
                          pm(stats_of(mean).mean, stats_of(mean).std, 3), pm(stats_of(sd).mean, stats_of(sd).std, 3)});
    }
    for (int h = 0; h < H; ++h) {
        std::vector<double> valid, bal, mean, sd;
        for (int s = 0; s < seeds; ++s) {
            const ModeStats& m = stats[h * seeds + s];
            valid.push_back(m.valid_fraction);
            if (std::isfinite(m.mode_balance)) bal.push_back(m.mode_balance);
            mean.push_back(m.mean_action);
            sd.push_back(m.std_action);
        }
        const Stats v = stats_of(valid), b = stats_of(bal), me = stats_of(mean), s = stats_of(sd);
        const std::string k = hs[h].key;
        r.numbers[k + "_valid_fraction"] = v.mean;
        r.numbers[k + "_valid_fraction_std"] = v.std;
        r.numbers[k + "_mode_balance"] = b.n ? b.mean : std::nan("");
        r.numbers[k + "_mean_action"] = me.mean;
        r.numbers[k + "_mean_action_std"] = me.std;
        r.numbers[k + "_std_action"] = s.mean;
        t.rows.push_back({hs[h].label, num(100 * v.mean, 2) + "% ± " + num(100 * v.std, 2),
                          b.n ? pm(b.mean, b.std, 3) + " (" + std::to_string(b.n) + (b.n == 1 ? " seed)" : " seeds)") : "— (none valid)",
                          pm(me.mean, me.std, 3), pm(s.mean, s.std, 3)});
    }
    r.table = t.text();

    // 5. plot: histogram of demonstrated vs predicted actions
    std::string gp = gnuplot_preamble("multimodal.png", 900, 560);
    gp += "set title 'Two valid actions (±1) per observation: BC with MSE predicts their mean'\n"
          "set xlabel 'action a (toy units; the modes are −1 and +1)'\n"
          "set ylabel 'fraction of actions per bin (pooled over seeds)'\n"
          "set style fill transparent solid 0.45 border -1\n"
          "set boxwidth " + num(w, 4) + " absolute\n"
          "set xrange [" + num(c.lo, 2) + ":" + num(c.hi, 2) + "]\n"
          "set key top center\n"
          "set arrow from -1, graph 0 to -1, graph 1 nohead dt 2 lc rgb '#555555'\n"
          "set arrow from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb '#555555'\n";
    const char* colors[] = {"#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
    gp += "plot 'multimodal.csv' skip 1 using " + std::to_string(csv.col("bin_center")) + ":" +
          std::to_string(csv.col("data_fraction")) + " with boxes lc rgb '#1f77b4' title 'demonstrated actions'";
    for (int h = 0; h < H; ++h)
        gp += ", \\\n     '' skip 1 using " + std::to_string(csv.col("bin_center")) + ":" +
              std::to_string(csv.col(hs[h].key + "_fraction")) + " with boxes lc rgb '" + colors[h % 5] + "' title '" +
              hs[h].label + " predictions'";
    gp += "\n";
    write_output(r, opt, "multimodal.gp", gp);
    render_plots(r, opt, "multimodal.gp", {"multimodal.png"});

    // 6. the report section, with the computed numbers
    const double vf = r.numbers["mse_valid_fraction"], ma = r.numbers["mse_mean_action"], sa = r.numbers["mse_std_action"];
    std::string md = "## 4. Multimodal demonstrations: MSE averages the modes\n\n";
    md += "Every observation of the toy data (obs uniform in [−1, 1]^" + std::to_string(c.obs_dim) +
          ", " + std::to_string(c.rows) + " rows per seed) was demonstrated with two equally likely actions, +1 and −1. "
          "The MSE loss is minimised by the conditional mean E[a | s] = 0, an action no demonstrator took, and BC "
          "finds it: over " + std::to_string(seeds) + " seeds × " + std::to_string(c.test_rows) +
          " fresh observations its predictions have mean " + pm(ma, r.numbers["mse_mean_action_std"], 3) +
          " and spread " + num(sa, 3) + ", and " + num(100 * vf, 2) + "% ± " + num(100 * r.numbers["mse_valid_fraction_std"], 2) +
          " of them lie within " + num(c.eps, 1) + " of a valid action (the demonstrations: 100%). On a pendulum the "
          "same average of \"swing left\" and \"swing right\" is \"do nothing\". Heads that represent a distribution "
          "(mixtures, tokens, CVAE, diffusion) are the fix; `evaluate_modes` scores any head's sampled actions on the "
          "same data (valid fraction, and mode balance: the fraction near +1 among valid ones, ½ when both modes "
          "are used), and a new head is one entry in the head list of `algorithms/experiments/multimodal.cpp`.\n\n";
    md += t.markdown() + "\n";
    const std::string budgets = "Per seed: " + std::to_string(c.rows) + " training rows in episodes of " +
                                std::to_string(c.episode_len) + ", hidden " + std::to_string(c.hidden[0]) + "," +
                                std::to_string(c.hidden[1]) + ", batch " + std::to_string(c.batch) + ", " +
                                std::to_string(c.steps) + " Adam steps (lr " + num(c.lr, 3) + "), " + std::to_string(c.test_rows) +
                                " test observations; ± is the std over seeds; histogram of " +
                                std::to_string(c.bins) + " bins on [" + num(c.lo, 2) + ", " + num(c.hi, 2) +
                                ") pooled over seeds (values outside in the edge bins).";
    md += "\n" + section_footer(r, opt, budgets, "multimodal.gp", {"multimodal.png"});
    r.markdown = md;
    write_output(r, opt, "multimodal.md", md);
    r.wall_seconds = timer.wall();
    r.cpu_seconds = timer.cpu();
    return r;
}

}  // namespace imitate::experiments
