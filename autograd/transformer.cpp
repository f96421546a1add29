// Transformer layers. Each forward reads as the PyTorch layer's forward with norm_first=True; attention is
// the fused op (autograd/ops_transformer.hpp), its heads split and merged by permutation ops.
#include "autograd/transformer.hpp"

#include <cmath>
#include <stdexcept>

namespace imitate {

LayerNorm::LayerNorm(int d, const std::string& prefix) : weight(prefix + "weight", 1, d), bias(prefix + "bias", 1, d) {
    weight.value.setOnes();
}

Embedding::Embedding(int V, int d, Rng& rng, const std::string& prefix) : weight(prefix + "weight", V, d) {
    for (Eigen::Index i = 0; i < weight.value.size(); ++i) weight.value.data()[i] = static_cast<float>(rng.normal());
}

std::vector<int> positions(int B, int T) {
    std::vector<int> p;
    p.reserve(static_cast<size_t>(B) * static_cast<size_t>(std::max(T, 0)));
    for (int b = 0; b < B; ++b)
        for (int t = 0; t < T; ++t) p.push_back(t);
    return p;
}

Mat sinusoidal_positions(int B, int T, int d) {
    if (B < 1 || T < 1 || d < 1)
        throw std::invalid_argument("sinusoidal_positions: B = " + std::to_string(B) + ", T = " + std::to_string(T) +
                                    ", d = " + std::to_string(d) + " must all be >= 1");
    Mat pe(static_cast<Eigen::Index>(B) * T, d);
    for (int t = 0; t < T; ++t)
        for (int c = 0; c < d; ++c) {
            // column pair i = c/2 shares the frequency 10000^(−2i/d): sin in the even column, cos in the odd
            const double w = std::exp(-double(c - c % 2) * std::log(10000.0) / double(d));
            const float v = static_cast<float>(c % 2 == 0 ? std::sin(t * w) : std::cos(t * w));
            for (int b = 0; b < B; ++b) pe(static_cast<Eigen::Index>(b) * T + t, c) = v;
        }
    return pe;
}

static int checked_width(int d, int heads) {
    if (d < 1 || heads < 1 || d % heads != 0)
        throw std::invalid_argument("MultiheadAttention: d = " + std::to_string(d) + " is not a positive multiple of heads = " +
                                    std::to_string(heads));
    return d;
}

MultiheadAttention::MultiheadAttention(int d_, int heads_, Rng& rng, const std::string& prefix)
    : d(checked_width(d_, heads_)), heads(heads_), in_proj_weight(prefix + "in_proj_weight", 3 * d_, d_),
      in_proj_bias(prefix + "in_proj_bias", 1, 3 * d_), out_proj(d_, d_, rng, prefix + "out_proj.") {
    const double a = std::sqrt(6.0 / double(d + 3 * d));  // xavier_uniform_: fan_in d, fan_out 3d
    for (Eigen::Index i = 0; i < in_proj_weight.value.size(); ++i)
        in_proj_weight.value.data()[i] = static_cast<float>(rng.uniform(-a, a));
    out_proj.b.value.setZero();
}

Var<float> MultiheadAttention::operator()(Var<float> x, Var<float> memory, int B, bool causal) {
    if (B < 1 || x.cols() != d || memory.cols() != d || x.rows() % B != 0 || memory.rows() % B != 0)
        throw std::invalid_argument("MultiheadAttention: x " + shape_str(x.value()) + " and memory " +
                                    shape_str(memory.value()) + " are not (B·T, " + std::to_string(d) + ") for B = " +
                                    std::to_string(B));
    Tape<float>& t = *x.tape;
    Var<float> W = t.param(in_proj_weight), b = t.param(in_proj_bias);
    Var<float> q, k, v;
    // 1. project: q = x·W_qᵀ + b_q, k = memory·W_kᵀ + b_k, v = memory·W_vᵀ + b_v
    if (memory.id == x.id) {
        Var<float> qkv = linear(x, W, b);  // (B·T, 3d)
        q = slice_cols(qkv, 0, d), k = slice_cols(qkv, d, d), v = slice_cols(qkv, 2 * d, d);
    } else {
        q = linear(x, slice_rows(W, 0, d), slice_cols(b, 0, d));
        Var<float> kv = linear(memory, slice_rows(W, d, 2 * d), slice_cols(b, d, 2 * d));  // (B·Tk, 2d)
        k = slice_cols(kv, 0, d), v = slice_cols(kv, d, d);
    }
    // 2. attend in each of the B·h (sequence, head) slices, 3. merge the heads and project out
    Var<float> o = attention(split_heads(q, B, heads), split_heads(k, B, heads), split_heads(v, B, heads),
                             Eigen::Index(B) * heads, causal);
    return out_proj(merge_heads(o, B, heads));
}

std::vector<Param*> MultiheadAttention::parameters() { return {&in_proj_weight, &in_proj_bias, &out_proj.W, &out_proj.b}; }

static Var<float> feed_forward(Linear& l1, Linear& l2, FeedForwardAct act, Var<float> x) {
    Var<float> h = l1(x);
    return l2(act == FeedForwardAct::GELU ? gelu(h) : relu(h));
}

EncoderLayer::EncoderLayer(TransformerLayerConfig c, Rng& rng, const std::string& p)
    : cfg(c), self_attn(c.d, c.heads, rng, p + "self_attn."), linear1(c.d, c.ff, rng, p + "linear1."),
      linear2(c.ff, c.d, rng, p + "linear2."), norm1(c.d, p + "norm1."), norm2(c.d, p + "norm2.") {}

Var<float> EncoderLayer::operator()(Var<float> x, int B, bool causal) {
    Var<float> h = norm1(x);
    x = add(x, self_attn(h, h, B, causal));
    return add(x, feed_forward(linear1, linear2, cfg.act, norm2(x)));
}

std::vector<Param*> EncoderLayer::parameters() {
    std::vector<Param*> ps = self_attn.parameters();
    for (Param* p : {&linear1.W, &linear1.b, &linear2.W, &linear2.b, &norm1.weight, &norm1.bias, &norm2.weight, &norm2.bias})
        ps.push_back(p);
    return ps;
}

DecoderLayer::DecoderLayer(TransformerLayerConfig c, Rng& rng, const std::string& p)
    : cfg(c), self_attn(c.d, c.heads, rng, p + "self_attn."), multihead_attn(c.d, c.heads, rng, p + "multihead_attn."),
      linear1(c.d, c.ff, rng, p + "linear1."), linear2(c.ff, c.d, rng, p + "linear2."), norm1(c.d, p + "norm1."),
      norm2(c.d, p + "norm2."), norm3(c.d, p + "norm3.") {}

Var<float> DecoderLayer::operator()(Var<float> x, Var<float> memory, int B, bool causal) {
    Var<float> h = norm1(x);
    x = add(x, self_attn(h, h, B, causal));
    x = add(x, multihead_attn(norm2(x), memory, B, false));
    return add(x, feed_forward(linear1, linear2, cfg.act, norm3(x)));
}

std::vector<Param*> DecoderLayer::parameters() {
    std::vector<Param*> ps = self_attn.parameters();
    for (Param* p : multihead_attn.parameters()) ps.push_back(p);
    for (Param* p : {&linear1.W, &linear1.b, &linear2.W, &linear2.b, &norm1.weight, &norm1.bias, &norm2.weight,
                     &norm2.bias, &norm3.weight, &norm3.bias})
        ps.push_back(p);
    return ps;
}

}  // namespace imitate
