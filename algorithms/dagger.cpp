// DAgger, following the algorithm box in dagger.hpp step by step.
#include "algorithms/dagger.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "engine/rng.hpp"

namespace imitate {

std::pair<BetaSchedule, double> parse_beta(const std::string& s) {
    if (s == "none" || s == "seed") return {BetaSchedule::None, 0.0};
    if (s == "first") return {BetaSchedule::FirstOnly, 0.0};
    if (s == "linear") return {BetaSchedule::Linear, 0.0};
    if (s.rfind("exp:", 0) == 0) {
        try {
            size_t used = 0;
            double p = std::stod(s.substr(4), &used);
            if (used == s.size() - 4 && p >= 0 && p <= 1) return {BetaSchedule::Exponential, p};
        } catch (const std::exception&) {
        }
    }
    throw std::invalid_argument("beta schedule '" + s + "' is not one of none (seed), first, linear, exp:P with 0 <= P <= 1");
}

double beta_at(BetaSchedule s, double p, int i, int N) {
    switch (s) {
        case BetaSchedule::None: return 0.0;
        case BetaSchedule::FirstOnly: return i == 1 ? 1.0 : 0.0;
        case BetaSchedule::Exponential: return std::pow(p, i - 1);
        case BetaSchedule::Linear: return std::max(0.0, 1.0 - double(i - 1) / N);
    }
    return 0.0;
}

// The expert's own chunk from every state of learner episode e (H > 1), appended to `data` as one short
// episode per state. The expert's per-episode memory is replayed as the rollout built it (reset with the
// episode's seed, then one act per visited state), and each plan starts from a clone of it.
static void append_expert_plans(Dataset& data, const Env& env, const Expert& expert, const Episode& e, int H, int T) {
    const EnvSpec& sp = env.spec();
    const int S = sp.obs_dim, A = sp.act_dim, D = sp.state_dim;
    std::unique_ptr<Expert> memory = expert.clone();
    memory->reset(e.seed);
    const std::unique_ptr<Env> sim = env.clone();
    std::vector<float> obs(S), act(A);
    for (int t = 0; t < e.length(); ++t) {
        const int len = std::min(H, T - t);
        Episode plan;
        plan.seed = e.seed;
        plan.states.resize(len, D);
        plan.observations.resize(len, S);
        plan.actions.resize(len, A);
        plan.executed.resize(len, A);
        plan.expert_actions.resize(0, A);
        plan.final_state.resize(D);
        const std::unique_ptr<Expert> x = memory->clone();
        sim->reset_to(&e.states(t, 0));
        int k = 0;
        for (; k < len; ++k) {
            sim->get_state(&plan.states(k, 0));
            sim->observe(obs.data());
            x->act(*sim, obs.data(), act.data());
            for (int j = 0; j < S; ++j) plan.observations(k, j) = obs[j];
            for (int a = 0; a < A; ++a) plan.actions(k, a) = plan.executed(k, a) = act[a];
            const EnvStep st = sim->step(act.data());
            plan.rewards.push_back(st.reward);
            plan.at_goal.push_back(sim->at_goal());
            if (st.terminated) {
                plan.terminated = true;
                ++k;
                break;
            }
        }
        if (k < len) {  // the env ended the plan early: keep the rows it ran
            plan.states.conservativeResize(k, D);
            plan.observations.conservativeResize(k, S);
            plan.actions.conservativeResize(k, A);
            plan.executed.conservativeResize(k, A);
        }
        plan.truncated = !plan.terminated;
        sim->get_state(plan.final_state.data());
        data.append(plan, Labels::Actions);
        // the labelling expert's memory moves on exactly as during the rollout: one act at s_t
        sim->reset_to(&e.states(t, 0));
        sim->observe(obs.data());
        memory->act(*sim, obs.data(), act.data());
    }
}

DAggerResult dagger(const Env& env, std::shared_ptr<const Expert> expert, const Dataset& initial,
                    const DAggerConfig& cfg, const std::function<void(const DAggerRound&)>& on_round) {
    if (cfg.rounds < 1) throw std::invalid_argument("dagger: rounds must be >= 1");
    if (cfg.episodes_per_round < 1) throw std::invalid_argument("dagger: episodes_per_round must be >= 1");
    if (!expert) throw std::invalid_argument("dagger: no expert");
    const std::string id = env.spec().identity();
    if (!initial.env.empty() && initial.env != id)
        throw std::invalid_argument("dagger: the initial data is of environment " + initial.env + ", not " + id);
    // D ← initial demonstrations; π̂_1 trained on them (if any)
    Dataset data = initial;
    data.env = id;
    std::vector<DAggerRound> rounds;
    std::optional<Policy> learner;
    if (data.size() > 0) learner = train_bc(data, cfg.bc).policy;

    for (int i = 1; i <= cfg.rounds; ++i) {
        DAggerRound round;
        round.round = i;
        round.beta = beta_at(cfg.schedule, cfg.p, i, cfg.rounds);
        if (!learner && round.beta < 1.0)
            throw std::invalid_argument(std::string("dagger: round 1 has no learner yet: give initial demos") +
                                        (cfg.schedule == BetaSchedule::None
                                             ? " (beta 'none' trains the first learner on them)"
                                             : " or use beta_1 = 1"));

        // 1. roll out the mixture β_i·π* + (1 − β_i)·π̂_i; the expert labels every visited state
        RolloutConfig rc;
        rc.episodes = cfg.episodes_per_round;
        rc.seed = derive_seed(cfg.seed, static_cast<uint64_t>(i));
        rc.exec = cfg.eval.exec;  // the learner's chunks run in the mode under study, as evaluation runs them
        rc.expert = expert;
        rc.beta = round.beta;
        std::vector<Episode> eps = rollout(env, learner ? learner->as_batch_policy() : BatchPolicy{}, rc);

        // 2. D_i = {(s, π*'s plan from s)}: every visited state with the expert's label (H = 1) or its own
        //    H-step chunk from a copy of s (H > 1); 3. D ← D ∪ D_i
        data.seeds.push_back(rc.seed);
        const int H = cfg.bc.policy.chunk, T = rc.steps > 0 ? rc.steps : env.spec().max_steps;
        for (const Episode& e : eps) {
            if (H > 1) append_expert_plans(data, env, *expert, e, H, T);
            else data.append(e, Labels::Expert);
            round.new_labels += e.observations.rows();
        }
        round.total_labels = data.size();

        // 4. π̂_{i+1} ← train on D (warm start keeps π̂_i's weights and normalisation)
        BCConfig bc = cfg.bc;
        bc.seed = derive_seed(cfg.bc.seed, static_cast<uint64_t>(i));
        learner = train_bc(data, bc, {}, cfg.warm_start && learner ? &*learner : nullptr).policy;

        // 5. report: how good is the new policy?
        round.eval = evaluate(env, *learner, cfg.eval);
        rounds.push_back(round);
        if (on_round) on_round(round);
    }
    return {std::move(*learner), std::move(data), std::move(rounds)};
}

}  // namespace imitate
