// ACT head: the CVAE encoder, the policy's encoder-decoder and the loss, each reading as the PyTorch module's
// forward (bench/peers/act_model.py). Token sequences are (B·T, d) matrices, row b·T + t: a (B, T·d) row of
// concatenated tokens reshaped to (B·T, d) is exactly that layout, so no gather is needed.
#include "algorithms/heads/act.hpp"

#include <stdexcept>

#include "autograd/losses.hpp"

namespace imitate {

static TransformerLayerConfig layer_config(const HeadConfig& h) {
    return {.d = h.d_model, .heads = h.nhead, .ff = h.dim_ff, .act = FeedForwardAct::ReLU};
}

template <class Layer>
static std::vector<Layer> stack(int n, const HeadConfig& h, Rng& rng, const std::string& prefix) {
    std::vector<Layer> layers;
    layers.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) layers.emplace_back(layer_config(h), rng, prefix + "layers." + std::to_string(i) + ".");
    return layers;
}

static int checked_sizes(const HeadConfig& h, int S, int A, int H) {
    if (h.nhead >= 1 && h.d_model % h.nhead != 0)
        throw std::invalid_argument("act: nhead = " + std::to_string(h.nhead) + " does not divide d_model = " +
                                    std::to_string(h.d_model));
    if (S < 1 || A < 1 || H < 1 || h.latent < 1 || h.d_model < 1 || h.nhead < 1 || h.dim_ff < 1 || h.enc_layers < 0 ||
        h.layers < 0 || h.dec_layers < 1)
        throw std::invalid_argument("act: sizes S=" + std::to_string(S) + ", A=" + std::to_string(A) + ", H=" + std::to_string(H) +
                                    ", latent=" + std::to_string(h.latent) + ", d_model=" + std::to_string(h.d_model) +
                                    ", nhead=" + std::to_string(h.nhead) + ", dim_ff=" + std::to_string(h.dim_ff) +
                                    ", layers " + std::to_string(h.enc_layers) + "/" + std::to_string(h.layers) + "/" +
                                    std::to_string(h.dec_layers) + " do not make a model (each >= 1, layers >= 0, dec_layers >= 1)");
    return S;
}

ActModel::ActModel(const HeadConfig& h, int S_, int A_, int H_, Rng& rng)
    : S(checked_sizes(h, S_, A_, H_)), A(A_), H(H_), L(h.latent), cvae_cls(1, h.d_model, rng, "cvae_cls."),
      cvae_obs_proj(S_, h.d_model, rng, "cvae_obs_proj."), cvae_action_proj(A_, h.d_model, rng, "cvae_action_proj."),
      cvae_encoder(stack<EncoderLayer>(h.enc_layers, h, rng, "cvae_encoder.")), cvae_encoder_norm(h.d_model, "cvae_encoder.norm."),
      latent_proj(h.d_model, 2 * h.latent, rng, "latent_proj."), latent_out_proj(h.latent, h.d_model, rng, "latent_out_proj."),
      obs_proj(S_, h.d_model, rng, "obs_proj."), memory_pos(2, h.d_model, rng, "memory_pos."),
      encoder(stack<EncoderLayer>(h.layers, h, rng, "encoder.")), encoder_norm(h.d_model, "encoder.norm."),
      query_embed(H_, h.d_model, rng, "query_embed."), decoder(stack<DecoderLayer>(h.dec_layers, h, rng, "decoder.")),
      decoder_norm(h.d_model, "decoder.norm."), action_head(h.d_model, A_, rng, "action_head."),
      cvae_pos(sinusoidal_positions(1, H_ + 2, h.d_model).reshaped<Eigen::RowMajor>(1, (H_ + 2) * h.d_model)) {}

Var<float> ActModel::encode(Var<float> obs, Var<float> chunk) {
    // obs (B,S), chunk (B,k·A) -> (B,2L)
    Tape<float>& t = *obs.tape;
    const int B = static_cast<int>(obs.rows()), T = H + 2, d = static_cast<int>(cvae_cls.weight.value.cols());
    // 1. tokens [CLS, obs, a_1..a_k] as one (B, T·d) row each plus the fixed positions (one row, broadcast),
    //    then (B·T, d)
    Var<float> cls = embedding(t.param(cvae_cls.weight), std::vector<int>(static_cast<size_t>(B), 0));  // (B,d)
    Var<float> acts = reshape(cvae_action_proj(reshape(chunk, Eigen::Index(B) * H, A)), B, Eigen::Index(H) * d);
    Var<float> x = add(concat_cols(concat_cols(cls, cvae_obs_proj(obs)), acts), t.input(cvae_pos));
    x = reshape(x, Eigen::Index(B) * T, d);
    // 2. the non-causal encoder, its final norm, and [μ | log σ²] from the CLS output
    for (EncoderLayer& layer : cvae_encoder) x = layer(x, B, false);
    x = cvae_encoder_norm(x);
    return latent_proj(slice_cols(reshape(x, B, Eigen::Index(T) * d), 0, d));
}

Var<float> ActModel::decode(Var<float> obs, Var<float> z, std::vector<int>& idx) {
    // obs (B,S), z (B,L) -> (B,k·A)
    Tape<float>& t = *obs.tape;
    const int B = static_cast<int>(obs.rows()), d = static_cast<int>(memory_pos.weight.value.cols());
    // 1. memory tokens [proj(z), proj(s)] as one (B, 2d) row each, plus the learned positions as one (1, 2d) row
    //    broadcast down the batch, then (B·2, d) through the encoder
    Var<float> mem = concat_cols(latent_out_proj(z), obs_proj(obs));
    mem = reshape(add(mem, reshape(t.param(memory_pos.weight), 1, 2 * d)), Eigen::Index(B) * 2, d);
    for (EncoderLayer& layer : encoder) mem = layer(mem, B, false);
    mem = encoder_norm(mem);
    // 2. k learned queries (rows 0..k−1 of query_embed for each sequence) attend to each other (non-causal) and
    //    to the memory
    idx.resize(static_cast<size_t>(B) * static_cast<size_t>(H));
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int>(i % static_cast<size_t>(H));
    Var<float> y = embedding(t.param(query_embed.weight), idx);  // (B·k, d)
    for (DecoderLayer& layer : decoder) y = layer(y, mem, B, false);
    y = decoder_norm(y);
    // 3. one action per query: (B·k, A) is the row-major chunk (B, k·A)
    return reshape(action_head(y), B, Eigen::Index(H) * A);
}

std::vector<Param*> ActModel::parameters() {
    std::vector<Param*> ps{&cvae_cls.weight, &cvae_obs_proj.W, &cvae_obs_proj.b, &cvae_action_proj.W, &cvae_action_proj.b};
    auto add_all = [&ps](const std::vector<Param*>& more) { ps.insert(ps.end(), more.begin(), more.end()); };
    for (EncoderLayer& l : cvae_encoder) add_all(l.parameters());
    add_all({&cvae_encoder_norm.weight, &cvae_encoder_norm.bias, &latent_proj.W, &latent_proj.b, &latent_out_proj.W,
             &latent_out_proj.b, &obs_proj.W, &obs_proj.b, &memory_pos.weight});
    for (EncoderLayer& l : encoder) add_all(l.parameters());
    add_all({&encoder_norm.weight, &encoder_norm.bias, &query_embed.weight});
    for (DecoderLayer& l : decoder) add_all(l.parameters());
    add_all({&decoder_norm.weight, &decoder_norm.bias, &action_head.W, &action_head.b});
    return ps;
}

std::vector<int64_t> ActModel::stored_shape(const Param& p) const {
    // PyTorch's 1-D tensors are the biases and the layer norms' weights; every other tensor is 2-D, even a
    // (1,n) one: action_head.weight with A = 1, the (1,d) nn.Embedding of cvae_cls
    bool norm = &p == &cvae_encoder_norm.weight || &p == &encoder_norm.weight || &p == &decoder_norm.weight;
    for (const EncoderLayer& l : cvae_encoder) norm |= &p == &l.norm1.weight || &p == &l.norm2.weight;
    for (const EncoderLayer& l : encoder) norm |= &p == &l.norm1.weight || &p == &l.norm2.weight;
    for (const DecoderLayer& l : decoder) norm |= &p == &l.norm1.weight || &p == &l.norm2.weight || &p == &l.norm3.weight;
    if (p.value.rows() == 1 && (norm || p.name.ends_with("bias"))) return {p.value.cols()};
    return {p.value.rows(), p.value.cols()};
}

Var<float> act_loss(const HeadConfig& h, Tape<float>& tape, ActModel& m, const Mat& obs, const Mat& target,
                    const Mat& mask, const Mat& eps) {
    // obs (B,S), target (B,k·A), mask (B,k·A), eps (B,L) -> (1,1)
    const Eigen::Index B = obs.rows(), D = Eigen::Index(m.H) * m.A;
    if (obs.cols() != m.S || target.rows() != B || target.cols() != D || mask.rows() != B || mask.cols() != D ||
        eps.rows() != B || eps.cols() != m.L)
        throw std::invalid_argument("act: obs " + shape_str(obs) + ", target " + shape_str(target) + ", mask " + shape_str(mask) +
                                    ", eps " + shape_str(eps) + " do not fit S=" + std::to_string(m.S) + ", D=H·A=" +
                                    std::to_string(D) + ", L=" + std::to_string(m.L));
    // 1. encode: q(z | s, a) from the observation and the chunk with its padding zeroed
    Var<float> x = tape.input(obs);
    Var<float> stats = m.encode(x, mul(tape.input(target), tape.input(mask)));
    Var<float> mu = slice_cols(stats, 0, m.L), log_var = slice_cols(stats, m.L, m.L);
    // 2. reparameterise: z = μ + exp(½ log σ²)·ε
    Var<float> z = add(mu, mul(exp(scale(log_var, 0.5f)), tape.input(eps)));
    // 3. decode and compare with L1 over the real elements
    std::vector<int> idx;
    Var<float> recon = l1(m.decode(x, z, idx), tape.input(target), tape.input(mask));
    // 4. KL(N(μ, σ²) ‖ N(0, I)) = Σ_l −½(1 + log σ² − μ² − σ²) per row, averaged over rows with a real element
    Var<float> kl_row = scale(sum_rows(sub(add(square(mu), exp(log_var)), add_scalar(log_var, 1.0f))), 0.5f);
    Mat w;
    const float n = real_rows(mask, w);
    Var<float> kl = scale(sum(mul(kl_row, tape.constant(w))), n > 0 ? 1.0f / n : 0.0f);
    return add(recon, scale(kl, h.beta));
}

void act_predict(const ActModel& m, const Mat& obs, Mat& act, HeadScratch& hs, Rng* rng) {
    Mat& z = hs.noise;
    z.resize(obs.rows(), m.L);
    if (!rng) z.setZero();  // the prior's mean
    else
        for (Eigen::Index i = 0; i < z.size(); ++i) z.data()[i] = static_cast<float>(rng->normal());
    Tape<float>& t = hs.tape;
    t.reset();
    // The forward only: parameter nodes point at the weights and nothing writes through them without a backward.
    ActModel& fwd = const_cast<ActModel&>(m);
    act = fwd.decode(t.input(obs), t.input(z), hs.idx).value();
}

// ------------------------------------------------------------------------------------------ the row
static void act_settings(HeadConfig& h, HeadSettings& s) {
    s.integer("latent", "latent dimension (act: 16)", h.latent, 1);
    s.non_negative("beta", "KL weight (act: 10)", h.beta);
    s.integer("d_model", "token width", h.d_model, 1);
    s.integer("nhead", "attention heads (divide d_model)", h.nhead, 1, h.d_model, "d_model");
    s.integer("dim_ff", "feed-forward width", h.dim_ff, 1);
    s.integer("enc_layers", "CVAE encoder layers", h.enc_layers, 0, 64);
    s.integer("layers", "policy encoder layers", h.layers, 0, 64);
    s.integer("dec_layers", "decoder layers", h.dec_layers, 1, 64);
}

static std::unique_ptr<HeadModel> act_model(const HeadConfig& h, int S, int A, int H, Rng& rng) {
    return std::make_unique<ActModel>(h, S, A, H, rng);
}

static Var<float> act_head_loss(const HeadConfig& h, const ActionRange&, Tape<float>& tape, HeadModel& m, const Mat& obs,
                                const Mat& target, const Mat& mask, Rng& rng) {
    // ε (B,L) from rng, kept on the tape as a constant until the backward
    Mat eps(obs.rows(), h.latent);
    for (Eigen::Index i = 0; i < eps.size(); ++i) eps.data()[i] = static_cast<float>(rng.normal());
    return act_loss(h, tape, static_cast<ActModel&>(m), obs, target, mask, tape.value(tape.constant(eps).id));
}

static void act_head_predict(const HeadConfig&, const ActionRange&, const HeadModel& m, const Mat& obs, Mat& act,
                             HeadScratch& hs, Rng* rng) {
    act_predict(static_cast<const ActModel&>(m), obs, act, hs, rng);
}

// The parameters of ActModel, member by member (tests/test_act.cpp checks it against parameters()).
static int64_t act_params(const HeadConfig& h, int S, int A, int H) {
    const int64_t d = h.d_model, ff = h.dim_ff, L = h.latent;
    const int64_t ffn = 2 * d * ff + ff + d, mha = 4 * d * d + 4 * d;
    const int64_t enc = mha + ffn + 4 * d, dec = 2 * mha + ffn + 6 * d;  // + the layer norms
    return d + (S * d + d) + (A * d + d) + h.enc_layers * enc + 2 * d + (d * 2 * L + 2 * L)  // CVAE encoder
           + (L * d + d) + (S * d + d) + 2 * d + h.layers * enc + 2 * d                      // memory, encoder
           + H * d + h.dec_layers * dec + 2 * d + (d * A + A);                               // decoder, head
}

const Head& act_head() {
    static const Head row{HeadKind::ACT, "act", false, act_settings, nullptr, nullptr, nullptr, nullptr,
                          act_model, act_head_loss, act_head_predict, act_params};
    return row;
}

}  // namespace imitate
