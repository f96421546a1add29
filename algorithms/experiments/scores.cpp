// Seed-level scores, summaries, paired differences and the smoothness measure of scores.hpp.
#include "algorithms/experiments/scores.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "algorithms/evaluate.hpp"

namespace imitate::experiments {

void append_score(JobValues& v, const SeedScore& s) { v.insert(v.end(), {s.successes, s.episodes, s.ret, s.extra}); }

SeedScore score_at(const JobValues& v, size_t& pos) {
    if (pos + kScoreValues > v.size())
        throw std::runtime_error("job values: " + std::to_string(v.size()) + " values, expected at least " +
                                 std::to_string(pos + kScoreValues));
    SeedScore s{v[pos], v[pos + 1], v[pos + 2], v[pos + 3]};
    pos += kScoreValues;
    return s;
}

SeedScore score_of(const std::vector<Episode>& eps, double extra) {
    SeedScore s;
    s.extra = extra;
    for (const Episode& e : eps) s.successes += e.success, s.episodes += 1, s.ret += e.episode_return;
    if (s.episodes > 0) s.ret /= s.episodes;
    return s;
}

static std::vector<double> column(const std::vector<SeedScore>& cell, double (*f)(const SeedScore&)) {
    std::vector<double> v;
    for (const SeedScore& s : cell) v.push_back(f(s));
    return v;
}
std::vector<double> rates(const std::vector<SeedScore>& c) { return column(c, [](const SeedScore& s) { return s.rate(); }); }
std::vector<double> returns(const std::vector<SeedScore>& c) { return column(c, [](const SeedScore& s) { return s.ret; }); }
std::vector<double> extras(const std::vector<SeedScore>& c) { return column(c, [](const SeedScore& s) { return s.extra; }); }

SeedSummary seed_summary(const std::vector<SeedScore>& cell) {
    SeedSummary m;
    m.success = stats_of(rates(cell));
    m.ret = stats_of(returns(cell));
    m.extra = stats_of(extras(cell));
    double k = 0, n = 0;
    for (const SeedScore& s : cell) k += s.successes, n += s.episodes;
    const auto [lo, hi] = wilson_interval(static_cast<int>(k), static_cast<int>(n));
    m.pooled = n > 0 ? k / n : 0.0, m.pooled_lo = lo, m.pooled_hi = hi;
    return m;
}

std::string ci_text(const Stats& s, double scale, int prec) {
    return num(scale * s.mean, prec) + " [" + num(scale * s.lo, prec) + ", " + num(scale * s.hi, prec) + "]";
}
std::string diff_text(const Stats& s, double scale, int prec) { return (s.mean * scale > 0 ? "+" : "") + ci_text(s, scale, prec); }

std::string rate_ci(const Stats& s) {
    return num(100 * s.mean, 1) + "% [" + num(100 * std::max(0.0, s.lo), 1) + ", " + num(100 * std::min(1.0, s.hi), 1) + "]";
}

std::string verdict(const Stats& d, const std::string& a, const std::string& b, const std::string& unit, double scale,
                    int prec) {
    Stats s = d;
    s.mean *= scale, s.std *= scale, s.lo *= scale, s.hi *= scale;
    return verdict_text(a, b, s, 0, prec, unit);
}

std::string difference_text(const std::string& what, const Stats& d, const std::string& a, const std::string& b,
                            const std::string& unit, int prec) {
    const std::string diff = what + ": " + a + " − " + b + " = " + (d.mean > 0 ? "+" : "") + num(d.mean, prec) +
                             " [95% CI " + num(d.lo, prec) + ", " + num(d.hi, prec) + "]" + (unit.empty() ? "" : " " + unit) +
                             ", paired over " + std::to_string(d.n) + " seed" + (d.n == 1 ? "" : "s") + ": ";
    switch (verdict_of(d, 0)) {
        case Verdict::ABeatsB: return diff + a + " higher";
        case Verdict::BBeatsA: return diff + b + " higher";
        case Verdict::Match: return diff + "identical on every seed";
        case Verdict::NotEstablished: break;
    }
    return diff + "not established (" + (d.n < 2 ? "one seed gives no interval)" : "the interval includes 0)");
}

double mean_squared_jerk(const Episode& e, const std::vector<float>& low, const std::vector<float>& high) {
    const int T = e.length(), A = static_cast<int>(e.executed.cols());
    if (T < 4) return std::nan("");
    auto a = [&](int t, int j) { return std::clamp(double(e.executed(t, j)), double(low[j]), double(high[j])); };
    double sum = 0;
    for (int t = 0; t + 3 < T; ++t)
        for (int j = 0; j < A; ++j) {
            const double jerk = a(t + 3, j) - 3 * a(t + 2, j) + 3 * a(t + 1, j) - a(t, j);
            sum += jerk * jerk;
        }
    return sum / (T - 3);
}

double mean_squared_jerk(const std::vector<Episode>& eps, const std::vector<float>& low, const std::vector<float>& high) {
    double sum = 0;
    int n = 0;
    for (const Episode& e : eps) {
        const double j = mean_squared_jerk(e, low, high);
        if (std::isfinite(j)) sum += j, ++n;
    }
    return n ? sum / n : std::nan("");
}

std::vector<JobValues> run_experiment_jobs(const std::vector<Job>& jobs, const ExperimentOptions& opt,
                                           const std::string& name) {
    SweepOptions so = sweep_options(opt, name);
    if (opt.log) so.log = [&](const std::string& line) { opt.log(name + ": " + line); };
    return run_sweep(jobs, so);
}


}  // namespace imitate::experiments
