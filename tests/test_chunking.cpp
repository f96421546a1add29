// Action chunking: windows never cross an episode boundary, padding past an episode's end has mask 0 and
// target 0 and carries no loss or gradient, window counts for stride 1 and stride H, the temporal-ensemble
// weights against hand-computed values, and which prediction each execution mode actually executes.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "algorithms/chunking.hpp"
#include "algorithms/policy.hpp"
#include "autograd/losses.hpp"
#include "envs/envs.hpp"
#include "helpers.hpp"

using namespace imitate;

namespace {

// A dataset of episodes with the given lengths whose every value names its row: observation
// (episode, t, 0.5), action dimension 0 = 100·episode + t, dimension 1 = −(100·episode + t).
Dataset tagged_dataset(const std::vector<int>& lengths, int A = 2) {
    Dataset d;
    int64_t N = 0;
    for (int len : lengths) N += len;
    d.observations.resize(N, 3);
    d.actions.resize(N, A);
    d.states = MatD::Zero(N, 2);
    d.rewards.assign(N, 0.0f);
    d.terminations.assign(N, 0);
    d.truncations.assign(N, 0);
    int64_t row = 0;
    for (size_t e = 0; e < lengths.size(); ++e) {
        for (int t = 0; t < lengths[e]; ++t, ++row) {
            d.observations.row(row) << float(e), float(t), 0.5f;
            const float tag = float(100 * e + t);
            d.actions(row, 0) = tag;
            if (A > 1) d.actions(row, 1) = -tag;
        }
        d.truncations[row - 1] = 1;
        d.episode_ends.push_back(row);
    }
    d.validate("tagged");
    return d;
}


}  // namespace

TEST_CASE("windows stay inside one episode, consecutive from the window's t; padding is mask 0, target 0") {
    const std::vector<int> lengths{7, 5, 9};
    const int A = 2;
    const Dataset d = tagged_dataset(lengths, A);
    for (int H : {1, 2, 3, 4, 6, 12}) {
        for (int stride : {1, 2, H}) {
            INFO("H = " << H << ", stride = " << stride);
            const ChunkSet c = make_chunks(d, H, stride);
            REQUIRE(c.targets.cols() == H * A);
            REQUIRE(c.mask.cols() == H * A);
            // the expected windows, episode by episode: starts 0, stride, 2·stride, ... < len
            Eigen::Index row = 0;
            for (size_t e = 0; e < lengths.size(); ++e) {
                const int len = lengths[e];
                for (int t0 = 0; t0 < len; t0 += stride, ++row) {
                    REQUIRE(row < c.obs.rows());
                    // the window's observation is row (e, t0)
                    CHECK(c.obs(row, 0) == float(e));
                    CHECK(c.obs(row, 1) == float(t0));
                    for (int h = 0; h < H; ++h) {
                        for (int a = 0; a < A; ++a) {
                            const float target = c.targets(row, h * A + a), mask = c.mask(row, h * A + a);
                            if (t0 + h < len) {  // a real action of the same episode, step t0 + h
                                const float tag = float(100 * e + t0 + h);
                                CHECK(mask == 1.0f);
                                CHECK(target == (a == 0 ? tag : -tag));
                            } else {  // past the episode's end: never the next episode's action
                                CHECK(mask == 0.0f);
                                CHECK(target == 0.0f);
                            }
                        }
                    }
                }
            }
            CHECK(row == c.obs.rows());
        }
    }
}

TEST_CASE("window counts: stride 1 gives one per row, stride H gives ceil(len/H) per episode") {
    const std::vector<int> lengths{7, 5, 9};
    const Dataset d = tagged_dataset(lengths, 1);
    for (int H : {1, 2, 3, 4, 5, 8, 20}) {
        INFO("H = " << H);
        CHECK(make_chunks(d, H, 1).obs.rows() == 21);
        long expect = 0;
        for (int len : lengths) expect += (len + H - 1) / H;
        CHECK(make_chunks(d, H, H).obs.rows() == expect);
    }
    // by hand: H = 4 -> 2 + 2 + 3 windows; H = 20 (longer than every episode) -> one window each
    CHECK(make_chunks(d, 4, 4).obs.rows() == 7);
    const ChunkSet big = make_chunks(d, 20, 20);
    REQUIRE(big.obs.rows() == 3);
    CHECK(big.mask.row(0).sum() == 7.0f);
    CHECK(big.mask.row(1).sum() == 5.0f);
    CHECK(big.mask.row(2).sum() == 9.0f);
    CHECK(big.targets(1, 0) == 100.0f);
    CHECK(big.targets(1, 4) == 104.0f);
    CHECK(big.targets(1, 5) == 0.0f);
    // H = 1 is plain BC: the windows are the dataset itself
    const ChunkSet one = make_chunks(d, 1, 1);
    CHECK(same_bytes(one.obs, d.observations));
    CHECK(same_bytes(one.targets, d.actions));
    CHECK((one.mask.array() == 1.0f).all());
    // an empty dataset has no windows; bad H or stride throw
    CHECK(make_chunks(Dataset{}, 4, 1).obs.rows() == 0);
    CHECK_THROWS_WITH_AS(make_chunks(d, 0, 1), doctest::Contains("H"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(make_chunks(d, 4, 0), doctest::Contains("stride"), std::invalid_argument);
}

TEST_CASE("padded steps carry no loss and no gradient") {
    const Dataset d = tagged_dataset({7, 5, 9}, 1);
    const int H = 4;
    ChunkSet c = make_chunks(d, H, 1);
    // scale the tags down so the loss is of ordinary size
    c.targets *= 0.01f;
    REQUIRE((c.mask.array() == 0.0f).count() == 3 * (1 + 2 + 3));  // the last 3 windows of each episode pad

    SUBCASE("the policy's training loss (what train_bc minimises) ignores padded targets") {
        Rng rng(7);
        Policy pi(PolicyConfig{3, 1, H, {16, 16}, Activation::ReLU, HeadConfig{}}, rng);
        auto loss_and_grads = [&](const Mat& targets) {
            Tape<float> tape;
            Rng head_rng(1);
            for (Param* p : pi.parameters()) p->zero_grad();
            Var<float> loss = pi.loss(tape, c.obs, targets, c.mask, head_rng);
            const float l = loss.value()(0, 0);
            tape.backward(loss);
            std::vector<Mat> grads;
            for (Param* p : pi.parameters()) grads.push_back(p->grad);
            return std::make_pair(l, grads);
        };
        const auto [l0, g0] = loss_and_grads(c.targets);
        Mat garbage = c.targets;
        for (Eigen::Index i = 0; i < garbage.size(); ++i)
            if (c.mask.data()[i] == 0.0f) garbage.data()[i] = (i % 2 ? 1e4f : -3e3f);
        const auto [l1, g1] = loss_and_grads(garbage);
        CHECK(std::memcmp(&l0, &l1, sizeof(float)) == 0);
        REQUIRE(g0.size() == g1.size());
        for (size_t k = 0; k < g0.size(); ++k) {
            CHECK(same_bytes(g0[k], g1[k]));
            CHECK(g0[k].norm() > 0);  // there is a gradient to compare
        }
        // the loss is the mean over the real entries only
        Mat pred;
        PolicyScratch s;
        pi.predict(c.obs, pred, s);
        double sum = 0;
        for (Eigen::Index i = 0; i < pred.size(); ++i) {
            const double e = double(pred.data()[i]) - c.targets.data()[i];
            sum += c.mask.data()[i] * e * e;
        }
        CHECK(l0 == doctest::Approx(sum / c.mask.sum()).epsilon(1e-5));
    }
    SUBCASE("d loss / d prediction is exactly 0 at padded entries, 2(p−t)/n at real ones") {
        Param pred("pred", c.targets.rows(), c.targets.cols());
        Rng rng(3);
        for (Eigen::Index i = 0; i < pred.value.size(); ++i) pred.value.data()[i] = float(rng.uniform(-1, 1));
        Tape<float> tape;
        Var<float> loss = mse(tape.param(pred), tape.input(c.targets), tape.input(c.mask));
        tape.backward(loss);
        const double n = c.mask.sum();
        for (Eigen::Index i = 0; i < pred.value.size(); ++i) {
            if (c.mask.data()[i] == 0.0f) {
                CHECK(pred.grad.data()[i] == 0.0f);
            } else {
                const double g = 2.0 * (double(pred.value.data()[i]) - c.targets.data()[i]) / n;
                CHECK(pred.grad.data()[i] == doctest::Approx(g).epsilon(1e-5));
            }
        }
    }
}

TEST_CASE("temporal-ensemble weights against hand-computed values, oldest first") {
    // w_i = exp(−m·i) / Σ_j exp(−m·j), values computed independently in Python to 15 digits
    CHECK(ensemble_weights(1, 0.01) == std::vector<double>{1.0});
    CHECK(ensemble_weights(1, 0.5) == std::vector<double>{1.0});
    struct Case {
        int n;
        double m;
        std::vector<double> w;
    };
    const std::vector<Case> cases = {
        {2, 0.01, {0.502499979166875, 0.497500020833125}},
        {4, 0.01, {0.253762405732625, 0.251237427607375, 0.24873757343425, 0.24626259322575}},
        {2, 0.5, {0.622459331201855, 0.377540668798145}},
        {4, 0.5, {0.455054233923411, 0.276004344706594, 0.167405097278443, 0.101536324091552}},
    };
    for (const Case& c : cases) {
        INFO("n = " << c.n << ", m = " << c.m);
        const std::vector<double> w = ensemble_weights(c.n, c.m);
        REQUIRE(w.size() == c.w.size());
        double sum = 0;
        for (int i = 0; i < c.n; ++i) {
            CHECK(w[i] == doctest::Approx(c.w[i]).epsilon(1e-13));
            sum += w[i];
        }
        CHECK(sum == doctest::Approx(1.0).epsilon(1e-15));
    }
}

// A chunk policy (H actions) that counts its queries in `queries`: prediction j of query q is 10q + j.
static BatchPolicy counting_policy(int H, int& queries) {
    return [H, &queries](const Mat& obs, Mat& out) {
        out.resize(obs.rows(), H);
        for (Eigen::Index b = 0; b < obs.rows(); ++b)
            for (int j = 0; j < H; ++j) out(b, j) = float(10 * queries + j);
        ++queries;
    };
}

TEST_CASE("Exec::Ensemble executes the weighted average of the predictions for each step") {
    // Query q (counted by the policy) returns the chunk (10q, 10q+1, 10q+2): prediction j of query q is
    // 10q + j, so the action at step t averages 10s + (t − s) over the queries s that cover t.
    const int H = 3, T = 6;
    int queries = 0;
    const BatchPolicy counter = counting_policy(H, queries);
    RolloutConfig cfg;
    cfg.episodes = 2;
    cfg.steps = T;
    cfg.exec.mode = Exec::Ensemble;
    cfg.exec.ensemble_m = 0.5;
    const std::vector<Episode> eps = rollout(Pendulum(), counter, cfg);
    CHECK(queries == T);
    // By hand with a = e^-0.5, b = e^-1 (weights 1, a, b for the oldest, middle, newest prediction):
    const double a = std::exp(-0.5), b = std::exp(-1.0);
    const double expect[T] = {
        0.0,                                         // t=0: query 0's prediction 0
        (1.0 + a * 10.0) / (1 + a),                  // t=1: q0 j1 = 1, q1 j0 = 10
        (2.0 + a * 11.0 + b * 20.0) / (1 + a + b),   // t=2: q0 j2, q1 j1, q2 j0
        (12.0 + a * 21.0 + b * 30.0) / (1 + a + b),  // t=3: q1 j2, q2 j1, q3 j0 (q0 is used up)
        (22.0 + a * 31.0 + b * 40.0) / (1 + a + b),
        (32.0 + a * 41.0 + b * 50.0) / (1 + a + b),
    };
    for (const Episode& e : eps)
        for (int t = 0; t < T; ++t) {
            INFO("t = " << t);
            CHECK(e.actions(t, 0) == doctest::Approx(expect[t]).epsilon(1e-6));
            CHECK(e.executed(t, 0) == e.actions(t, 0));  // no noise: executed = commanded
        }
    // m = 0: a plain mean
    queries = 0;
    cfg.exec.ensemble_m = 0.0;
    CHECK(rollout(Pendulum(), counter, cfg)[0].actions(3, 0) == doctest::Approx((12.0 + 21.0 + 30.0) / 3).epsilon(1e-6));
}

TEST_CASE("receding horizon k executes k actions per query: ceil(200/k) queries") {
    const int H = 4;
    int queries = 0;
    const BatchPolicy counter = counting_policy(H, queries);
    for (int k = 1; k <= H; ++k) {
        INFO("k = " << k);
        queries = 0;
        RolloutConfig cfg;
        cfg.episodes = 3;
        cfg.steps = 200;
        cfg.exec.mode = Exec::Receding;
        cfg.exec.receding_k = k;
        const std::vector<Episode> eps = rollout(Pendulum(), counter, cfg);
        CHECK(queries == (200 + k - 1) / k);
        // step t executes prediction t % k of query t / k
        for (int t = 0; t < 200; ++t) CHECK(eps[2].actions(t, 0) == float(10 * (t / k) + t % k));
    }
    // open loop = receding H: 50 queries
    queries = 0;
    RolloutConfig open;
    rollout(Pendulum(), counter, open);
    CHECK(queries == 50);
}
