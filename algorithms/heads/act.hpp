// ACT (Zhao et al. 2023, "Learning Fine-Grained Bimanual Manipulation with Low-Cost Hardware"), state-based:
// a conditional VAE whose encoder and decoder are transformers. The CVAE encoder (training only) reads the
// tokens [CLS, obs, a_1..a_k] and gives q(z | s, a) = N(μ, σ²) from the CLS output; the policy encodes the
// memory tokens [proj(z), proj(s)] and a decoder turns k learned queries, attending to that memory, into the
// k actions of the chunk. Loss: masked L1 reconstruction + β·KL(q ‖ N(0,I)). At test time z = 0; the paper
// deploys it with temporal ensembling (`imitate eval --exec ensemble:0.01`).
// Sizes: S obs dim, A action dim, k = H the chunk, d = d_model, L = latent. Every tensor is named as the
// PyTorch module in bench/peers/act_model.py (its state_dict keys), so a checkpoint loads there by name.
#pragma once
#include <memory>
#include <vector>

#include "algorithms/heads/head.hpp"
#include "autograd/transformer.hpp"

namespace imitate {

struct ActModel final : HeadModel {
    int S, A, H, L;  // obs dim, action dim, chunk k, latent
    // CVAE encoder q(z | s, a): training only
    Embedding cvae_cls;                       // (1,d) the CLS token
    Linear cvae_obs_proj, cvae_action_proj;   // S -> d, A -> d
    std::vector<EncoderLayer> cvae_encoder;   // cvae_encoder.layers.{i}.*
    LayerNorm cvae_encoder_norm;              // cvae_encoder.norm.*
    Linear latent_proj;                       // d -> 2L: [μ | log σ²]
    // the policy p(a | s, z)
    Linear latent_out_proj, obs_proj;         // L -> d, S -> d: the two memory tokens
    Embedding memory_pos;                     // (2,d) learned positions of the memory tokens
    std::vector<EncoderLayer> encoder;        // encoder.layers.{i}.*
    LayerNorm encoder_norm;                   // encoder.norm.*
    Embedding query_embed;                    // (k,d) the decoder's input, one query per action of the chunk
    std::vector<DecoderLayer> decoder;        // decoder.layers.{i}.* (non-causal self-attention)
    LayerNorm decoder_norm;                   // decoder.norm.*
    Linear action_head;                       // d -> A on each of the k outputs
    Mat cvae_pos;                             // (1, (k+2)·d) fixed sinusoidal positions of the CVAE tokens

    // Weights as PyTorch initialises each layer, drawn from rng in the order of the members above. Throws
    // std::invalid_argument for sizes < 1 or d_model not a multiple of nhead (validate_head says why first).
    ActModel(const HeadConfig& h, int S, int A, int H, Rng& rng);

    // obs (B,S), chunk (B,k·A) (padding already zeroed) -> (B,2L) = [μ | log σ²]
    Var<float> encode(Var<float> obs, Var<float> chunk);
    // obs (B,S), z (B,L) -> chunk (B,k·A), row-major (b, h·A + a); idx: a buffer for the queries' indices
    Var<float> decode(Var<float> obs, Var<float> z, std::vector<int>& idx);

    std::vector<Param*> parameters() override;
    std::vector<int64_t> stored_shape(const Param& p) const override;  // 1-D: biases and layer-norm weights
    std::unique_ptr<HeadModel> clone() const override { return std::make_unique<ActModel>(*this); }
};

// obs (B,S), target (B,k·A), mask (B,k·A), eps (B,L) -> (1,1) on `tape`:
//   Σ mask·|decode(s, z) − a| / Σ mask + β·(Σ_l −½(1 + log σ² − μ² − σ²), averaged over rows with a real
//   element),  [μ | log σ²] = encode(s, a ⊙ mask),  z = μ + exp(½ log σ²)·ε.
// obs, target, mask and eps must outlive the tape's backward (the head's row draws ε from the loss's rng, B·L
// normals row-major, onto the tape). Throws std::invalid_argument naming the shapes
// when they do not fit the model.
Var<float> act_loss(const HeadConfig& h, Tape<float>& tape, ActModel& m, const Mat& obs, const Mat& target,
                    const Mat& mask, const Mat& eps);

// obs (B,S) -> act (B,k·A) = decode(s, z): z = 0 when rng is null, else z ~ N(0,I) (B·L normals, row-major).
// Runs the forward on hs.tape (z in hs.noise, the queries' indices in hs.idx); reads the model only: no
// allocation once the buffers have their shapes. Thread-safe with one scratch per thread.
void act_predict(const ActModel& m, const Mat& obs, Mat& act, HeadScratch& hs, Rng* rng);

}  // namespace imitate
