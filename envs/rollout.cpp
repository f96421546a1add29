// Lockstep rollouts. The only shared writes are to row i of per-step matrices by the thread that owns
// episode i; the policy and expert are called outside parallel regions. Hence 1 and 2 threads give the
// same bytes, and a policy's exceptions propagate normally instead of escaping an OpenMP region.
#include "envs/rollout.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/rng.hpp"
#include "envs/experts.hpp"
#include "envs/pendulum.hpp"

namespace imitate {

std::vector<double> Episode::post_step_theta() const {
    const Eigen::Index T = states.rows();
    std::vector<double> th(static_cast<size_t>(T));
    for (Eigen::Index t = 0; t + 1 < T; ++t) th[t] = states(t + 1, 0);
    if (T > 0) th[T - 1] = final_state[0];
    return th;
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

// Below this many episodes a step is cheaper than waking a second thread: an episode-step costs ~150 ns
// (four libm calls and the records), an OpenMP fork/join ~1-2 us on idle cores and milliseconds when the
// cores are oversubscribed and the waiting thread spins (GOMP's default; OMP_WAIT_POLICY=passive avoids it).
// Any choice gives the same bytes.
constexpr int kParallelMin = 256;

void check_config(const RolloutConfig& c) {
    auto bad = [](const std::string& field, const std::string& v, const char* expected) {
        throw std::invalid_argument("rollout: " + field + " = " + v + ", expected " + expected);
    };
    if (c.episodes < 0) bad("episodes", std::to_string(c.episodes), ">= 0");
    if (c.steps < 1) bad("steps", std::to_string(c.steps), ">= 1");
    if (c.chunk < 1) bad("chunk", std::to_string(c.chunk), ">= 1");
    if (c.exec == Exec::Receding && (c.receding_k < 1 || c.receding_k > c.chunk))
        bad("receding_k", std::to_string(c.receding_k), "in [1, chunk]");
    if (!(c.beta >= 0.0 && c.beta <= 1.0)) bad("beta", std::to_string(c.beta), "in [0, 1]");
    if (!(c.noise_sigma >= 0.0) || !std::isfinite(c.noise_sigma))
        bad("noise_sigma", std::to_string(c.noise_sigma), "finite and >= 0");
    if (c.exec == Exec::Ensemble && !std::isfinite(c.ensemble_m))
        bad("ensemble_m", std::to_string(c.ensemble_m), "finite");
    if (!c.starts.empty() && c.starts.size() != static_cast<size_t>(c.episodes))
        bad("starts.size()", std::to_string(c.starts.size()), "0 or episodes");
}

void check_out(const Mat& out, Eigen::Index rows, Eigen::Index cols, const char* who) {
    if (out.rows() != rows || out.cols() != cols)
        throw std::invalid_argument(std::string("rollout: ") + who + " returned shape " + shape_str(out) +
                                    ", expected (" + std::to_string(rows) + "," + std::to_string(cols) + ")");
}

}  // namespace

std::vector<Episode> rollout(const BatchPolicy& policy, const RolloutConfig& cfg) {
    check_config(cfg);
    constexpr int S = Pendulum::S, A = Pendulum::A;
    const int N = cfg.episodes, T = cfg.steps, H = cfg.chunk, HA = H * A;
    const bool has_expert = static_cast<bool>(cfg.expert);

    PendulumConfig pc;
    pc.g = cfg.g;
    pc.max_steps = T;
    std::vector<Pendulum> envs(N, Pendulum(pc));
    std::vector<Rng> rngs(N);
    std::vector<Episode> eps(N);

    // Ensemble: all H weight vectors up front, so the parallel loop never allocates.
    std::vector<std::vector<double>> weights;
    if (cfg.exec == Exec::Ensemble)
        for (int n = 1; n <= H; ++n) weights.push_back(ensemble_weights(n, cfg.ensemble_m));

    Mat obs(N, S), out, expert_out;
    // Row t of episode i, and row i of the (N,S) batch the policy sees next: the state before step t.
    auto observe = [&](int i, int t) {
        eps[i].states(t, 0) = envs[i].theta();
        eps[i].states(t, 1) = envs[i].thetadot();
        envs[i].observe(obs.row(i).data());
        eps[i].observations.row(t) = obs.row(i);
    };

    // 1. seed and reset every episode, observe its start
#pragma omp parallel for schedule(static) if (N >= kParallelMin)
    for (int i = 0; i < N; ++i) {
        Episode& e = eps[i];
        e.seed = derive_seed(cfg.seed, static_cast<uint64_t>(i));
        rngs[i] = Rng(e.seed);
        if (cfg.starts.empty())
            envs[i].reset(rngs[i]);
        else
            envs[i].reset_to(cfg.starts[i][0], cfg.starts[i][1]);
        e.states.resize(T, 2);
        e.observations.resize(T, S);
        e.actions.resize(T, A);
        e.executed.resize(T, A);
        e.expert_actions.resize(has_expert ? T : 0, A);
        e.expert_executed.assign(T, 0);
        e.rewards.assign(T, 0.0);
        observe(i, 0);
    }

    Mat plan(N, HA);  // Open / Receding: the chunk being executed, queried at step t_query
    int t_query = 0;
    // Ensemble: the chunk queried at step s lives in slot s % H: history[(s % H)](i, j·A + a) predicts step s + j.
    std::vector<Mat> history(cfg.exec == Exec::Ensemble ? H : 0, Mat(N, HA));

    for (int t = 0; t < T; ++t) {
        // 2. query the policy once for all N observations when a new chunk is due
        const int period = cfg.exec == Exec::Open ? H : (cfg.exec == Exec::Receding ? cfg.receding_k : 1);
        if (t % period == 0) {
            policy(obs, out);
            check_out(out, N, HA, "policy");
            if (cfg.exec == Exec::Ensemble)
                history[t % H] = out;
            else
                plan = out;
            t_query = t;
        }

        // 3. ask the expert for a label of every state
        if (has_expert) {
            cfg.expert(obs, expert_out);
            check_out(expert_out, N, A, "expert");
        }

        // 4. choose (policy or expert), perturb, step, observe the next state into the batch
        const int n_pred = t + 1 < H ? t + 1 : H;  // Ensemble: chunks queried at t-n_pred+1 .. t
#pragma omp parallel for schedule(static) if (N >= kParallelMin)
        for (int i = 0; i < N; ++i) {
            Episode& e = eps[i];
            Rng& rng = rngs[i];
            float clean[A];
            for (int a = 0; a < A; ++a) {
                if (cfg.exec == Exec::Ensemble) {
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
            if (has_expert) {
                for (int a = 0; a < A; ++a) e.expert_actions(t, a) = expert_out(i, a);
                const bool use_expert = rng.uniform() < cfg.beta;  // beta 1: always, 0: never
                e.expert_executed[t] = use_expert;
                if (use_expert)
                    for (int a = 0; a < A; ++a) clean[a] = expert_out(i, a);
            }
            for (int a = 0; a < A; ++a) {
                e.actions(t, a) = clean[a];
                const double noise = cfg.noise_sigma > 0.0 ? cfg.noise_sigma * rng.normal() : 0.0;
                e.executed(t, a) = static_cast<float>(double(clean[a]) + noise);
            }
            const StepResult r = envs[i].step(double(e.executed(t, 0)));
            e.rewards[t] = r.reward;
            e.episode_return += r.reward;
            if (t + 1 < T)
                observe(i, t + 1);
            else
                e.truncated = r.truncated;
        }
    }

    // 5. final states and success
#pragma omp parallel for schedule(static) if (N >= kParallelMin)
    for (int i = 0; i < N; ++i) {
        eps[i].final_state = {envs[i].theta(), envs[i].thetadot()};
        eps[i].success = is_success(eps[i].post_step_theta());
    }
    return eps;
}

}  // namespace imitate
