// Lockstep rollouts. The only shared writes are to row i of per-step matrices by the thread that owns
// episode i; the policy is called outside parallel regions. Hence 1 and 2 threads give the same bytes. An
// exception inside the parallel loop (an env or expert that fails) is caught per episode and the first one,
// by episode index, is rethrown after the loop: the same error whatever the thread count.
#include "envs/rollout.hpp"

#include <chrono>
#include <cmath>
#include <exception>
#include <stdexcept>
#include <string>

#include "engine/rng.hpp"

namespace imitate {

std::vector<double> Episode::post_step(int c) const {
    const Eigen::Index T = states.rows();
    std::vector<double> v(static_cast<size_t>(T));
    for (Eigen::Index t = 0; t + 1 < T; ++t) v[t] = states(t + 1, c);
    if (T > 0) v[T - 1] = final_state.at(static_cast<size_t>(c));
    return v;
}

int Episode::settle_step() const {
    int n = static_cast<int>(at_goal.size());
    while (n > 0 && at_goal[n - 1]) --n;
    return n == static_cast<int>(at_goal.size()) ? -1 : n + 1;
}

std::vector<double> ensemble_weights(int n, double m) {
    if (n < 1) throw std::invalid_argument("ensemble_weights: n = " + std::to_string(n) + ", expected >= 1");
    std::vector<double> w(static_cast<size_t>(n));
    double sum = 0.0;
    for (int i = 0; i < n; ++i) sum += (w[i] = std::exp(-m * i));
    for (double& x : w) x /= sum;
    return w;
}

namespace {

// Below this many episodes a step of a cheap env (Pendulum: ~150 ns) costs less than waking a second
// thread (an OpenMP fork/join is ~1-2 us on idle cores). A costlier env (a MuJoCo step is tens of us) goes
// parallel from two episodes: rollout() times the first lockstep step to tell. Any choice gives the same bytes.
constexpr int kParallelMin = 256;
constexpr double kParallelSecondsPerEpisode = 2e-6;

void check_config(const Env& env, const BatchPolicy& policy, const RolloutConfig& c) {
    auto bad = [](const std::string& field, const std::string& v, const std::string& expected) {
        throw std::invalid_argument("rollout: " + field + " = " + v + ", expected " + expected);
    };
    if (c.episodes < 0) bad("episodes", std::to_string(c.episodes), ">= 0");
    if (c.steps < 0) bad("steps", std::to_string(c.steps), ">= 1 (or 0: the env's horizon)");
    if (c.exec.mode == Exec::Receding && c.exec.receding_k < 1)
        bad("receding_k", std::to_string(c.exec.receding_k), "in [1, H]");
    if (!(c.beta >= 0.0 && c.beta <= 1.0)) bad("beta", std::to_string(c.beta), "in [0, 1]");
    if (!(c.noise_sigma >= 0.0) || !std::isfinite(c.noise_sigma))
        bad("noise_sigma", std::to_string(c.noise_sigma), "finite and >= 0");
    if (c.exec.mode == Exec::Ensemble && !std::isfinite(c.exec.ensemble_m))
        bad("ensemble_m", std::to_string(c.exec.ensemble_m), "finite");
    if (!c.starts.empty() && c.starts.size() != static_cast<size_t>(c.episodes))
        bad("starts.size()", std::to_string(c.starts.size()), "0 or episodes");
    for (const std::vector<double>& s : c.starts)
        if (s.size() != static_cast<size_t>(env.spec().state_dim))
            bad("starts[i].size()", std::to_string(s.size()),
                std::to_string(env.spec().state_dim) + " (" + env.spec().id + "'s state_dim)");
    if (!policy && !c.expert) throw std::invalid_argument("rollout: no policy and no expert to drive");
}

void check_out(const Mat& out, Eigen::Index rows, Eigen::Index cols) {
    if (out.rows() != rows || out.cols() != cols)
        throw std::invalid_argument("rollout: policy returned shape " + shape_str(out) + ", expected (" +
                                    std::to_string(rows) + "," + std::to_string(cols) + ")");
}

// The chunk H of a policy's first output (N, H·A), checked; then the execution mode: with H = 1 every mode is
// Open (one action per query), otherwise receding_k <= H.
int chunk_of(const Mat& out, Eigen::Index N, int A, ExecConfig& ex) {
    if (out.rows() != N || out.cols() < A || out.cols() % A != 0)
        throw std::invalid_argument("rollout: policy returned shape " + shape_str(out) + ", expected (" +
                                    std::to_string(N) + ", H·A) with A = " + std::to_string(A) + " and H >= 1");
    const int H = static_cast<int>(out.cols() / A);
    if (H == 1) ex = {};
    if (ex.mode == Exec::Receding && ex.receding_k > H)
        throw std::invalid_argument("rollout: receding_k = " + std::to_string(ex.receding_k) + ", expected in [1, H] = [1, " +
                                    std::to_string(H) + "] (the policy returns " + std::to_string(out.cols()) +
                                    " values per row, A = " + std::to_string(A) + ")");
    return H;
}

[[noreturn]] void non_finite(const char* who, int t, int i) {
    throw std::runtime_error(std::string("rollout: the ") + who + " returned a non-finite action at step " +
                             std::to_string(t) + " of episode " + std::to_string(i));
}

}  // namespace

std::vector<Episode> rollout(const Env& env, const BatchPolicy& policy, const RolloutConfig& cfg) {
    check_config(env, policy, cfg);
    const EnvSpec& spec = env.spec();
    const int S = spec.obs_dim, A = spec.act_dim, D = spec.state_dim;
    const int N = cfg.episodes, T = cfg.steps > 0 ? cfg.steps : spec.max_steps;
    int H = 1, HA = A;  // the policy's chunk: read from its first output (step 2), 1 when the expert drives
    const int W = spec.success_window;
    const bool driven = static_cast<bool>(policy);          // false: the expert drives
    const bool labelled = static_cast<bool>(cfg.expert);
    ExecConfig ex = driven ? cfg.exec : ExecConfig{};  // Open when H = 1 (set with H, step 2)

    std::vector<std::unique_ptr<Env>> envs(N);
    std::vector<std::unique_ptr<Expert>> experts(labelled ? N : 0);
    std::vector<Rng> rngs(N);
    std::vector<Episode> eps(N);
    std::vector<uint8_t> running(N, 1);
    std::vector<int> lengths(N, 0);  // steps taken by each episode
    std::vector<std::exception_ptr> errors(N);
    std::vector<std::vector<double>> weights;  // Ensemble: all H weight vectors, made once H is known

    Mat obs(N, S), out;
    // Row t of episode i, and row i of the (N,S) batch the policy sees next: the state before step t.
    auto observe = [&](int i, int t) {
        envs[i]->get_state(eps[i].states.row(t).data());
        envs[i]->observe(obs.row(i).data());
        eps[i].observations.row(t) = obs.row(i);
    };
    auto rethrow_first = [&] {
        for (std::exception_ptr& e : errors)
            if (e) std::rethrow_exception(e);
    };
    bool parallel = N >= kParallelMin;

    // 1. seed and reset every episode (and its expert), observe its start
#pragma omp parallel for schedule(static) if (parallel)
    for (int i = 0; i < N; ++i) {
        try {
            Episode& e = eps[i];
            e.seed = derive_seed(cfg.seed, static_cast<uint64_t>(i));
            rngs[i] = Rng(e.seed);
            envs[i] = env.clone();
            if (cfg.starts.empty())
                envs[i]->reset(rngs[i]);
            else
                envs[i]->reset_to(cfg.starts[i].data());
            if (labelled) {
                experts[i] = cfg.expert->clone();
                experts[i]->reset(e.seed);
            }
            e.states.resize(T, D);
            e.observations.resize(T, S);
            e.actions.resize(T, A);
            e.executed.resize(T, A);
            e.expert_actions.resize(labelled ? T : 0, A);
            e.expert_executed.assign(T, 0);
            e.rewards.assign(T, 0.0);
            e.at_goal.assign(T, 0);
            observe(i, 0);
        } catch (...) {
            errors[i] = std::current_exception();
        }
    }
    rethrow_first();

    Mat plan(N, HA);  // Open / Receding: the chunk being executed, queried at step t_query
    int t_query = 0;
    // Ensemble: the chunk queried at step s lives in slot s % H: history[s % H](i, j·A + a) predicts step s + j.
    std::vector<Mat> history;
    int period = 1;  // steps between queries (t = 0 always queries)

    std::vector<double> step_rewards(cfg.feedback.reward ? N : 0);
    if (driven && cfg.feedback.start) cfg.feedback.start(N);
    int alive = N;
    for (int t = 0; t < T && alive > 0; ++t) {
        // 2. query the policy once for all N observations when a new chunk is due
        if (driven && t % period == 0) {
            policy(obs, out);
            if (t == 0) {  // the first output fixes H, and with it the buffers (allocated once, here)
                H = chunk_of(out, N, A, ex), HA = H * A;
                plan.resize(N, HA);
                if (ex.mode == Exec::Ensemble) {
                    history.assign(H, Mat(N, HA));
                    for (int n = 1; n <= H; ++n) weights.push_back(ensemble_weights(n, ex.ensemble_m));
                }
                period = ex.mode == Exec::Open ? H : (ex.mode == Exec::Receding ? ex.receding_k : 1);
            }
            check_out(out, N, HA);
            for (int i = 0; i < N; ++i)
                if (running[i] && !out.row(i).allFinite()) non_finite("policy", t, i);
            if (ex.mode == Exec::Ensemble)
                history[t % H] = out;
            else
                plan = out;
            t_query = t;
        }

        // 3. per running episode: the expert's label, the executed action (policy or expert, plus noise),
        //    the step, and the next observation into the batch
        const int n_pred = t + 1 < H ? t + 1 : H;  // Ensemble: chunks queried at t-n_pred+1 .. t
        const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel for schedule(static) if (parallel)
        for (int i = 0; i < N; ++i) {
            if (!running[i]) continue;
            try {
                Episode& e = eps[i];
                Rng& rng = rngs[i];
                // the rows of step t are written in place: the clean action, the expert's label, the executed one
                float* clean = e.actions.row(t).data();
                if (driven) {
                    for (int a = 0; a < A; ++a) {
                        if (ex.mode == Exec::Ensemble) {
                            const std::vector<double>& w = weights[n_pred - 1];
                            double acc = 0.0;
                            for (int k = 0; k < n_pred; ++k) {  // k = 0: the oldest chunk, queried at s = t-n_pred+1
                                const int s = t - n_pred + 1 + k;
                                acc += w[k] * double(history[s % H](i, (t - s) * A + a));
                            }
                            clean[a] = static_cast<float>(acc);
                        } else {
                            clean[a] = plan(i, (t - t_query) * A + a);
                        }
                    }
                }
                if (labelled) {
                    float* label = e.expert_actions.row(t).data();
                    experts[i]->act(*envs[i], e.observations.row(t).data(), label);
                    for (int a = 0; a < A; ++a)
                        if (!std::isfinite(label[a])) non_finite("expert", t, i);
                    // the beta coin: only when there is a policy to mix with (beta 1: always, 0: never)
                    const bool use_expert = !driven || rng.uniform() < cfg.beta;
                    e.expert_executed[t] = use_expert;
                    if (use_expert)
                        for (int a = 0; a < A; ++a) clean[a] = label[a];
                }
                for (int a = 0; a < A; ++a) {
                    const double noise = cfg.noise_sigma > 0.0 ? cfg.noise_sigma * rng.normal() : 0.0;
                    e.executed(t, a) = static_cast<float>(double(clean[a]) + noise);
                }
                const EnvStep r = envs[i]->step(e.executed.row(t).data());
                e.rewards[t] = r.reward;
                e.episode_return += r.reward;
                e.at_goal[t] = envs[i]->at_goal();
                e.terminated = r.terminated;
                e.truncated = !r.terminated && t + 1 == T;
                lengths[i] = t + 1;
                if (r.terminated || t + 1 == T)
                    running[i] = 0;
                else
                    observe(i, t + 1);
            } catch (...) {
                errors[i] = std::current_exception();
                running[i] = 0;
            }
        }
        rethrow_first();
        if (driven && cfg.feedback.reward) {  // the rewards of step t, for a policy that conditions on them
            for (int i = 0; i < N; ++i) step_rewards[i] = lengths[i] == t + 1 ? eps[i].rewards[t] : 0.0;
            cfg.feedback.reward(step_rewards);
        }
        if (t == 0 && !parallel && N > 1) {  // a costly env: both cores from now on (same bytes either way)
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            parallel = s / N > kParallelSecondsPerEpisode;
        }
        alive = 0;
        for (int i = 0; i < N; ++i) alive += running[i];
    }

    // 4. trim to each episode's length; final state, error and the env's success rule
    for (int i = 0; i < N; ++i) {
        Episode& e = eps[i];
        const int Ti = lengths[i];
        e.states.conservativeResize(Ti, D);
        e.observations.conservativeResize(Ti, S);
        e.actions.conservativeResize(Ti, A);
        e.executed.conservativeResize(Ti, A);
        e.expert_actions.conservativeResize(labelled ? Ti : 0, A);
        e.expert_executed.resize(Ti);
        e.rewards.resize(Ti);
        e.at_goal.resize(Ti);
        e.final_state.resize(D);
        envs[i]->get_state(e.final_state.data());
        e.final_error = envs[i]->goal_error();
        e.success = Ti >= W;
        for (int t = Ti - W; t < Ti && e.success; ++t) e.success = e.at_goal[t] != 0;
    }
    return eps;
}

std::vector<Episode> rollout_expert(const Env& env, std::shared_ptr<const Expert> expert, RolloutConfig cfg) {
    if (!expert) throw std::invalid_argument("rollout_expert: no expert");
    cfg.expert = std::move(expert);
    return rollout(env, {}, cfg);
}

}  // namespace imitate
