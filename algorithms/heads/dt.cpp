// Decision Transformer: the model's forward as the paper's (and the fixture's) forward, the returns-to-go,
// the window batches and the per-row history that runs it at deployment. No new op: the three token
// streams are interleaved by one concat and a reshape ((B·K, 3d) row-major is (B·3K, d) with the tokens of
// step k in rows 3k, 3k+1, 3k+2), and the state tokens are read back by the inverse reshape and a slice.
#include "algorithms/heads/dt.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include "algorithms/dataset.hpp"
#include "algorithms/decision_transformer.hpp"
#include "autograd/losses.hpp"

namespace imitate {

static const DTConfig& checked(const DTConfig& c, int S, int A) {
    auto bad = [](const std::string& field, const std::string& want, const std::string& got) {
        throw std::invalid_argument("decision transformer: " + field + " must be " + want + ", got " + got);
    };
    using std::to_string;
    if (S < 1) bad("obs_dim", ">= 1", to_string(S));
    if (A < 1) bad("act_dim", ">= 1", to_string(A));
    if (c.context < 1) bad("context", ">= 1", to_string(c.context));
    if (c.d < 1) bad("d_model", ">= 1", to_string(c.d));
    if (c.heads < 1 || c.d % c.heads != 0) bad("nhead", "a divisor of d_model = " + to_string(c.d), to_string(c.heads));
    if (c.ff < 1) bad("ff", ">= 1", to_string(c.ff));
    if (c.layers < 1) bad("layers", ">= 1", to_string(c.layers));
    if (c.max_timestep < 1) bad("max_timestep", ">= 1", to_string(c.max_timestep));
    if (!(c.return_scale > 0) || !std::isfinite(c.return_scale)) bad("return_scale", "finite and > 0", to_string(c.return_scale));
    if (!std::isfinite(c.target_return)) bad("target_return", "finite", to_string(c.target_return));
    return c;
}

DecisionTransformer::DecisionTransformer(const DTConfig& c, int S_, int A_, Rng& rng)
    : cfg(checked(c, S_, A_)), S(S_), A(A_), embed_return(1, c.d, rng, "embed_return."),
      embed_state(S_, c.d, rng, "embed_state."), embed_action(A_, c.d, rng, "embed_action."),
      embed_timestep(c.max_timestep, c.d, rng, "embed_timestep."), embed_ln(c.d, "embed_ln."), norm(c.d, "norm."),
      predict_action(c.d, A_, rng, "predict_action.") {
    layers.reserve(static_cast<size_t>(c.layers));
    for (int i = 0; i < c.layers; ++i)
        layers.emplace_back(TransformerLayerConfig{c.d, c.heads, c.ff, FeedForwardAct::GELU}, rng,
                            "layers." + std::to_string(i) + ".");
}

Var<float> DecisionTransformer::forward(Tape<float>& t, const Mat& rtg, const Mat& states, const Mat& actions,
                                        const std::vector<int>& timesteps, int B) {
    // rtg (B·T,1), states (B·T,S), actions (B·T,A), timesteps (B·T) -> (B·T,A)
    const Eigen::Index R = rtg.rows();
    if (B < 1 || R % B != 0 || R / B > cfg.context || rtg.cols() != 1 || states.rows() != R || states.cols() != S ||
        actions.rows() != R || actions.cols() != A || static_cast<Eigen::Index>(timesteps.size()) != R)
        throw std::invalid_argument("decision transformer: rtg " + shape_str(rtg) + ", states " + shape_str(states) +
                                    ", actions " + shape_str(actions) + " and " + std::to_string(timesteps.size()) +
                                    " timesteps are not (B·T, 1|" + std::to_string(S) + "|" + std::to_string(A) +
                                    ") for B = " + std::to_string(B) + ", T <= K = " + std::to_string(cfg.context));
    const int d = cfg.d;
    // 1. embed each stream and add the step's timestep embedding to all three tokens of the step
    std::vector<int> ts(timesteps);
    for (int& x : ts) x = std::clamp(x, 0, cfg.max_timestep - 1);
    Var<float> time = embed_timestep(t, ts);
    Var<float> r = add(embed_return(t.input(rtg)), time);
    Var<float> s = add(embed_state(t.input(states)), time);
    Var<float> a = add(embed_action(t.input(actions)), time);
    // 2. interleave: row b·T + k of [r | s | a] (B·T, 3d) is tokens 3k, 3k+1, 3k+2 of window b in (B·3T, d)
    Var<float> x = embed_ln(reshape(concat_cols(concat_cols(r, s), a), 3 * R, d));
    // 3. the causal pre-norm layers and the final norm
    for (EncoderLayer& layer : layers) x = layer(x, B, true);
    x = norm(x);
    // 4. each state token's output predicts that step's action
    return predict_action(slice_cols(reshape(x, R, 3 * d), d, d));
}

std::vector<Param*> DecisionTransformer::parameters() {
    std::vector<Param*> ps{&embed_return.W, &embed_return.b, &embed_state.W, &embed_state.b,
                           &embed_action.W, &embed_action.b, &embed_timestep.weight, &embed_ln.weight, &embed_ln.bias};
    for (EncoderLayer& l : layers)
        for (Param* p : l.parameters()) ps.push_back(p);
    for (Param* p : {&norm.weight, &norm.bias, &predict_action.W, &predict_action.b}) ps.push_back(p);
    return ps;
}

std::vector<double> returns_to_go(const Dataset& data) {
    std::vector<double> rtg(static_cast<size_t>(data.size()));
    for (int64_t e = 0; e < data.num_episodes(); ++e) {
        const auto [b, end] = data.episode_range(e);
        double acc = 0.0;
        for (int64_t j = end - 1; j >= b; --j) rtg[j] = acc += double(data.rewards[j]);
    }
    return rtg;
}

std::vector<int64_t> episode_starts(const Dataset& data) {
    std::vector<int64_t> s(static_cast<size_t>(data.size()));
    for (int64_t e = 0; e < data.num_episodes(); ++e) {
        const auto [b, end] = data.episode_range(e);
        for (int64_t j = b; j < end; ++j) s[j] = b;
    }
    return s;
}

void dt_batch(const DTConfig& cfg, const Mat& obs, const Mat& actions, const std::vector<double>& rtg,
              const std::vector<int64_t>& starts, const std::vector<int64_t>& ends, DTBatch& batch) {
    const Eigen::Index B = static_cast<Eigen::Index>(ends.size()), K = cfg.context, S = obs.cols(), A = actions.cols();
    batch.rtg.setZero(B * K, 1);
    batch.states.setZero(B * K, S);
    batch.actions.setZero(B * K, A);
    batch.mask.setZero(B * K, A);
    batch.timesteps.assign(static_cast<size_t>(B * K), 0);
    for (Eigen::Index b = 0; b < B; ++b) {
        const int64_t j = ends[b], first = std::max<int64_t>(starts[j], j - K + 1);
        for (int64_t row = first, k = b * K; row <= j; ++row, ++k) {
            batch.rtg(k, 0) = static_cast<float>(rtg[row] / cfg.return_scale);
            batch.states.row(k) = obs.row(row);
            batch.actions.row(k) = actions.row(row);
            batch.mask.row(k).setOnes();
            batch.timesteps[k] = static_cast<int>(std::min<int64_t>(row - starts[j], cfg.max_timestep - 1));
        }
    }
}

Var<float> dt_loss(DecisionTransformer& dt, Tape<float>& tape, const DTBatch& batch) {
    const int B = static_cast<int>(batch.rtg.rows() / dt.cfg.context);
    Var<float> pred = dt.forward(tape, batch.rtg, batch.states, batch.actions, batch.timesteps, B);
    return mse(pred, tape.input(batch.actions), tape.input(batch.mask));
}

// ------------------------------------------------------------------------------------------- deployment
void DTHistory::reset(int B_, const DTConfig& cfg, int S, int A, double target) {
    if (B_ < 1) throw std::invalid_argument("decision transformer: batch must be >= 1, got " + std::to_string(B_));
    if (!std::isfinite(target)) throw std::invalid_argument("decision transformer: target return must be finite");
    B = B_, t = 0, awaiting_reward = false;
    remaining.assign(static_cast<size_t>(B), target);
    const Eigen::Index K = cfg.context;
    rtg.setZero(B * K, 1), states.setZero(B * K, S), actions.setZero(B * K, A);
    timesteps.assign(static_cast<size_t>(B * K), 0);
}

void DTHistory::act(DecisionTransformer& dt, const Mat& obs, Mat& out) {
    const int K = dt.cfg.context, S = dt.S, A = dt.A;
    if (B == 0) throw std::invalid_argument("decision transformer: act() before reset()");
    if (obs.rows() != B || obs.cols() != S)
        throw std::invalid_argument("decision transformer: observations have shape " + shape_str(obs) + ", expected (" +
                                    std::to_string(B) + "," + std::to_string(S) + ") (the batch of reset())");
    if (awaiting_reward)
        throw std::invalid_argument("decision transformer: a second action at step " + std::to_string(t) +
                                    " without the reward of the first (report it with reward())");
    // 1. slide the window when full: step t goes to slot n − 1, n = min(t + 1, K)
    const int n = std::min(t + 1, K);
    if (t >= K)
        for (int b = 0; b < B; ++b) {
            const Eigen::Index r0 = Eigen::Index(b) * K;
            rtg.middleRows(r0, K - 1) = rtg.middleRows(r0 + 1, K - 1).eval();
            states.middleRows(r0, K - 1) = states.middleRows(r0 + 1, K - 1).eval();
            actions.middleRows(r0, K - 1) = actions.middleRows(r0 + 1, K - 1).eval();
            for (int k = 0; k + 1 < K; ++k) timesteps[r0 + k] = timesteps[r0 + k + 1];
        }
    for (int b = 0; b < B; ++b) {
        const Eigen::Index k = Eigen::Index(b) * K + n - 1;
        rtg(k, 0) = static_cast<float>(remaining[b] / dt.cfg.return_scale);
        states.row(k) = obs.row(b);
        actions.row(k).setZero();  // this step's action token: unseen by its own state token (causal)
        timesteps[k] = std::min(t, dt.cfg.max_timestep - 1);
    }
    // 2. the (B·n) rows of the window so far, then the prediction at the last state token of each row
    view.rtg.resize(Eigen::Index(B) * n, 1), view.states.resize(Eigen::Index(B) * n, S);
    view.actions.resize(Eigen::Index(B) * n, A), view.timesteps.resize(static_cast<size_t>(B) * n);
    for (int b = 0; b < B; ++b) {
        const Eigen::Index src = Eigen::Index(b) * K, dst = Eigen::Index(b) * n;
        view.rtg.middleRows(dst, n) = rtg.middleRows(src, n);
        view.states.middleRows(dst, n) = states.middleRows(src, n);
        view.actions.middleRows(dst, n) = actions.middleRows(src, n);
        std::copy_n(timesteps.begin() + src, n, view.timesteps.begin() + dst);
    }
    tape.reset();
    const Mat& pred = dt.forward(tape, view.rtg, view.states, view.actions, view.timesteps, B).value();
    out.resize(B, A);
    for (int b = 0; b < B; ++b) {
        out.row(b) = pred.row(Eigen::Index(b) * n + n - 1);
        actions.row(Eigen::Index(b) * K + n - 1) = out.row(b);
    }
    awaiting_reward = true;
}

void DTHistory::reward(const double* rewards, int count) {
    if (!awaiting_reward)
        throw std::invalid_argument("decision transformer: a reward without an action to reward (call act() first)");
    if (count != B)
        throw std::invalid_argument("decision transformer: " + std::to_string(count) + " rewards, expected " +
                                    std::to_string(B) + " (the batch of reset())");
    for (int b = 0; b < B; ++b)
        if (!std::isfinite(rewards[b]))
            throw std::invalid_argument("decision transformer: reward " + std::to_string(rewards[b]) + " of row " +
                                        std::to_string(b) + " is not finite");
    for (int b = 0; b < B; ++b) remaining[b] -= rewards[b];
    ++t;
    awaiting_reward = false;
}

// ------------------------------------------------------------------------------------------ the row

DTConfig dt_config(const HeadConfig& h) {
    return {h.context, h.d_model, h.nhead, h.ff, h.dt_layers, h.max_timestep, h.return_scale, h.target_return};
}

namespace {
struct DTModel final : HeadModel {
    DecisionTransformer dt;
    DTModel(const DTConfig& c, int S, int A, Rng& rng) : dt(c, S, A, rng) {}
    std::vector<Param*> parameters() override { return dt.parameters(); }
    std::unique_ptr<HeadModel> clone() const override { return std::make_unique<DTModel>(*this); }
};
struct DTState final : HeadState {
    DTHistory history;
};
}  // namespace

const DecisionTransformer& dt_model(const HeadModel& m) {
    const auto* d = dynamic_cast<const DTModel*>(&m);
    if (!d) throw std::invalid_argument("dt_model: the policy's model is not a Decision Transformer");
    return d->dt;
}
DecisionTransformer& dt_model(HeadModel& m) { return const_cast<DecisionTransformer&>(dt_model(std::as_const(m))); }

static void dt_settings(HeadConfig& h, HeadSettings& s) {
    s.integer("context", "context K, steps of history", h.context, 1, 4096);
    s.integer("d_model", "token width", h.d_model, 1, 4096);
    s.integer("nhead", "attention heads (divide d_model)", h.nhead, 1, h.d_model, "d_model");
    s.integer("ff", "feed-forward width", h.ff, 1);
    s.integer("dt_layers", "causal transformer layers", h.dt_layers, 1, 64);
    s.integer("max_timestep", "timestep embeddings (0: the data's longest episode)", h.max_timestep, 0, 1 << 20);
    s.non_negative("return_scale", "returns are divided by it (0: the data's largest |return|)", h.return_scale);
    s.real("target_return", "the return asked for at deployment", h.target_return);
}

static std::unique_ptr<HeadModel> dt_build(const HeadConfig& h, int S, int A, int H, Rng& rng) {
    if (H != 1)
        throw std::invalid_argument("dt: chunk must be 1 (the Decision Transformer predicts one action per step), got " +
                                    std::to_string(H));
    return std::make_unique<DTModel>(dt_config(h), S, A, rng);
}

static Var<float> dt_row_loss(const HeadConfig&, const ActionRange&, Tape<float>&, HeadModel&, const Mat&, const Mat&,
                              const Mat&, Rng&) {
    throw std::logic_error("dt: the Decision Transformer trains on windows of episodes (train_dt), not on rows");
}

static void dt_start(const HeadConfig& h, const HeadModel& m, HeadScratch& hs, int B, double target) {
    const DecisionTransformer& dt = dt_model(m);
    if (!hs.state || !dynamic_cast<DTState*>(hs.state.get())) hs.state = std::make_unique<DTState>();
    static_cast<DTState&>(*hs.state).history.reset(B, dt.cfg, dt.S, dt.A, std::isnan(target) ? h.target_return : target);
}

// A scratch that has not started an episode starts one at the default target (`imitate predict`, a single query).
static void dt_predict(const HeadConfig& h, const ActionRange&, const HeadModel& m, const Mat& obs, Mat& act,
                       HeadScratch& hs, Rng*) {
    if (!hs.state) dt_start(h, m, hs, static_cast<int>(obs.rows()), std::nan(""));
    // the history's forward records on its own tape, never differentiated: the model is not changed
    static_cast<DTState&>(*hs.state).history.act(const_cast<DecisionTransformer&>(dt_model(m)), obs, act);
}

static void dt_reward(HeadScratch& hs, const double* rewards, int B) {
    if (!hs.state) throw std::invalid_argument("decision transformer: a reward before any action (start an episode first)");
    static_cast<DTState&>(*hs.state).history.reward(rewards, B);
}

const Head& dt_head() {
    static const Head row = [] {
        Head r{HeadKind::DT, "dt", false, dt_settings, nullptr, nullptr, nullptr, nullptr};
        r.model = dt_build, r.model_loss = dt_row_loss, r.model_predict = dt_predict;
        r.start = dt_start, r.reward = dt_reward, r.train = train_dt;
        return r;
    }();
    return row;
}

}  // namespace imitate
