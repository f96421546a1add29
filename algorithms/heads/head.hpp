// Policy heads: how a policy turns an observation into a chunk of actions when several chunks are valid.
// MSE regresses the mean and so averages two valid actions into an invalid one; the other four heads model
// the whole distribution p(chunk | obs) and can pick one mode. The generated variable is always the whole
// chunk, D = H·A values per row. Every head works in the policy's working space (normalised actions when
// the policy normalises, raw actions otherwise); the policy maps its output back to action units.
// A head is one row (a `Head`, declared at the end of this file) defined in its own file heads/<name>.cpp
// and one line IMITATE_HEAD(name, Kind) in heads/table.def: its net's sizes, its loss, its
// decoding and sampling, and its settings with their ranges (which validation, the checkpoint writer and
// the checkpoint reader all take from the row). algorithms/policy.cpp and algorithms/io/policy_checkpoint.cpp
// look the row up; README "How to add a head".
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/nn.hpp"

namespace imitate {

struct BCConfig;
struct BCResult;
struct Dataset;
struct Policy;

// One value per line of heads/table.def, in its order.
enum class HeadKind {
#define IMITATE_HEAD(name, Kind) Kind,
#include "algorithms/heads/table.def"
#undef IMITATE_HEAD
};
// "mse" | "gmm" | "tokens" | "cvae" | "diffusion" | "dt" | "act" (the table's names); throws std::invalid_argument naming
// the value otherwise.
HeadKind parse_head(const std::string& s);
const char* head_name(HeadKind h);

enum class Sampler { DDPM, DDIM };
// "ddpm" | "ddim"; throws std::invalid_argument naming the value otherwise.
Sampler parse_sampler(const std::string& s);
const char* sampler_name(Sampler s);

// Every head's settings (a head reads only its own). Stored in the checkpoint's metadata.
struct HeadConfig {
    HeadKind kind = HeadKind::MSE;  // which head
    // gmm
    int components = 5;             // K mixture components
    float min_std = 0.01f;          // std = softplus(raw) + min_std, in working units: keeps the likelihood bounded
    // tokens
    int bins = 64;                  // Bn bins per action dimension over [low, high]
    bool offsets = false;           // also regress the offset of the action inside its bin (BeT)
    float temperature = 1.0f;       // tokens, sampling: p ∝ exp(logit / temperature)
    // tokens and diffusion: the action range in raw action units, the same for every action dimension.
    // low == high means "not set": train_bc takes the data's min and max.
    float low = 0.0f, high = 0.0f;
    // cvae and act
    int latent = 8;                 // L, the latent dimension (`imitate train --head act`: 16)
    float beta = 0.1f;              // weight of KL(q(z|s,a) ‖ N(0,I)) against the reconstruction (act: 10)
    // act and dt: the transformers' sizes (act: ReLU feed-forward, no dropout)
    int d_model = 64;               // d, the token width
    int nhead = 4;                  // attention heads (divide d_model)
    int dim_ff = 256;               // feed-forward width
    int enc_layers = 2;             // layers of the CVAE encoder
    int layers = 2;                 // layers of the policy's encoder
    int dec_layers = 2;             // layers of the decoder
    // diffusion
    int diffusion_steps = 50;       // T, DDPM training steps of the cosine schedule
    int ddim_steps = 10;            // DDIM steps for deterministic predict (and for sampling with Sampler::DDIM)
    int embed = 32;                 // width of the sinusoidal step embedding (even, >= 4)
    Sampler sampler = Sampler::DDPM;  // sampling predict: DDPM (T steps) or DDIM (ddim_steps, η = 0)
    // dt (the transformer's sizes, with d_model and nhead above; chunk H must be 1)
    int context = 20;               // K steps of history (3K tokens)
    int ff = 256;                   // feed-forward width (GELU)
    int dt_layers = 3;              // causal pre-norm encoder layers (metadata key "dt_layers")
    int max_timestep = 0;           // rows of the timestep embedding; 0: train_dt takes the longest episode
    float return_scale = 0.0f;      // returns-to-go enter divided by it; 0: train_dt takes max |episode return|
    float target_return = 0.0f;     // the return asked for at deployment by default (train_dt: the data's best)
};

// Throws std::invalid_argument("<where>: <field> must be ..., got ...") for a setting of h's head outside the
// range its row declares (K >= 1, min_std > 0, bins >= 2, temperature > 0, latent >= 1, beta >= 0,
// 2 <= T <= 1000, 1 <= ddim_steps <= T, embed even and >= 4; integers at most kMaxHeadSetting), or, for a head
// that uses the action range, low >= high once set (checked when `range_set`).
void validate_head(const HeadConfig& h, const std::string& where, bool range_set);

// The action range of column j of a chunk (j = h·A + a) in working space: [low, high] mapped through the
// normaliser of action dimension a (identity without one). Computed on the fly, so nothing is allocated.
struct ActionRange {
    float low = -1, high = 1;                  // raw units
    int A = 1;                                 // action dimension (columns j and j + A share a range)
    const Mat* act_mean = nullptr;              // (1,A) normaliser, or null for the identity
    const Mat* act_std = nullptr;               // (1,A)
    float lo(Eigen::Index j) const { return act_mean ? (low - (*act_mean)(0, j % A)) / (*act_std)(0, j % A) : low; }
    float hi(Eigen::Index j) const { return act_mean ? (high - (*act_mean)(0, j % A)) / (*act_std)(0, j % A) : high; }
};

// Number of rows with at least one real (mask 1) element: the rows a per-row loss averages over.
// mask (B,D) -> w (B,1) of 0/1, returns Σ w.
float real_rows(const Mat& mask, Mat& w);

// ------------------------------------------------------------------------------------------- the table
// What a stateful head (the Decision Transformer) remembers of the episodes it is driving: a subclass per head.
struct HeadState {
    virtual ~HeadState() = default;
};

// A head's buffers for predict(), reused from call to call (one per thread, beside the MLP's own): its net's
// input, its net's output, and a start noise. A head uses those it needs; none is shared by convention.
struct HeadScratch {
    Mat in;     // (B, net inputs) when the head builds the net's input (cvae: [s | z], diffusion: [s | x_t | emb])
    Mat out;    // (B, net outputs) when the net's output is not the chunk (gmm, tokens; diffusion's ε̂)
    Mat noise;  // (1,D) or (B,D): diffusion's start noise x_T
    Tape<float> tape;  // a head with its own networks (HeadModel) runs its forward here, never its backward
    std::unique_ptr<HeadState> state;  // a stateful head's per-episode history (made by its row's `start`)
    std::vector<int> idx;  // its embedding lookups' indices
};

// The networks of a head that are not one MLP (a transformer): the policy holds one, built by the row's
// `model` function, instead of using its MLP `net` (which it then leaves empty). A head defines a subclass
// with its layers as members.
struct HeadModel {
    virtual ~HeadModel() = default;
    // Every trainable tensor, always in the same order, named as the PyTorch module's state_dict keys (the
    // checkpoint's tensor names).
    virtual std::vector<Param*> parameters() = 0;
    std::vector<const Param*> parameters() const {
        auto ps = const_cast<HeadModel*>(this)->parameters();
        return {ps.begin(), ps.end()};
    }
    // The tensor's shape in the checkpoint (PyTorch's): (rows, cols), except that a (1,n) parameter is the
    // 1-D (n) of a bias or a LayerNorm weight. A subclass overrides it for (1,n) matrices (an nn.Embedding(1,n)).
    virtual std::vector<int64_t> stored_shape(const Param& p) const {
        if (p.value.rows() == 1) return {p.value.cols()};
        return {p.value.rows(), p.value.cols()};
    }
    // A deep copy: a copied policy owns its own weights.
    virtual std::unique_ptr<HeadModel> clone() const = 0;
};

// A HeadModel held by value: copying the holder clones the model; empty for the MLP heads.
class HeadModelBox {
   public:
    HeadModelBox() = default;
    explicit HeadModelBox(std::unique_ptr<HeadModel> m) : m_(std::move(m)) {}
    HeadModelBox(const HeadModelBox& o) : m_(o.m_ ? o.m_->clone() : nullptr) {}
    HeadModelBox& operator=(const HeadModelBox& o) {
        if (this != &o) m_ = o.m_ ? o.m_->clone() : nullptr;
        return *this;
    }
    HeadModelBox(HeadModelBox&&) noexcept = default;
    HeadModelBox& operator=(HeadModelBox&&) noexcept = default;
    explicit operator bool() const { return m_ != nullptr; }
    HeadModel& operator*() { return *m_; }
    const HeadModel& operator*() const { return *m_; }
    HeadModel* operator->() { return m_.get(); }
    const HeadModel* operator->() const { return m_.get(); }

   private:
    std::unique_ptr<HeadModel> m_;
};

constexpr int kMaxHeadSetting = 1 << 16;  // the largest integer setting any head accepts

// A head's settings, visited in order by validation, the checkpoint writer, the checkpoint reader and the
// `imitate train` flags. Each call names the setting's metadata key (the flag is --key with '-' for '_'), a
// few words of help for the flag, and its range; the visitor reads or writes the field. Two heads may share
// a setting (the same key, field and range): its flag is made once.
struct HeadSettings {
    virtual ~HeadSettings() = default;
    // An integer in [lo, hi]; `hi_name` names hi in messages when it is another setting; `even`: also even.
    virtual void integer(const char* key, const char* help, int& v, int lo, int hi = kMaxHeadSetting,
                         const char* hi_name = nullptr, bool even = false) = 0;
    virtual void positive(const char* key, const char* help, float& v) = 0;      // a finite float > 0
    virtual void non_negative(const char* key, const char* help, float& v) = 0;  // a finite float >= 0
    virtual void real(const char* key, const char* help, float& v) = 0;          // any finite float
    virtual void flag(const char* key, const char* help, bool& v) = 0;           // true | false
    virtual void sampler(const char* key, const char* help, Sampler& v) = 0;     // ddpm | ddim
};

// The net's input and output widths for a head, with the metadata field that decides each (named by
// load_policy when a checkpoint's tensors disagree) and the output width's formula (for the same message).
struct HeadWidths {
    long in, out;  // long: a checkpoint's sizes are checked before any int holds their product
    const char* in_field;
    const char* out_field;
    std::string out_formula;
};

// One row per head. S = obs_dim, D = H·A; `net` acts (see algorithms/policy.hpp), `encoder` is the
// training-time network of heads that have one (else null). A head whose networks are not one MLP sets
// `model`, `model_loss` and `model_predict` instead of `widths`, `encoder_sizes`, `loss` and `predict`
// (which its policy never calls, and which may be null).
struct Head {
    HeadKind kind;
    const char* name;  // the --head value and the checkpoint's "head"
    bool uses_range;   // needs the action range [low, high] (stored as action_low, action_high)
    // Visits the settings the head reads (none: the MSE head).
    void (*settings)(HeadConfig& h, HeadSettings& s);
    HeadWidths (*widths)(const HeadConfig& h, long S, long D);
    // The encoder's MLP sizes, or null for a head without one.
    std::vector<int> (*encoder_sizes)(const HeadConfig& h, int S, int D, const std::vector<int>& hidden);
    // The training loss on `tape` for obs (B,S), target (B,D), mask (B,D) in working space -> (1,1).
    Var<float> (*loss)(const HeadConfig& h, const ActionRange& r, Tape<float>& tape, MLP& net, MLP* encoder,
                       const Mat& obs, const Mat& target, const Mat& mask, Rng& rng);
    // obs (B,S) in working space -> act (B,D): deterministic when rng is null, else a sample drawn from rng.
    void (*predict)(const HeadConfig& h, const ActionRange& r, const MLP& net, const Mat& obs, Mat& act,
                    MLPScratch& ms, HeadScratch& hs, Rng* rng);
    // A head with its own networks: builds them for S, A and chunk H, the initial weights drawn from rng
    // (null for the MLP heads). The checkpoint rebuilds them from the metadata's settings the same way.
    std::unique_ptr<HeadModel> (*model)(const HeadConfig& h, int S, int A, int H, Rng& rng) = nullptr;
    // Its loss and predict, as `loss` and `predict` above with the model in place of the MLPs.
    Var<float> (*model_loss)(const HeadConfig& h, const ActionRange& r, Tape<float>& tape, HeadModel& m, const Mat& obs,
                             const Mat& target, const Mat& mask, Rng& rng) = nullptr;
    void (*model_predict)(const HeadConfig& h, const ActionRange& r, const HeadModel& m, const Mat& obs, Mat& act,
                          HeadScratch& hs, Rng* rng) = nullptr;
    // The number of parameters `model` would allocate for these sizes, without allocating (optional): the
    // checkpoint reader refuses metadata whose model would be far larger than the file's tensors before building it.
    int64_t (*model_params)(const HeadConfig& h, int S, int A, int H) = nullptr;
    // A stateful head (its predict() depends on the episode so far): `start` begins B episodes in hs.state,
    // asking for `target` return (NaN: h.target_return); `reward` reports the B rewards of the step the last
    // predict() chose. Null for the stateless heads.
    void (*start)(const HeadConfig& h, const HeadModel& m, HeadScratch& hs, int B, double target) = nullptr;
    void (*reward)(HeadScratch& hs, const double* rewards, int B) = nullptr;
    // A head that trains on windows of whole episodes rather than on rows (train_bc hands the data to it).
    BCResult (*train)(const Dataset& data, const BCConfig& cfg, const std::function<void(int, float)>& on_epoch,
                      const Policy* warm_start) = nullptr;
};

// The rows, each defined in its own file: const Head& mse_head() in heads/mse.cpp, and so on.
#define IMITATE_HEAD(name, Kind) const Head& name##_head();
#include "algorithms/heads/table.def"
#undef IMITATE_HEAD

// Every head, in HeadKind order (the lines of heads/table.def).
const std::vector<const Head*>& head_table();
// The row of head k.
const Head& head_of(HeadKind k);

}  // namespace imitate
