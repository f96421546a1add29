// A policy: observation -> a chunk of H actions, an MLP trunk with optional normalisation from dataset
// statistics (stored with the policy, so a checkpoint is self-contained). The MLP's output is the H·A
// action chunk, row-major: out[b, h·A + a] is action dimension a at step h of the chunk.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "autograd/nn.hpp"
#include "envs/rollout.hpp"

namespace imitate {

struct PolicyConfig {
    int obs_dim = 3;                          // S
    int act_dim = 1;                          // A
    int chunk = 1;                            // H: actions predicted per query
    std::vector<int> hidden{256, 256};        // widths of the hidden layers (the seed's 3→256→256→A·H)
    Activation activation = Activation::ReLU;  // between hidden layers
};

// obs_n = (obs − obs_mean) / obs_std and act_n = (act − act_mean) / act_std, per dimension.
// Disabled: identity. Shapes (1,S) and (1,A).
struct Normalizer {
    bool enabled = false;
    Mat obs_mean, obs_std, act_mean, act_std;
};

struct Policy {
    PolicyConfig cfg;
    MLP net;
    Normalizer norm;

    // Fresh weights (PyTorch's default init) from rng. Throws std::invalid_argument for dims < 1.
    Policy(const PolicyConfig& cfg, Rng& rng);
    // obs (B,S) raw observations -> out (B,H·A) raw actions. Thread-safe with one scratch per thread.
    void predict(const Mat& obs, Mat& out, MLPScratch& scratch) const;
    // This policy as a rollout BatchPolicy (keeps a pointer to *this and its own scratch).
    BatchPolicy as_batch_policy() const;
};

// Normaliser statistics from observations (N,S) and actions (N,A): mean and std per column, a std below
// 1e-6 replaced by 1 (a constant column would otherwise divide by zero).
Normalizer fit_normalizer(const Mat& obs, const Mat& actions);

}  // namespace imitate
