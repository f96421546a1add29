// Lockstep batched rollouts on any environment (envs/env.hpp): N episodes advance together, the policy is
// called once per step on all N observations (one batched matmul for a network), then every episode steps
// its own Env in parallel (OpenMP over episodes). Each episode owns its Env (a clone of the prototype), its
// Expert (a clone) and its Rng, seeded derive_seed(seed, i), so the bytes of every episode are the same for
// any thread count. Action chunks (H actions per query) run open loop, receding horizon or with ACT's
// temporal ensemble; an optional expert labels every state (DAgger) and is executed with probability beta
// (or drives alone); noise can perturb the executed action. Episodes end when their env terminates or at the
// time limit T (gym.make's TimeLimit: spec().max_steps unless RolloutConfig::steps says otherwise).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/tensor.hpp"
#include "envs/env.hpp"

namespace imitate {

// A batched policy: obs (B,S) float in, out (B,H·A) float: row b holds H actions for episode b, the first
// for the current step. The policy owns H: rollout() reads it from the width of the first call's `out`
// (H = cols / A) and checks the shape after every call. The policy may resize `out`.
using BatchPolicy = std::function<void(const Mat& obs, Mat& out)>;

// How a chunk of H actions is turned into executed actions.
enum class Exec {
    Open,      // execute all H actions of a chunk, then query again (the seed program's way)
    Receding,  // execute the first k <= H actions of each chunk, then query again
    Ensemble,  // query every step; average all predictions for this step (ACT's temporal ensemble)
};

// How chunks are executed: one struct that evaluation and experiments hold rather than copy.
struct ExecConfig {
    Exec mode = Exec::Open;    // how chunks are executed (H = 1: all modes are the same)
    int receding_k = 1;        // Exec::Receding: actions executed per chunk, 1 <= k <= H
    double ensemble_m = 0.01;  // Exec::Ensemble: weight exp(-m·i), i = 0 the oldest prediction
};

// Which episodes run and how chunks execute: the part of a rollout an evaluation chooses (EvalConfig,
// algorithms/evaluate.hpp, is one).
struct EpisodeConfig {
    int episodes = 1;          // N episodes, run in lockstep
    uint64_t seed = 0;         // episode i uses Rng(derive_seed(seed, i)) and its expert reset(that seed)
    int steps = 0;             // T, the time limit; 0: the env's spec().max_steps
    ExecConfig exec;           // how chunks are executed
};

// Optional hooks for a policy that keeps state per episode (the Decision Transformer, algorithms/heads/dt.hpp,
// conditions on the return still to get): rollout() calls start(N) once before its first query (a new
// episode in every row) and reward(r) after every lockstep step with the N rewards of that step (0 for
// episodes already finished), both outside parallel regions. A stateless BatchPolicy leaves both empty.
struct PolicyFeedback {
    std::function<void(int N)> start;
    std::function<void(const std::vector<double>& rewards)> reward;
};

struct RolloutConfig : EpisodeConfig {
    double noise_sigma = 0.0;  // N(0, σ²) added to the executed action; the recorded action stays clean
    std::shared_ptr<const Expert> expert;  // optional: labels every visited state, executed w.p. beta
    double beta = 0.0;         // probability, per episode-step, that the expert's action is executed
    std::vector<std::vector<double>> starts;  // optional simulator state per episode, instead of a random reset
    PolicyFeedback feedback;   // optional: for a stateful policy (ignored when the expert drives alone)
};

// One episode of T_i <= T steps (fewer if the env terminated). Row t describes step t: the state and
// observation the policy saw, then the actions.
struct Episode {
    uint64_t seed = 0;                  // derive_seed(config seed, episode index)
    MatD states;                        // (T_i,D) simulator state before step t (Env::get_state)
    Mat observations;                   // (T_i,S) float32 observation fed to the policy
    Mat actions;                        // (T_i,A) clean commanded action (policy's or expert's), before noise
    Mat executed;                       // (T_i,A) the float32 action sent to Env::step: actions + noise
                                        //         (replaying these from states(0) reproduces every state)
    Mat expert_actions;                 // (T_i,A) expert label of every state; (0,A) without an expert
    std::vector<uint8_t> expert_executed;  // (T_i) 1 where the expert's action was executed
    std::vector<double> rewards;        // (T_i)
    std::vector<uint8_t> at_goal;       // (T_i) Env::at_goal() after step t
    std::vector<double> final_state;    // (D) the state after the last step
    double final_error = 0.0;           // Env::goal_error() after the last step
    bool terminated = false;            // the env ended the episode (goal reached, collision)
    bool truncated = false;             // the time limit ended it
    bool success = false;               // the env's rule: at_goal after each of the last success_window steps
    double episode_return = 0.0;        // Σ rewards, summed in step order

    int length() const { return static_cast<int>(observations.rows()); }
    // State column c after each step: states(1..T_i-1, c) then final_state[c]. Size T_i. (Pendulum, c = 0: θ.)
    std::vector<double> post_step(int c = 0) const;
    // The first step n (1-based) after which at_goal holds to the end; -1 if it does not hold at the end.
    int settle_step() const;
};

// ACT / LeRobot temporal-ensemble weights for n predictions of one step, oldest first:
// w_i = exp(-m·i) / Σ_j exp(-m·j), i = 0..n-1. Requires n >= 1; returns n weights summing to 1.
std::vector<double> ensemble_weights(int n, double m);

// Runs cfg.episodes episodes of `env` (the prototype: each episode runs a clone) in lockstep with `policy`.
// An empty `policy` means the expert drives alone (cfg.expert required, H = 1; no beta coin is drawn).
// H is the policy's (the width of its first output over A); with H = 1 every execution mode is Open.
// Per episode-step the episode's Rng is drawn in this order: (reset: the env's draws, only without
// cfg.starts), then one uniform for the beta coin (only when both a policy and cfg.expert are set), then one
// normal per action dimension for the noise (only when noise_sigma > 0).
// The policy is queried at steps where a new chunk is needed (Open: t % H == 0, Receding: t % k == 0,
// Ensemble: every step), always for all N episodes at once (a finished episode's row repeats its last
// observation and its output is ignored); the expert labels every running episode at every step. With
// cfg.feedback set (and a policy driving), start(N) runs before the first query and reward() after each step.
// Throws std::invalid_argument naming the field for episodes < 0, steps < 0, receding_k outside [1, H] (H > 1),
// beta outside [0, 1], noise_sigma < 0 or non-finite, starts of the wrong count or width, an empty policy
// without an expert, a policy whose first output is not (N, H·A) for some H >= 1 or whose later outputs
// differ from its first, and std::runtime_error for a
// policy or expert that returns a non-finite action (naming the step and episode) or an env that fails.
std::vector<Episode> rollout(const Env& env, const BatchPolicy& policy, const RolloutConfig& cfg);

// The expert's demonstrations: rollout(env, {}, cfg) with cfg.expert = expert.
std::vector<Episode> rollout_expert(const Env& env, std::shared_ptr<const Expert> expert, RolloutConfig cfg);

}  // namespace imitate
