// A demonstration dataset in the D4RL / Minari layout: flat per-step arrays for all episodes back to back,
// plus episode_ends (the exclusive end row of each episode), the simulator states and the executed actions
// (so every episode replays exactly), and the environment's identity (Minari's env_spec). Episodes from
// rollout() append to it; DAgger appends expert labels and aggregates datasets. algorithms/io/dataset_npz.hpp saves
// and loads it for NumPy.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.hpp"
#include "envs/rollout.hpp"

namespace imitate {

// Which action column of an Episode becomes the dataset's `actions`.
enum class Labels : unsigned {
    Actions = 1,  // the commanded action (policy's or expert's, before noise): behaviour cloning of the driver
    Expert = 2,   // the expert's label of every visited state: DAgger, DART
};
constexpr Labels operator|(Labels a, Labels b) { return Labels(unsigned(a) | unsigned(b)); }
constexpr bool has_label(Labels set, Labels l) { return (unsigned(set) & unsigned(l)) != 0; }

// N rows (steps), E episodes, S observation width, A action width, D simulator state width.
struct Dataset {
    Mat observations;                   // (N,S) float32
    Mat actions;                        // (N,A) float32: the training targets (the driver's action, or the
                                        //       expert's label for DAgger and noise injection)
    std::vector<float> rewards;         // (N)
    std::vector<uint8_t> terminations;  // (N) 0/1: the episode ended in a terminal state at this row
    std::vector<uint8_t> truncations;   // (N) 0/1: the episode was cut by the time limit at this row
    std::vector<int64_t> episode_ends;  // (E) exclusive end row of each episode: strictly increasing, last = N
    MatD states;                        // (N,D) simulator state of each row (Env::get_state), double
    Mat executed;                       // (N,A) the float32 action each row sent to the env: from states at an
                                        //       episode's first row, these reproduce its states exactly.
                                        //       (0,A) for files written before it existed
    std::string env;                    // EnvSpec::identity() of the environment; "" if unknown
    std::vector<uint64_t> seeds;        // the base seeds (RolloutConfig::seed) of the rollouts that made these
                                        // episodes: evaluation warns when it would reuse their start states

    // N, the number of rows.
    Eigen::Index size() const { return observations.rows(); }
    // E, the number of episodes.
    int64_t num_episodes() const { return static_cast<int64_t>(episode_ends.size()); }
    // Rows [first, second) of episode e. Requires 0 <= e < E (throws std::out_of_range otherwise).
    std::pair<int64_t, int64_t> episode_range(int64_t e) const;
    int64_t episode_begin(int64_t e) const { return episode_range(e).first; }
    int64_t episode_end(int64_t e) const { return episode_range(e).second; }

    // Appends the T rows of one episode (nothing if T = 0): observations, states, executed actions, rewards,
    // terminations (truncations) 1 on the last row if the episode terminated (was truncated). `actions` come from e.expert_actions when
    // `which` includes Expert and the episode has expert labels, otherwise from e.actions when it includes
    // Actions. Throws std::invalid_argument if neither applies (Labels::Expert alone on an episode rolled
    // out without an expert) or if S or A differ from the rows already present.
    void append(const Episode& e, Labels which = Labels::Actions | Labels::Expert);
    // Appends all episodes of `other` (episode_ends shifted by N). Same width checks; both must be of the
    // same environment (or one of them unknown). `executed` is kept only if both have it.
    void append(const Dataset& other);

    // Checks every invariant and throws std::runtime_error("<where>: '<field>' <what>, expected <what>") at
    // the first violation: every array has N rows, terminations/truncations hold 0 or 1,
    // episode_ends is strictly increasing from > 0 and ends at N (empty iff N = 0), `executed` has 0 or N
    // rows, and observations, actions, executed, rewards and states are finite.
    void validate(const std::string& where = "dataset") const;
};

}  // namespace imitate
