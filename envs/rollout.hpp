// Lockstep batched rollouts on Pendulum-v1: N episodes advance together, the policy is called once per
// step on all N observations (one batched matmul for a network), then every episode steps its own env in
// parallel (OpenMP over episodes, from 256 episodes up). Each episode owns its Pendulum and its Rng, seeded
// derive_seed(seed, i), so the bytes of every episode are the same for any thread count. Action chunks (H
// actions per query) run open loop, receding horizon or with ACT's temporal ensemble; an optional expert
// labels every state (DAgger) and is executed with probability beta; noise can perturb the executed action.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "engine/tensor.hpp"

namespace imitate {

// A batched policy: obs (B,S) float in, out (B,H·A) float: row b holds H actions for episode b, the first
// for the current step. The policy may resize `out`; rollout() checks the shape after every call.
using BatchPolicy = std::function<void(const Mat& obs, Mat& out)>;

// How a chunk of H actions is turned into executed actions.
enum class Exec {
    Open,      // execute all H actions of a chunk, then query again (the seed program's way)
    Receding,  // execute the first k <= H actions of each chunk, then query again
    Ensemble,  // query every step; average all predictions for this step (ACT's temporal ensemble)
};

struct RolloutConfig {
    int episodes = 1;          // N episodes, run in lockstep
    uint64_t seed = 0;         // episode i uses Rng(derive_seed(seed, i))
    int steps = 200;           // T steps per episode; the env truncates at the T-th step
    double g = 10.0;           // gravity of every env
    double noise_sigma = 0.0;  // N(0, σ²) added to the executed action; the recorded action stays clean
    int chunk = 1;             // H: the policy returns H·A values per row
    Exec exec = Exec::Open;    // how chunks are executed
    int receding_k = 1;        // Exec::Receding: actions executed per chunk, 1 <= k <= H
    double ensemble_m = 0.01;  // Exec::Ensemble: weight exp(-m·i), i = 0 the oldest prediction
    BatchPolicy expert;        // optional, (B,S) -> (B,A): labels every visited state, executed w.p. beta
    double beta = 0.0;         // probability, per episode-step, that the expert's action is executed
    std::vector<std::array<double, 2>> starts;  // optional (θ, θ̇) per episode, instead of a random reset
};

// One episode, T = steps. Row t describes step t: the state and observation the policy saw, then the actions.
struct Episode {
    uint64_t seed = 0;                  // derive_seed(config seed, episode index)
    MatD states;                        // (T,2) θ, θ̇ before step t (the state the observation shows)
    Mat observations;                   // (T,S) float32 observation fed to the policy
    Mat actions;                        // (T,A) clean commanded action (policy's or expert's), before noise
                                        //       and before the env clips it
    Mat executed;                       // (T,A) what was sent to the env: actions + noise (float32)
    Mat expert_actions;                 // (T,A) expert label of every state; (0,A) without an expert
    std::vector<uint8_t> expert_executed;  // (T) 1 where the expert's action was executed
    std::vector<double> rewards;        // (T)
    std::array<double, 2> final_state{};   // θ, θ̇ after the last step
    bool truncated = false;             // true: the env hit its T-step limit (always, for T = steps)
    bool success = false;               // is_success (envs/experts.hpp) over the post-step θ of all T steps
    double episode_return = 0.0;        // Σ rewards, summed in step order

    // θ after each step: states(1..T-1, 0) then final_state[0]. Size T.
    std::vector<double> post_step_theta() const;
};

// ACT / LeRobot temporal-ensemble weights for n predictions of one step, oldest first:
// w_i = exp(-m·i) / Σ_j exp(-m·j), i = 0..n-1. Requires n >= 1; returns n weights summing to 1.
std::vector<double> ensemble_weights(int n, double m);

// Runs cfg.episodes episodes of cfg.steps steps of Pendulum-v1 in lockstep with `policy`.
// Per episode-step the episode's Rng is drawn in this order: (reset: θ then θ̇ uniform, only without
// cfg.starts), then one uniform for the beta coin (only when cfg.expert is set), then one normal for the
// noise (only when noise_sigma > 0).
// The policy is queried at steps where a new chunk is needed (Open: t % H == 0, Receding: t % k == 0,
// Ensemble: every step), always for all N episodes at once; the expert, if any, every step.
// Throws std::invalid_argument naming the field for episodes < 0, steps < 1, chunk < 1, receding_k outside
// [1, H], beta outside [0, 1], noise_sigma < 0 or non-finite, cfg.starts non-empty with size != episodes, or
// a policy (expert) that returns a shape other than (N, H·A) ((N, A)).
std::vector<Episode> rollout(const BatchPolicy& policy, const RolloutConfig& cfg);

}  // namespace imitate
