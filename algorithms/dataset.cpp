// Dataset rows grow by conservativeResize: for row-major matrices whose width is unchanged Eigen reallocs
// in place, so appending E episodes one by one does not copy the whole dataset E times.
#include "algorithms/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace imitate {

namespace {

// Appends the rows of `src` under `dst`; an empty `dst` (0 rows) takes src's width.
template <class M>
void append_rows(M& dst, const M& src) {
    const Eigen::Index n = dst.rows();
    if (n == 0) {
        dst = src;
        return;
    }
    dst.conservativeResize(n + src.rows(), Eigen::NoChange);
    dst.bottomRows(src.rows()) = src;
}

void check_width(const char* field, Eigen::Index have_rows, Eigen::Index have, Eigen::Index add) {
    if (have_rows > 0 && have != add)
        throw std::invalid_argument("dataset: cannot append '" + std::string(field) + "' of width " +
                                    std::to_string(add) + " to a dataset of width " + std::to_string(have));
}

// (Built by appending: GCC 12 warns falsely (-Wrestrict) about "(" + std::to_string(n).)
std::string shape1(size_t n) {
    std::string s = "(";
    s += std::to_string(n);
    return s += ",)";
}
std::string shape2(Eigen::Index r, Eigen::Index c) {
    std::string s = "(";
    s += std::to_string(r);
    s += ",";
    s += std::to_string(c);
    return s += ")";
}

}  // namespace

std::pair<int64_t, int64_t> Dataset::episode_range(int64_t e) const {
    if (e < 0 || e >= num_episodes())
        throw std::out_of_range("dataset: episode " + std::to_string(e) + " out of range [0, " +
                                std::to_string(num_episodes()) + ")");
    return {e == 0 ? 0 : episode_ends[e - 1], episode_ends[e]};
}

void Dataset::append(const Episode& e, Labels which) {
    const Eigen::Index T = e.observations.rows();
    if (T == 0) return;
    const bool expert = has_label(which, Labels::Expert) && e.expert_actions.rows() == T;
    if (!expert && !has_label(which, Labels::Actions))
        throw std::invalid_argument("dataset: Labels::Expert requested but the episode has no expert labels "
                                    "(expert_actions has shape " + shape_str(e.expert_actions) +
                                    ", expected " + shape2(T, e.actions.cols()) + ")");
    const Mat& acts = expert ? e.expert_actions : e.actions;
    if (acts.rows() != T || e.states.rows() != T || e.executed.rows() != T || e.rewards.size() != size_t(T))
        throw std::invalid_argument("dataset: episode arrays disagree: observations " + shape_str(e.observations) +
                                    ", actions " + shape_str(acts) + ", executed " + shape_str(e.executed) +
                                    ", states " + shape_str(e.states) + ", rewards " + shape1(e.rewards.size()));
    check_width("observations", size(), observations.cols(), e.observations.cols());
    check_width("actions", size(), actions.cols(), acts.cols());
    check_width("states", size(), states.cols(), e.states.cols());
    const bool keep_executed = size() == 0 || executed.rows() == size();

    append_rows(observations, e.observations);
    append_rows(actions, acts);
    append_rows(states, e.states);
    if (keep_executed)
        append_rows(executed, e.executed);
    else
        executed.resize(0, actions.cols());
    for (double r : e.rewards) rewards.push_back(static_cast<float>(r));
    terminations.insert(terminations.end(), size_t(T), 0);
    truncations.insert(truncations.end(), size_t(T), 0);
    terminations.back() = e.terminated ? 1 : 0;
    truncations.back() = e.truncated ? 1 : 0;
    episode_ends.push_back(size());
}

void Dataset::append(const Dataset& o) {
    if (o.size() == 0) return;
    check_width("observations", size(), observations.cols(), o.observations.cols());
    check_width("actions", size(), actions.cols(), o.actions.cols());
    check_width("states", size(), states.cols(), o.states.cols());
    if (!env.empty() && !o.env.empty() && env != o.env)
        throw std::invalid_argument("dataset: cannot append data of environment " + o.env + " to data of " + env);
    if (env.empty()) env = o.env;
    for (uint64_t x : o.seeds)
        if (std::find(seeds.begin(), seeds.end(), x) == seeds.end()) seeds.push_back(x);
    const bool keep_executed = (size() == 0 || executed.rows() == size()) && o.executed.rows() == o.size();
    const int64_t offset = size();
    if (keep_executed)
        append_rows(executed, o.executed);
    else
        executed.resize(0, o.actions.cols());
    append_rows(observations, o.observations);
    append_rows(actions, o.actions);
    append_rows(states, o.states);
    rewards.insert(rewards.end(), o.rewards.begin(), o.rewards.end());
    terminations.insert(terminations.end(), o.terminations.begin(), o.terminations.end());
    truncations.insert(truncations.end(), o.truncations.begin(), o.truncations.end());
    for (int64_t end : o.episode_ends) episode_ends.push_back(end + offset);
}

void Dataset::validate(const std::string& where) const {
    auto fail = [&](const std::string& field, const std::string& what) {
        throw std::runtime_error(where + ": '" + field + "' " + what);
    };
    const Eigen::Index N = size();
    if (actions.rows() != N)
        fail("actions", "has shape " + shape_str(actions) + ", expected " + shape2(N, actions.cols()));
    if (states.rows() != N || (N > 0 && states.cols() < 1))
        fail("states", "has shape " + shape_str(states) + ", expected " + shape2(N, std::max<Eigen::Index>(states.cols(), 1)));
    if (executed.rows() != 0 && (executed.rows() != N || executed.cols() != actions.cols()))
        fail("executed_actions", "has shape " + shape_str(executed) + ", expected " + shape2(N, actions.cols()) +
                                     " (or no rows)");
    const std::pair<const char*, size_t> lens[] = {
        {"rewards", rewards.size()}, {"terminations", terminations.size()}, {"truncations", truncations.size()}};
    for (auto [field, n] : lens)
        if (n != size_t(N)) fail(field, "has shape " + shape1(n) + ", expected " + shape1(size_t(N)));
    for (auto* flags : {&terminations, &truncations})
        for (size_t i = 0; i < flags->size(); ++i)
            if ((*flags)[i] > 1)
                fail(flags == &terminations ? "terminations" : "truncations",
                     "has value " + std::to_string((*flags)[i]) + " at index " + std::to_string(i) + ", expected 0 or 1");

    // episode_ends: strictly increasing, first > 0, last == N (none at all iff N == 0)
    if (N > 0 && episode_ends.empty()) fail("episode_ends", "is empty, expected its last entry to be N = " + std::to_string(N));
    int64_t prev = 0;
    for (size_t e = 0; e < episode_ends.size(); ++e) {
        if (episode_ends[e] <= prev)
            fail("episode_ends", "entry " + std::to_string(e) + " is " + std::to_string(episode_ends[e]) +
                                     ", expected > " + std::to_string(prev) + " (strictly increasing, > 0)");
        prev = episode_ends[e];
    }
    if (!episode_ends.empty() && prev != N)
        fail("episode_ends", "ends at " + std::to_string(prev) + ", expected N = " + std::to_string(N));

    // finite values, reported at the first bad row
    auto first_bad_row = [](const auto& m) -> Eigen::Index {
        for (Eigen::Index r = 0; r < m.rows(); ++r)
            if (!m.row(r).allFinite()) return r;
        return -1;
    };
    if (Eigen::Index r = first_bad_row(observations); r >= 0) fail("observations", "has a non-finite value in row " + std::to_string(r));
    if (Eigen::Index r = first_bad_row(actions); r >= 0) fail("actions", "has a non-finite value in row " + std::to_string(r));
    if (Eigen::Index r = first_bad_row(states); r >= 0) fail("states", "has a non-finite value in row " + std::to_string(r));
    if (Eigen::Index r = first_bad_row(executed); r >= 0) fail("executed_actions", "has a non-finite value in row " + std::to_string(r));
    for (size_t i = 0; i < rewards.size(); ++i)
        if (!std::isfinite(rewards[i])) fail("rewards", "has a non-finite value at index " + std::to_string(i));
}

}  // namespace imitate
