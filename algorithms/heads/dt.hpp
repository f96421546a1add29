// Decision Transformer (Chen et al. 2021), state-based, continuous actions: a causal transformer over the
// interleaved tokens (R̂_1, s_1, a_1, R̂_2, s_2, a_2, ...) of the last K steps of an episode, where R̂_t is the
// return still to get from step t on (undiscounted). The output at state token s_t predicts a_t: at test
// time the policy is asked for a target return R̂_1 and each reward it gets is subtracted from it, so it acts
// as the data's episodes that went on to get that much did. Trained by MSE on the actions of windows of K
// steps from mixed-quality data (the expert's, noisy and weaker controllers' episodes).
// Names follow the PyTorch module of scripts/make_dt_fixture.py (embed_return, embed_state, embed_action,
// embed_timestep, embed_ln, layers.{i}.*, norm, predict_action), so a checkpoint loads into it and back.
// Tokens of a batch of B windows are one (B·3K, d) matrix, row b·3K + 3k + j (j = 0 return, 1 state, 2
// action); a window shorter than K (near an episode's start) fills its first steps and is padded after them,
// where the causal mask already hides the padding from every real token: no key mask is needed, and the
// real tokens' outputs equal those of the paper's left-padded, key-masked window (positions enter only
// through the timestep embedding).
#pragma once
#include <cstdint>
#include <vector>

#include "algorithms/heads/head.hpp"
#include "autograd/transformer.hpp"

namespace imitate {

// The transformer's sizes, stored in the checkpoint's metadata.
struct DTConfig {
    int context = 20;          // K: steps of history (3K tokens)
    int d = 64;                // model width
    int heads = 4;             // attention heads (divides d)
    int ff = 256;              // feed-forward width
    int layers = 3;            // pre-norm encoder layers, causal, GELU feed-forward (GPT-2's activation)
    int max_timestep = 1000;   // rows of embed_timestep: steps t >= max_timestep use row max_timestep − 1
    float return_scale = 1.0f; // R̂ enters as R̂ / return_scale (train_dt: the largest |episode return| in the data)
    float target_return = 0;   // the default target at deployment (train_dt: the best episode return in the data)
};

// The sizes a HeadConfig's dt settings give (context, d_model, nhead, ff, layers, max_timestep, return_scale,
// target_return).
DTConfig dt_config(const HeadConfig& h);

// The model: S state width, A action width (in the policy's working space).
struct DecisionTransformer {
    DTConfig cfg;
    int S = 0, A = 0;
    Linear embed_return, embed_state, embed_action;  // (1|S|A) -> d
    Embedding embed_timestep;                         // (max_timestep, d)
    LayerNorm embed_ln;
    std::vector<EncoderLayer> layers;                 // layers.{i}.*
    LayerNorm norm;
    Linear predict_action;                            // d -> A, on each state token's output (no tanh)

    // PyTorch's init for every module, from rng in the order above. Throws std::invalid_argument naming the
    // field for S, A, K, d, heads, ff, layers or max_timestep < 1, heads not dividing d, or return_scale <= 0.
    DecisionTransformer(const DTConfig& cfg, int S, int A, Rng& rng);

    // rtg (B·T,1) already divided by return_scale, states (B·T,S), actions (B·T,A), timesteps (B·T) of B
    // windows of T <= K steps -> (B·T, A): the action predicted at each state token. The action a row
    // carries is seen only by the tokens of later steps. Throws std::invalid_argument naming the shapes.
    Var<float> forward(Tape<float>& tape, const Mat& rtg, const Mat& states, const Mat& actions,
                       const std::vector<int>& timesteps, int B);
    std::vector<Param*> parameters();
};

// Returns-to-go of every row of `data`: R̂_t = Σ_{t' >= t} r_t' within its episode, summed in double from the
// episode's end. (N) values.
std::vector<double> returns_to_go(const Dataset& data);

// A minibatch of windows in working space: the inputs of forward() and the loss mask.
struct DTBatch {
    Mat rtg;                      // (B·K,1) R̂ / return_scale
    Mat states, actions;          // (B·K,S), (B·K,A)
    std::vector<int> timesteps;   // (B·K) step within the episode, clipped to max_timestep − 1
    Mat mask;                     // (B·K,A) 1 on real steps, 0 on padding
};

// Fills `batch` with the windows ending at the given rows of the data: row j of episode [b0, e) gives steps
// max(b0, j − K + 1) .. j, then padding. obs (N,S) and actions (N,A) are the data's rows in working space,
// rtg (N) from returns_to_go; episode_of_row(j)'s first row is `starts[j]`.
void dt_batch(const DTConfig& cfg, const Mat& obs, const Mat& actions, const std::vector<double>& rtg,
              const std::vector<int64_t>& starts, const std::vector<int64_t>& ends, DTBatch& batch);
// The first row of each row's episode: (N) values.
std::vector<int64_t> episode_starts(const Dataset& data);

// The training loss of a batch: masked MSE of forward()'s actions against batch.actions -> (1,1).
Var<float> dt_loss(DecisionTransformer& dt, Tape<float>& tape, const DTBatch& batch);

// ------------------------------------------------------------------------------------------- deployment
// Per-row history of the episodes a DT drives, for B rows in lockstep: the last K (R̂, s, a, t) steps and the
// return still to get. reset() starts every row at t = 0 with R̂ = target; act() appends the observation and
// predicts a_t (the action is kept as that step's action token); reward() subtracts each row's reward and
// moves to the next step. One history per thread (it holds the tape).
struct DTHistory {
    int B = 0;
    int t = 0;                      // steps taken since reset
    std::vector<double> remaining;  // (B) the return still to get, in reward units
    Mat rtg, states, actions;       // (B·K, 1|S|A) step t − n + 1 + k at row b·K + k, n = min(t + 1, K)
    std::vector<int> timesteps;     // (B·K)
    bool awaiting_reward = false;   // act() was called for step t, reward() not yet
    Tape<float> tape;
    DTBatch view;                   // the (B·n) rows fed to forward()

    void reset(int B, const DTConfig& cfg, int S, int A, double target);
    // obs (B,S) in working space -> act (B,A) in working space. Throws std::invalid_argument when B differs
    // from reset()'s or when act() is called twice without reward() in between.
    void act(DecisionTransformer& dt, const Mat& obs, Mat& act);
    // rewards (B) of the step act() chose. Throws std::invalid_argument without a pending act() or when the
    // size differs from B, or a reward is not finite.
    void reward(const double* rewards, int n);
};

// The head's model (the policy's `model` when its head is dt): the transformer. Throws std::invalid_argument
// when m is another head's model.
DecisionTransformer& dt_model(HeadModel& m);
const DecisionTransformer& dt_model(const HeadModel& m);

}  // namespace imitate
