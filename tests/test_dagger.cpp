// DAgger bookkeeping (labels per round, cumulative totals, the aggregated dataset, expert labels at the
// learner's states), the β schedules and their parser, configuration errors; and noise injection (DART):
// noisy demonstrations record the expert's clean action at every visited state.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory>

#include "algorithms/dagger.hpp"
#include "algorithms/noise_injection.hpp"
#include "engine/rng.hpp"
#include "envs/envs.hpp"
#include "helpers.hpp"

using namespace imitate;

namespace {


std::shared_ptr<const Expert> dagger_swingup() { return std::make_shared<PendulumSwingUp>(); }

// The expert's action at each row of obs, recomputed from scratch (the batch form of PendulumSwingUp's law).
Mat relabel(const Mat& obs) {
    Mat out;
    swingup_expert(obs, out);
    return out;
}

DAggerConfig small_config() {
    DAggerConfig cfg;
    cfg.rounds = 3;
    cfg.episodes_per_round = 2;
    cfg.seed = 21;
    cfg.bc.epochs = 3;
    cfg.bc.policy.hidden = {32, 32};
    cfg.bc.seed = 4;
    cfg.eval.episodes = 4;
    cfg.eval.seed = 9000;
    return cfg;
}

}  // namespace

TEST_CASE("DAgger bookkeeping: labels per round, cumulative totals, the aggregated dataset") {
    const Pendulum env;
    const std::shared_ptr<const Expert> expert = dagger_swingup();
    const Dataset initial = collect_demos(env, expert, 2, 5);
    REQUIRE(initial.size() == 400);
    const DAggerConfig cfg = small_config();
    std::vector<DAggerRound> seen;
    const DAggerResult r = dagger(env, expert, initial, cfg, [&](const DAggerRound& x) { seen.push_back(x); });

    REQUIRE(r.rounds.size() == 3);
    REQUIRE(seen.size() == 3);
    for (int i = 0; i < 3; ++i) {
        INFO("round " << i + 1);
        const DAggerRound& x = r.rounds[i];
        CHECK(x.round == i + 1);
        CHECK(seen[i].round == i + 1);
        CHECK(seen[i].total_labels == x.total_labels);
        CHECK(x.beta == (i == 0 ? 1.0 : 0.0));  // the default schedule: expert in round 1 only
        CHECK(x.new_labels == 2 * 200);
        CHECK(x.total_labels == 400 + (i + 1) * 2 * 200);
        CHECK(x.eval.episodes == 4);
    }
    // the aggregated D: the initial demos first, unchanged, then 2 episodes per round
    CHECK(r.data.size() == r.rounds.back().total_labels);
    CHECK(r.data.num_episodes() == initial.num_episodes() + 3 * 2);
    CHECK(same_bytes(Mat(r.data.observations.topRows(400)), initial.observations));
    CHECK(same_bytes(Mat(r.data.actions.topRows(400)), initial.actions));
    for (int64_t e = 0; e < r.data.num_episodes(); ++e) CHECK(r.data.episode_end(e) == 200 * (e + 1));
    r.data.validate("dagger data");
    // the returned policy is the last round's: same dimensions as the config
    CHECK(r.policy.cfg.chunk == 1);
    CHECK(r.policy.cfg.hidden == std::vector<int>{32, 32});

    // Every label is the expert's action at the stored observation, also where the learner drove (rounds
    // 2 and 3, rows 800..1599): recomputing the expert there gives the same bytes.
    CHECK(same_bytes(r.data.actions, relabel(r.data.observations)));
    const Mat late_obs = r.data.observations.bottomRows(800);
    CHECK(same_bytes(Mat(r.data.actions.bottomRows(800)), relabel(late_obs)));
    // ... and the learner really drove there: the expert alone from round 2's seeds visits other states
    RolloutConfig rc;
    rc.episodes = 2;
    rc.seed = derive_seed(cfg.seed, 2);
    const std::vector<Episode> expert_run = rollout_expert(env, expert, rc);
    const Mat round2_ep0 = r.data.observations.middleRows(800, 200);
    CHECK(same_bytes(Mat(round2_ep0.row(0)), Mat(expert_run[0].observations.row(0))));  // same start state ...
    CHECK_FALSE(same_bytes(round2_ep0, expert_run[0].observations));  // ... different path
    // round 1 (β = 1) is the expert's own path from its seeds
    rc.seed = derive_seed(cfg.seed, 1);
    CHECK(same_bytes(Mat(r.data.observations.middleRows(400, 200)), rollout_expert(env, expert, rc)[0].observations));
}

TEST_CASE("DAgger from no demonstrations: round 1 is the expert's; empty initial data works with β_1 = 1") {
    DAggerConfig cfg = small_config();
    cfg.rounds = 2;
    cfg.schedule = BetaSchedule::Linear;
    const DAggerResult r = dagger(Pendulum(), dagger_swingup(), Dataset{}, cfg);
    REQUIRE(r.rounds.size() == 2);
    CHECK(r.rounds[0].beta == 1.0);
    CHECK(r.rounds[1].beta == 0.5);
    CHECK(r.rounds[0].total_labels == 400);
    CHECK(r.rounds[1].total_labels == 800);
    CHECK(r.data.num_episodes() == 4);
    CHECK(same_bytes(r.data.actions, relabel(r.data.observations)));
}

TEST_CASE("DAgger configuration errors") {
    const Pendulum env;
    const std::shared_ptr<const Expert> expert = dagger_swingup();
    DAggerConfig cfg = small_config();
    cfg.rounds = 0;
    CHECK_THROWS_WITH_AS(dagger(env, expert, Dataset{}, cfg), doctest::Contains("rounds"), std::invalid_argument);
    cfg = small_config();
    cfg.episodes_per_round = 0;
    CHECK_THROWS_WITH_AS(dagger(env, expert, Dataset{}, cfg), doctest::Contains("episodes_per_round"), std::invalid_argument);
    // Round 1 without demonstrations has no learner, so it needs β_1 = 1: the seed's schedule (none) needs D₀.
    cfg = small_config();
    cfg.schedule = BetaSchedule::None;
    CHECK_THROWS_WITH_AS(dagger(env, expert, Dataset{}, cfg), doctest::Contains("round 1 has no learner yet"),
                         std::invalid_argument);
    // with demonstrations there is a learner from the start and any β_1 is fine
    cfg.rounds = 1;
    const DAggerResult r = dagger(env, expert, collect_demos(env, expert, 1, 3), cfg);
    CHECK(r.rounds[0].beta == 0.0);
    CHECK(r.rounds[0].total_labels == 600);
}

TEST_CASE("the seed's DAgger (β = 0 from round 1): π̂_1 is BC on D₀ and drives round 1, with the chunk execution mode under study") {
    const Pendulum env;
    const std::shared_ptr<const Expert> expert = dagger_swingup();
    const Dataset initial = collect_demos(env, expert, 2, 5);
    DAggerConfig cfg = small_config();
    cfg.rounds = 1;
    cfg.schedule = BetaSchedule::None;
    cfg.bc.policy.chunk = 4;
    cfg.bc.stride = 4;
    cfg.eval.exec.mode = Exec::Ensemble;
    const DAggerResult r = dagger(env, expert, initial, cfg);
    REQUIRE(r.rounds.size() == 1);
    CHECK(r.rounds[0].beta == 0.0);
    CHECK(r.rounds[0].new_labels == 2 * 200);  // every visited state, each with the expert's 4-step plan

    // Round 1's states are those of π̂_1 = BC on D₀ (the same training, recomputed here) run with the temporal
    // ensemble and β = 0; the old schedule let the expert drive round 1, the old collection ran open loop.
    const Policy pi1 = train_bc(initial, cfg.bc).policy;
    RolloutConfig rc = eval_rollout_config(cfg.eval);
    rc.episodes = 2;
    rc.seed = derive_seed(cfg.seed, 1);
    rc.expert = expert;
    const std::vector<Episode> learner = rollout(env, pi1.as_batch_policy(), rc);
    rc.exec.mode = Exec::Open;
    const std::vector<Episode> open = rollout(env, pi1.as_batch_policy(), rc);
    RolloutConfig xc = rc;
    xc.exec = {};
    const std::vector<Episode> expert_path = rollout_expert(env, expert, xc);
    REQUIRE(learner[0].length() == 200);
    CHECK_FALSE(same_bytes(learner[0].states, open[0].states));        // the mode matters on this policy
    CHECK_FALSE(same_bytes(learner[0].states, expert_path[0].states)); // and the learner is not the expert

    // D after round 1: D₀, then per visited state one plan of min(4, 200 − t) rows starting at that state,
    // whose actions are the expert's from there (replayed here from a copy of the state), not the labels at
    // the learner's next states.
    const int64_t E0 = initial.num_episodes();
    REQUIRE(r.data.num_episodes() == E0 + 2 * 200);
    const std::unique_ptr<Env> sim = env.clone();
    PendulumSwingUp x;
    int checked = 0;
    for (int e = 0; e < 2; ++e)
        for (int t = 0; t < 200; ++t) {
            const auto [b, end] = r.data.episode_range(E0 + e * 200 + t);
            REQUIRE(end - b == std::min(4, 200 - t));
            CHECK(std::memcmp(&r.data.states(b, 0), &learner[e].states(t, 0), 2 * sizeof(double)) == 0);
            sim->reset_to(&learner[e].states(t, 0));
            for (int64_t k = b; k < end; ++k) {
                float obs[3], a[1];
                sim->observe(obs);
                x.act(*sim, obs, a);
                CHECK(r.data.actions(k, 0) == a[0]);
                sim->step(a);
            }
            // the plan's first action is the rollout's own label; its later ones are not the labels at the
            // learner's next states (checked once, at a state where the two paths part)
            CHECK(r.data.actions(b, 0) == learner[e].expert_actions(t, 0));
            if (t + 1 < 200 && r.data.actions(b + 1, 0) != learner[e].expert_actions(t + 1, 0)) ++checked;
        }
    CHECK(checked > 0);
    r.data.validate("seed dagger data");
}

TEST_CASE("β schedules against hand values") {
    // none (the seed's): 0 in every round
    for (int i = 1; i <= 5; ++i) CHECK(beta_at(BetaSchedule::None, 0.5, i, 5) == 0.0);
    // first: 1, then 0
    CHECK(beta_at(BetaSchedule::FirstOnly, 0.5, 1, 5) == 1.0);
    for (int i = 2; i <= 5; ++i) CHECK(beta_at(BetaSchedule::FirstOnly, 0.5, i, 5) == 0.0);
    // (schedule, p, round i, rounds N) -> β_i
    struct Case {
        BetaSchedule s;
        double p;
        int i, N;
        double beta;
    };
    const BetaSchedule E = BetaSchedule::Exponential, L = BetaSchedule::Linear;
    const Case cases[] = {
        {E, 0.5, 1, 4, 1.0}, {E, 0.5, 2, 4, 0.5}, {E, 0.5, 3, 4, 0.25}, {E, 0.5, 4, 4, 0.125},  // exp:0.5
        {E, 0.9, 3, 4, 0.81}, {E, 0.0, 1, 4, 1.0}, {E, 0.0, 2, 4, 0.0},                        // exp:0.9, exp:0
        {L, 0, 1, 4, 1.0}, {L, 0, 2, 4, 0.75}, {L, 0, 3, 4, 0.5}, {L, 0, 4, 4, 0.25},          // linear over N = 4
        {L, 0, 5, 5, 0.2}, {L, 0, 9, 4, 0.0}, {L, 0, 1, 1, 1.0},  // N = 5 ends at 0.2; never negative
    };
    for (const Case& c : cases) {
        INFO("round " << c.i << " of " << c.N << ", p " << c.p);
        CHECK(beta_at(c.s, c.p, c.i, c.N) == doctest::Approx(c.beta).epsilon(1e-15));
    }
}

TEST_CASE("parse_beta accepts none, seed, first, linear, exp:P and rejects the rest naming the text") {
    CHECK(parse_beta("none").first == BetaSchedule::None);
    CHECK(parse_beta("seed").first == BetaSchedule::None);
    CHECK(parse_beta("first").first == BetaSchedule::FirstOnly);
    CHECK(parse_beta("linear").first == BetaSchedule::Linear);
    const auto e = parse_beta("exp:0.5");
    CHECK(e.first == BetaSchedule::Exponential);
    CHECK(e.second == 0.5);
    CHECK(parse_beta("exp:1").second == 1.0);
    CHECK(parse_beta("exp:0").second == 0.0);
    for (const char* bad : {"exp:2", "foo", "", "exp:", "exp:-0.1", "exp:0.5x", "exp:nan", "First", "linear "}) {
        INFO("'" << bad << "'");
        CHECK_THROWS_WITH_AS(parse_beta(bad), doctest::Contains(("'" + std::string(bad) + "'").c_str()), std::invalid_argument);
    }
}

TEST_CASE("noise injection: noisy demos record the expert's clean action at every visited state") {
    const Pendulum env;
    const std::shared_ptr<const Expert> expert = dagger_swingup();
    const Dataset clean = collect_demos(env, expert, 3, 17, 0.0);
    const Dataset noisy = collect_demos(env, expert, 3, 17, 0.5);
    REQUIRE(noisy.size() == 600);
    CHECK(noisy.num_episodes() == 3);
    // the label of each state is the expert's clean action there (recomputed: same bytes)
    CHECK(same_bytes(noisy.actions, relabel(noisy.observations)));
    CHECK(same_bytes(clean.actions, relabel(clean.observations)));
    // same starts (the reset draws come first), then the noise moves the pendulum elsewhere
    for (int64_t e = 0; e < 3; ++e) {
        const int64_t b = noisy.episode_begin(e);
        CHECK(same_bytes(Mat(noisy.observations.row(b)), Mat(clean.observations.row(b))));
        CHECK_FALSE(same_bytes(Mat(noisy.observations.middleRows(b, 200)), Mat(clean.observations.middleRows(b, 200))));
    }
    // the executed (noisy) actions are recorded beside the clean labels, with the env's identity
    CHECK(same_bytes(clean.executed, clean.actions));
    REQUIRE(noisy.executed.rows() == 600);
    CHECK_FALSE(same_bytes(noisy.executed, noisy.actions));
    CHECK(noisy.env == env.spec().identity());
    // σ = 0.5 on actions in [-2, 2] moves the path visibly, not by rounding
    CHECK((noisy.observations - clean.observations).cwiseAbs().maxCoeff() > 0.1f);

    CHECK_THROWS_WITH_AS(collect_demos(env, expert, 0, 1), doctest::Contains("episodes"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(collect_demos(env, expert, 1, 1, -0.1), doctest::Contains("sigma"), std::invalid_argument);
    CHECK_THROWS_AS(collect_demos(env, expert, 1, 1, std::nan("")), std::invalid_argument);

    // bc_noise_injection = collect_demos then train_bc: same seed, same weights
    BCConfig bc;
    bc.epochs = 1;
    bc.policy.hidden = {16};
    const BCResult a = bc_noise_injection(env, expert, 2, 17, 0.5, bc);
    const BCResult b = train_bc(collect_demos(env, expert, 2, 17, 0.5), bc);
    REQUIRE(a.policy.net.layers.size() == b.policy.net.layers.size());
    for (size_t l = 0; l < a.policy.net.layers.size(); ++l) {
        CHECK(same_bytes(a.policy.net.layers[l].W.value, b.policy.net.layers[l].W.value));
        CHECK(same_bytes(a.policy.net.layers[l].b.value, b.policy.net.layers[l].b.value));
    }
}
