// A policy: observation -> a chunk of H actions, an MLP with optional normalisation from dataset statistics
// (stored with the policy, so a checkpoint is self-contained). The chunk is row-major: out[b, h·A + a] is
// action dimension a at step h. A head (algorithms/heads/) decides what the MLP outputs: the chunk itself
// (MSE, the seed's BCPolicy) or a distribution over chunks (Gaussian mixture, tokens, CVAE, diffusion).
#pragma once
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "algorithms/heads/head.hpp"
#include "autograd/nn.hpp"
#include "envs/rollout.hpp"

namespace imitate {

struct PolicyConfig {
    int obs_dim = 3;                          // S
    int act_dim = 1;                          // A
    int chunk = 1;                            // H: actions predicted per query
    std::vector<int> hidden{256, 256};        // widths of the hidden layers (the seed's 3→256→256→A·H)
    Activation activation = Activation::ReLU;  // between hidden layers
    HeadConfig head;                          // which head and its settings (default: MSE)
};

// obs_n = (obs − obs_mean) / obs_std and act_n = (act − act_mean) / act_std, per dimension.
// Disabled: identity. Shapes (1,S) and (1,A).
struct Normalizer {
    bool enabled = false;
    Mat obs_mean, obs_std, act_mean, act_std;
};

// predict()'s buffers, reused from call to call: one per thread that runs a policy.
struct PolicyScratch {
    MLPScratch net;    // the MLP's hidden activations
    Mat obs;           // (B,S) the normalised observations (when the policy normalises)
    HeadScratch head;  // the head's own buffers (heads/head.hpp)
};

// The networks per head, D = H·A (each a PyTorch-style nn.Sequential; tensors net.* and encoder.*); each
// head's row (heads/head.hpp) gives these widths:
//   mse        net: S -> hidden -> D                   the chunk
//   gmm        net: S -> hidden -> 2·K·D + K           means, raw stds, mixture logits (heads/gmm.hpp)
//   tokens     net: S -> hidden -> D·bins (·2)         bin logits (and offsets) (heads/tokens.hpp)
//   cvae       net: S + L -> hidden -> D               the decoder p(a|s,z); encoder: S + D -> hidden -> 2·L
//   diffusion  net: S + D + E -> hidden -> D           the denoiser ε̂(s, x_t, t) (heads/diffusion.hpp)
//   dt         model: the Decision Transformer (heads/dt.hpp), H = 1, stateful (start / reward below)
// A head whose row builds a `model` (heads/head.hpp HeadModel: transformers) has no MLP: `net` is empty,
// `model` holds every network (tensors named as the PyTorch module's state_dict), cfg.hidden is unused.
struct Policy {
    PolicyConfig cfg;
    MLP net;                     // the network that acts (see above); empty when the head has a model
    Normalizer norm;
    std::optional<MLP> encoder;  // cvae only: q(z | s, a), dropped at test time but kept for training
    HeadModelBox model;          // the head's own networks when its row has `model`, else empty
    std::string env;             // EnvSpec::identity() of the environment it was trained for; "" if unknown
    std::vector<uint64_t> data_seeds;  // the training data's rollout seeds (Dataset::seeds)

    // Fresh weights (PyTorch's default init) from rng: net first, then the encoder (or the head's model). Throws
    // std::invalid_argument for dims < 1 or head settings out of range (validate_head; tokens and diffusion
    // need cfg.head.low < cfg.head.high).
    Policy(const PolicyConfig& cfg, Rng& rng);

    // The head's row in the table (heads/head.hpp).
    const Head& head() const { return head_of(cfg.head.kind); }

    // obs (B,S) raw observations -> out (B,H·A) raw actions, deterministically: the MSE output, the mean
    // of the most likely mixture component, the argmax tokens, the CVAE decoder at z = 0, or DDIM from a
    // fixed start noise. Thread-safe with one scratch per thread. Throws std::invalid_argument if S differs.
    void predict(const Mat& obs, Mat& out, PolicyScratch& scratch) const;
    // The same, but a sample from the head's distribution, drawing from rng (same rng state -> same
    // samples): a mixture sample, tokens at cfg.head.temperature, the decoder at z ~ N(0,I), or DDPM/DDIM
    // per cfg.head.sampler. The MSE head has no distribution: identical to predict() and draws nothing.
    void predict(const Mat& obs, Mat& out, PolicyScratch& scratch, Rng& rng) const;

    // The head's training loss on `tape` for a minibatch in working space (normalised when norm.enabled):
    // obs (B,S), target (B,H·A), mask (B,H·A) of 0/1 (0 = padding past an episode's end or a padding row).
    // obs, target and mask are referenced, not copied: they must outlive the tape's backward. rng supplies
    // the CVAE's ε and the diffusion steps and noise (unused by mse, gmm, tokens). Returns a (1,1) loss.
    Var<float> loss(Tape<float>& tape, const Mat& obs, const Mat& target, const Mat& mask, Rng& rng);

    // Every trainable tensor: net's, then the encoder's, then the model's.
    std::vector<Param*> parameters();
    // The action range of the tokens' bins and the diffusion clip, in working space.
    ActionRange action_range() const;

    // A stateful head (dt: its action depends on the episode so far and the return still to get) keeps its
    // history in the scratch: start() begins B episodes asking for `target_return` (NaN: the head's default,
    // cfg.head.target_return), then predict() and reward() alternate, reward() taking the B rewards of the
    // step predict() chose. A scratch that has not started begins at the default on its first predict(). For
    // the stateless heads both are no-ops. Throws std::invalid_argument for B < 1, a non-finite target or
    // reward, or a reward count other than B.
    bool stateful() const { return head().start != nullptr; }
    void start(PolicyScratch& scratch, int B, double target_return = std::nan("")) const;
    void reward(PolicyScratch& scratch, const double* rewards, int B) const;

    // This policy as a rollout BatchPolicy (keeps a pointer to *this and its own scratch): predict().
    BatchPolicy as_batch_policy() const;
    // The same, with the rollout's feedback for a stateful head filled in (start at target_return, then each
    // step's rewards); a stateless head leaves `feedback` empty. Pass `feedback` as RolloutConfig::feedback.
    BatchPolicy as_batch_policy(PolicyFeedback& feedback, double target_return = std::nan("")) const;
    // A sampling BatchPolicy: predict(..., rng) with its own Rng(seed), advanced call by call.
    BatchPolicy as_sampling_policy(uint64_t seed) const;
};

// A policy fixed for deployment (a control loop; the C interface, algorithms/imitate.h, holds one): its own
// copy of the policy, never changed afterwards, and its MLP's weights packed for small batches (PackedMLP,
// autograd/nn.hpp). predict() gives Policy::predict's bytes; at batch 1 it reads the weights as one stream
// (README Performance: even with the row layout on a Zen 4, whose 512-bit loads count twice; made for the
// Zen 5, where the row layout reached 59% of the L2 bound). Move-only: the packed copy points at the MLP it
// was made from, which lives on the heap and so stays put.
class DeployedPolicy {
public:
    explicit DeployedPolicy(Policy p);
    const Policy& policy() const { return *policy_; }
    // Policy::predict on the packed weights; the scratch is the caller's, one per thread, as there.
    void predict(const Mat& obs, Mat& out, PolicyScratch& scratch) const;
    void predict(const Mat& obs, Mat& out, PolicyScratch& scratch, Rng& rng) const;

private:
    std::unique_ptr<const Policy> policy_;
    PackedMLP packed_;
};

// Normaliser statistics from observations (N,S) and actions (N,A): mean and std per column, a std below
// 1e-6 replaced by 1 (a constant column would otherwise divide by zero).
Normalizer fit_normalizer(const Mat& obs, const Mat& actions);

}  // namespace imitate
