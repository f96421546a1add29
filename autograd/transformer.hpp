// Transformer layers on the tape: multi-head attention, pre-norm encoder and decoder layers, layer norm,
// embeddings, sinusoidal and learned positions. Parameter names and layouts are PyTorch's state_dict
// (nn.MultiheadAttention, nn.TransformerEncoderLayer / nn.TransformerDecoderLayer with norm_first=True,
// batch_first=True, nn.LayerNorm, nn.Embedding), so a checkpoint goes to PyTorch and back by name.
// Activations: a batch of B sequences of T tokens of width d is one (B·T, d) matrix, row b·T + t.
#pragma once
#include <string>
#include <vector>

#include "autograd/nn.hpp"
#include "autograd/ops_transformer.hpp"
#include "engine/rng.hpp"

namespace imitate {

// The feed-forward block's activation: ReLU or GELU (exact erf form), as the PyTorch layers' `activation`.
enum class FeedForwardAct { ReLU, GELU };

// x (R,d) -> (R,d). weight (1,d) = 1, bias (1,d) = 0 at start; eps 1e-5 (nn.LayerNorm).
struct LayerNorm {
    Param weight, bias;
    float eps = 1e-5f;
    LayerNorm(int d, const std::string& prefix);
    Var<float> operator()(Var<float> x) { return layer_norm(x, x.tape->param(weight), x.tape->param(bias), eps); }
};

// idx (R) -> (R,d): rows of weight (V,d) ~ N(0,1) (nn.Embedding). Learned positions are an Embedding over
// (max T, d) looked up with positions(B, T).
struct Embedding {
    Param weight;
    Embedding(int V, int d, Rng& rng, const std::string& prefix);
    Var<float> operator()(Tape<float>& t, const std::vector<int>& idx) { return embedding(t.param(weight), idx); }
};
// (B·T) indices 0, 1, ..., T−1 repeated B times: the positions of a (B·T, d) batch.
std::vector<int> positions(int B, int T);
// (B·T, d): the fixed encoding of Vaswani et al. tiled over the batch, pe[t, 2i] = sin(t / 10000^(2i/d)),
// pe[t, 2i+1] = cos(t / 10000^(2i/d)). Requires B, T >= 1 and d >= 1.
Mat sinusoidal_positions(int B, int T, int d);

// x (B·Tq, d), memory (B·Tk, d) -> (B·Tq, d): h heads of width D = d/h.
// in_proj_weight (3d,d) stacks the query, key and value projections (rows [0,d), [d,2d), [2d,3d)),
// in_proj_bias (1,3d) likewise; out_proj.weight (d,d), out_proj.bias (1,d). Initialised as PyTorch does
// (xavier-uniform in_proj_weight, zero biases, out_proj.weight ~ U(±1/√d)).
struct MultiheadAttention {
    int d = 0, heads = 0;
    Param in_proj_weight, in_proj_bias;
    Linear out_proj;
    // Requires d >= 1 and h >= 1 dividing d; throws std::invalid_argument otherwise.
    MultiheadAttention(int d, int heads, Rng& rng, const std::string& prefix);
    // Self-attention when memory is x itself (one fused (3d) projection), cross-attention otherwise.
    // causal: query t attends to keys j <= t only. Throws naming the shapes when they are not (B·T, d).
    Var<float> operator()(Var<float> x, Var<float> memory, int B, bool causal);
    std::vector<Param*> parameters();
};

struct TransformerLayerConfig {
    int d = 64;                             // model width
    int heads = 4;                          // attention heads (divides d)
    int ff = 256;                           // feed-forward hidden width
    FeedForwardAct act = FeedForwardAct::ReLU;  // feed-forward activation
};

// Pre-norm encoder layer (norm_first=True):  x += self_attn(norm1(x));  x += linear2(act(linear1(norm2(x))))
// x (B·T, d) -> (B·T, d). Names: self_attn.*, linear1.*, linear2.*, norm1.*, norm2.* after the prefix.
struct EncoderLayer {
    TransformerLayerConfig cfg;
    MultiheadAttention self_attn;
    Linear linear1, linear2;
    LayerNorm norm1, norm2;
    EncoderLayer(TransformerLayerConfig cfg, Rng& rng, const std::string& prefix);
    // causal = true makes it a decoder-only (GPT-style) block.
    Var<float> operator()(Var<float> x, int B, bool causal = false);
    std::vector<Param*> parameters();
};

// Pre-norm decoder layer:  x += self_attn(norm1(x)) (causal);  x += multihead_attn(norm2(x), memory);
// x += linear2(act(linear1(norm3(x)))).  x (B·Tq, d), memory (B·Tk, d) -> (B·Tq, d).
struct DecoderLayer {
    TransformerLayerConfig cfg;
    MultiheadAttention self_attn, multihead_attn;
    Linear linear1, linear2;
    LayerNorm norm1, norm2, norm3;
    DecoderLayer(TransformerLayerConfig cfg, Rng& rng, const std::string& prefix);
    Var<float> operator()(Var<float> x, Var<float> memory, int B, bool causal = true);
    std::vector<Param*> parameters();
};

}  // namespace imitate
