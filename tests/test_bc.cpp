// Behaviour cloning end to end (swing-up demos -> a policy that swings up, judged on held-out starts),
// its loss log, normalisation, configuration errors and determinism; and policy checkpoints: exact round
// trips, the PyTorch-written BCPolicy fixture, and metadata that disagrees with the tensors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <fstream>
#include <sstream>

#include "algorithms/bc.hpp"
#include "algorithms/io/policy_checkpoint.hpp"
#include "algorithms/chunking.hpp"
#include "algorithms/evaluate.hpp"
#include "algorithms/noise_injection.hpp"
#include "algorithms/io/safetensors.hpp"
#include "engine/threads.hpp"
#include "envs/envs.hpp"
#include "helpers.hpp"

using namespace imitate;
namespace fs = std::filesystem;

namespace {


bool same_weights(Policy& a, Policy& b) {
    const auto pa = a.parameters(), pb = b.parameters();
    if (pa.size() != pb.size()) return false;
    for (size_t i = 0; i < pa.size(); ++i)
        if (pa[i]->name != pb[i]->name || !same_bytes(pa[i]->value, pb[i]->value)) return false;
    return true;
}

bool same_norm(const Normalizer& a, const Normalizer& b) {
    return a.enabled == b.enabled && (!a.enabled || (same_bytes(a.obs_mean, b.obs_mean) && same_bytes(a.obs_std, b.obs_std) &&
                                                     same_bytes(a.act_mean, b.act_mean) && same_bytes(a.act_std, b.act_std)));
}

// n observations (cos θ, sin θ, θ̇) spread over the state space.
Mat some_observations(int n, uint64_t seed) {
    Rng rng(seed);
    Mat obs(n, 3);
    for (int i = 0; i < n; ++i) {
        const double th = rng.uniform(-3.14159, 3.14159), thd = rng.uniform(-8, 8);
        obs.row(i) << float(std::cos(th)), float(std::sin(th)), float(thd);
    }
    return obs;
}

// Runs the enclosing scope on one thread. Training results do not depend on the thread count (the
// engine's chunking is a function of the shapes; tests/test_determinism checks the bytes), but on shared,
// oversubscribed cores every OpenMP barrier of a small training step can wait out a scheduler slice: the
// swing-up run below measured 0.6 s on one thread and minutes on two under a load of 10.
struct OneThread {
    int before = get_threads();
    OneThread() { set_threads(1); }
    ~OneThread() { set_threads(before); }
};

std::string tmp_path(const std::string& name) { return (fs::path(IMITATE_BUILD_DIR) / ("test_bc_" + name)).string(); }

const fs::path kBcFixtures = fs::path(IMITATE_SOURCE_DIR) / "tests" / "fixtures";

}  // namespace

// ------------------------------------------------------------------------------------------- training

TEST_CASE("BC on swing-up demos swings up from held-out starts; the epoch loss falls") {
    // Budget: 50 expert episodes (10000 pairs), MLP 3-64-64-1 with normalisation, 60 epochs of batch 64
    // (9420 Adam steps, ~2.5 s on one core). Measured: 50/50 for each of 24 (demo seed, training seed)
    // pairs; with 30 episodes, 1 pair in 8 fails outright (0/50), as does 20 episodes x 30 epochs in 4 of 8.
    OneThread one;
    const Dataset demos = collect_demos(Pendulum(), std::make_shared<PendulumSwingUp>(), 50, /*seed=*/1);
    BCConfig cfg;
    cfg.policy.hidden = {64, 64};
    cfg.epochs = short_run() ? 2 : 60;  // sanitizer pass: two epochs, the learning claims skipped
    cfg.batch = 64;
    cfg.normalize = true;
    cfg.seed = 2;
    int callbacks = 0;
    const BCResult r = train_bc(demos, cfg, [&](int epoch, float) { CHECK(epoch == callbacks++); });
    CHECK(callbacks == cfg.epochs);
    REQUIRE(r.epoch_loss.size() == size_t(cfg.epochs));
    CHECK(r.steps == cfg.epochs * ((10000 + 63) / 64));
    CHECK(r.refused == 0);
    MESSAGE("BC epoch loss: first " << r.epoch_loss.front() << ", last " << r.epoch_loss.back());
    if (short_run()) return;
    CHECK(r.epoch_loss.back() < r.epoch_loss.front() / 5);

    EvalConfig ev;
    ev.episodes = 50;
    ev.seed = 777;  // training demos use derive_seed(1, i): disjoint starts
    const EvalResult e = evaluate(Pendulum(), r.policy.as_batch_policy(), ev);
    MESSAGE("BC swing-up success: " << e.successes << "/" << e.episodes << " = " << 100 * e.success_rate << "% [" << 100 * e.wilson_lo
                                    << ", " << 100 * e.wilson_hi << "], return " << e.mean_return);
    CHECK(e.success_rate >= 0.9);
}

TEST_CASE("normalisation: statistics from the data, predictions in raw action units") {
    const Dataset demos = collect_demos(Pendulum(), std::make_shared<PendulumSwingUp>(), 10, 3);
    SUBCASE("fit_normalizer: per-column mean and population std; a constant column gets std 1") {
        Mat obs(4, 3), act(4, 1);
        obs << 1, 5, 0, 2, 5, 0, 3, 5, 0, 4, 5, 0;
        act << -1, 1, -1, 1;
        const Normalizer n = fit_normalizer(obs, act);
        CHECK(n.enabled);
        CHECK(n.obs_mean(0, 0) == 2.5f);
        CHECK(n.obs_mean(0, 1) == 5.0f);
        CHECK(n.obs_std(0, 0) == doctest::Approx(std::sqrt(1.25)).epsilon(1e-6));
        CHECK(n.obs_std(0, 1) == 1.0f);  // constant column
        CHECK(n.obs_std(0, 2) == 1.0f);
        CHECK(n.act_mean(0, 0) == 0.0f);
        CHECK(n.act_std(0, 0) == 1.0f);
    }
    SUBCASE("predict = net((obs − μ)/σ)·σ_a + μ_a") {
        Rng rng(5);
        Policy p(PolicyConfig{3, 1, 2, {16, 16}, Activation::ReLU, HeadConfig{}}, rng);
        p.norm = fit_normalizer(demos.observations, demos.actions);
        const Mat obs = some_observations(20, 9);
        Mat out, raw;
        PolicyScratch s;
        p.predict(obs, out, s);
        const Mat x = ((obs.rowwise() - p.norm.obs_mean.row(0)).array().rowwise() / p.norm.obs_std.row(0).array()).matrix();
        p.net.infer(x, raw, s.net);
        REQUIRE(out.cols() == 2);
        for (int i = 0; i < 20; ++i)
            for (int h = 0; h < 2; ++h)
                CHECK(out(i, h) == doctest::Approx(raw(i, h) * p.norm.act_std(0, 0) + p.norm.act_mean(0, 0)).epsilon(1e-6));
    }
    SUBCASE("a trained normalize=true policy reproduces the expert's raw actions on its training states") {
        OneThread one;
        BCConfig cfg;
        cfg.policy.hidden = {64, 64};
        cfg.epochs = 30;
        cfg.batch = 64;
        cfg.normalize = true;
        cfg.seed = 8;
        const BCResult r = train_bc(demos, cfg);
        CHECK(r.policy.norm.enabled);
        CHECK(same_norm(r.policy.norm, fit_normalizer(demos.observations, demos.actions)));
        Mat pred;
        PolicyScratch s;
        r.policy.predict(demos.observations, pred, s);
        // The expert switches (pump / catch, sign of θ̇), so the error concentrates at a few switching states:
        // the median is small, the mean is not.
        std::vector<float> err(pred.data(), pred.data() + pred.size());
        for (Eigen::Index i = 0; i < pred.size(); ++i) err[i] = std::abs(pred.data()[i] - demos.actions.data()[i]);
        std::sort(err.begin(), err.end());
        const double mae = (pred - demos.actions).cwiseAbs().mean(), median = err[err.size() / 2];
        const double mean_pred = pred.mean(), mean_act = demos.actions.mean();
        MESSAGE("normalised BC on its training states: |π(s) − π*(s)| mean " << mae << ", median " << median
                                                                           << " (actions in [-2, 2], std " << r.policy.norm.act_std(0, 0) << ")");
        CHECK(mae < 0.2);
        CHECK(median < 0.05);
        CHECK(std::abs(mean_pred - mean_act) < 0.05);
        // raw units, not normalised ones: the spread of the predictions is the actions' spread
        const double sd_pred = std::sqrt((pred.array() - mean_pred).square().mean());
        CHECK(sd_pred == doctest::Approx(r.policy.norm.act_std(0, 0)).epsilon(0.1));
    }
}

TEST_CASE("invalid configurations throw std::invalid_argument naming the field") {
    const Dataset demos = collect_demos(Pendulum(), std::make_shared<PendulumSwingUp>(), 1, 3);
    BCConfig cfg;
    cfg.policy.hidden = {8};
    cfg.epochs = 1;
    CHECK_THROWS_WITH_AS(train_bc(Dataset{}, cfg), doctest::Contains("empty"), std::invalid_argument);
    BCConfig bad = cfg;
    bad.batch = 0;
    CHECK_THROWS_WITH_AS(train_bc(demos, bad), doctest::Contains("batch"), std::invalid_argument);
    bad = cfg;
    bad.batch = -5;
    CHECK_THROWS_WITH_AS(train_bc(demos, bad), doctest::Contains("batch"), std::invalid_argument);
    for (float lr : {0.0f, -1e-3f, std::nanf("")}) {
        INFO("lr = " << lr);
        bad = cfg;
        bad.lr = lr;
        CHECK_THROWS_WITH_AS(train_bc(demos, bad), doctest::Contains("lr"), std::invalid_argument);
    }
    bad = cfg;
    bad.epochs = -1;
    CHECK_THROWS_WITH_AS(train_bc(demos, bad), doctest::Contains("epochs"), std::invalid_argument);
    bad = cfg;
    bad.policy.chunk = 0;
    CHECK_THROWS_AS(train_bc(demos, bad), std::invalid_argument);
    bad = cfg;
    bad.stride = 0;
    CHECK_THROWS_WITH_AS(train_bc(demos, bad), doctest::Contains("stride"), std::invalid_argument);
    bad = cfg;
    bad.policy.hidden = {8, 0};
    CHECK_THROWS_AS(train_bc(demos, bad), std::invalid_argument);
}

TEST_CASE("same seed -> identical weights; another seed -> different; steps > 0 trains exactly that many") {
    const Dataset demos = collect_demos(Pendulum(), std::make_shared<PendulumSwingUp>(), 3, 4);
    BCConfig cfg;
    cfg.policy.hidden = {32, 32};
    cfg.epochs = 3;
    cfg.batch = 128;
    cfg.seed = 11;
    for (int chunk : {1, 4}) {
        INFO("chunk " << chunk);
        cfg.policy.chunk = chunk;
        cfg.stride = chunk;
        BCResult a = train_bc(demos, cfg), b = train_bc(demos, cfg);
        CHECK(same_weights(a.policy, b.policy));
        CHECK(std::memcmp(a.epoch_loss.data(), b.epoch_loss.data(), sizeof(float) * a.epoch_loss.size()) == 0);
        BCConfig other = cfg;
        other.seed = 12;
        BCResult c = train_bc(demos, other);
        CHECK_FALSE(same_weights(a.policy, c.policy));
        for (const Param* p : c.policy.parameters()) CHECK(p->value.allFinite());
    }
    cfg.policy.chunk = 1;
    cfg.stride = 1;
    cfg.steps = 7;  // fewer than one epoch (600 / 128 -> 5 steps per epoch): two epochs, the last partial
    const BCResult s = train_bc(demos, cfg);
    CHECK(s.steps == 7);
    CHECK(s.epoch_loss.size() == 2);
}

// ---------------------------------------------------------------------------------------- checkpoints

TEST_CASE("save_policy / load_policy round trip: same config, normaliser, weights and predictions, bit for bit") {
    const Dataset demos = collect_demos(Pendulum(), std::make_shared<PendulumSwingUp>(), 2, 6);
    const Mat obs = some_observations(64, 10);
    for (int H : {1, 4}) {
        for (bool normalize : {false, true}) {
            for (Activation act : {Activation::ReLU, Activation::Tanh}) {
                INFO("H = " << H << ", normalize = " << normalize << ", activation = " << activation_name(act));
                Rng rng(100 + H);
                Policy p(PolicyConfig{3, 1, H, {32, 16}, act, HeadConfig{}}, rng);
                if (normalize) p.norm = fit_normalizer(demos.observations, demos.actions);
                const std::string path = tmp_path("rt.safetensors");
                save_policy(path, p);
                Policy q = load_policy(path);
                CHECK(q.cfg.obs_dim == 3);
                CHECK(q.cfg.act_dim == 1);
                CHECK(q.cfg.chunk == H);
                CHECK(q.cfg.hidden == std::vector<int>{32, 16});
                CHECK(q.cfg.activation == act);
                CHECK(same_norm(p.norm, q.norm));
                CHECK(same_weights(p, q));
                Mat a, b;
                PolicyScratch s1, s2;
                p.predict(obs, a, s1);
                q.predict(obs, b, s2);
                REQUIRE(a.cols() == H);
                CHECK(same_bytes(a, b));
                // a second save of the loaded policy gives the same file
                const std::string path2 = tmp_path("rt2.safetensors");
                save_policy(path2, q);
                CHECK(load_safetensors(path).metadata == load_safetensors(path2).metadata);
                std::ifstream f1(path, std::ios::binary), f2(path2, std::ios::binary);
                std::stringstream s1b, s2b;
                s1b << f1.rdbuf();
                s2b << f2.rdbuf();
                CHECK(s1b.str() == s2b.str());
            }
        }
    }
}

TEST_CASE("the PyTorch-written BCPolicy (no metadata) loads as 3-256-256-4 ReLU and predicts torch's outputs") {
    const Policy p = load_policy((kBcFixtures / "torch_bcpolicy_h4.safetensors").string());
    CHECK(p.cfg.obs_dim == 3);
    CHECK(p.cfg.hidden == std::vector<int>{256, 256});
    CHECK(p.cfg.act_dim == 1);
    CHECK(p.cfg.chunk == 4);
    CHECK(p.cfg.activation == Activation::ReLU);
    CHECK_FALSE(p.norm.enabled);
    // rows "o1 o2 o3 a1 a2 a3 a4" written by torch (see the file's comment line)
    const auto rows = number_rows((kBcFixtures / "torch_bcpolicy_h4_outputs.txt").string());
    REQUIRE(rows.size() == 3);
    for (const auto& row : rows) REQUIRE(row.size() == 7);
    Mat obs(3, 3), out;
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) obs(i, j) = float(rows[i][j]);
    PolicyScratch s;
    p.predict(obs, out, s);
    REQUIRE(out.rows() == 3);
    REQUIRE(out.cols() == 4);
    for (int i = 0; i < 3; ++i)
        for (int h = 0; h < 4; ++h) {
            INFO("row " << i << " action " << h << ": C++ " << out(i, h) << " vs torch " << rows[i][3 + h]);
            CHECK(std::abs(out(i, h) - rows[i][3 + h]) <= 1e-5);
        }
}

TEST_CASE("metadata that disagrees with the tensors is rejected naming the file and the field") {
    const Dataset demos = collect_demos(Pendulum(), std::make_shared<PendulumSwingUp>(), 1, 6);
    Rng rng(1);
    Policy p(PolicyConfig{3, 1, 4, {16, 8}, Activation::ReLU, HeadConfig{}}, rng);
    p.norm = fit_normalizer(demos.observations, demos.actions);
    const std::string good = tmp_path("good.safetensors");
    save_policy(good, p);
    const SafeTensors base = load_safetensors(good);
    REQUIRE(base.metadata.at("chunk") == "4");
    REQUIRE(base.metadata.at("hidden") == "16,8");
    REQUIRE(base.metadata.at("normalize") == "true");

    struct Case {
        std::string name, field;
        std::function<void(SafeTensors&)> edit;
    };
    auto set = [](const char* k, const char* v) { return [=](SafeTensors& st) { st.metadata[k] = v; }; };
    auto erase = [](const char* k) { return [=](SafeTensors& st) { st.metadata.erase(k); }; };
    const std::vector<Case> cases = {
        {"chunk_wrong", "chunk", set("chunk", "2")},
        {"chunk_non_numeric", "chunk", set("chunk", "four")},
        {"chunk_trailing", "chunk", set("chunk", "4x")},
        {"chunk_missing", "chunk", erase("chunk")},
        {"hidden_wrong", "hidden", set("hidden", "16,16")},
        {"hidden_missing", "hidden", erase("hidden")},
        {"obs_dim_wrong", "obs_dim", set("obs_dim", "4")},
        {"obs_dim_non_numeric", "obs_dim", set("obs_dim", "three")},
        {"act_dim_wrong", "act_dim", set("act_dim", "2")},
        {"activation_unknown", "activation", set("activation", "sigmoid")},
        {"normalize_not_bool", "normalize", set("normalize", "yes")},
        {"normalize_missing", "normalize", erase("normalize")},
        {"obs_mean_short", "obs_mean", set("obs_mean", "0.1,0.2")},
        {"obs_mean_non_numeric", "obs_mean", set("obs_mean", "0.1,abc,0.3")},
        {"obs_mean_nan", "obs_mean", set("obs_mean", "0.1,nan,0.3")},
        {"obs_mean_missing", "obs_mean", erase("obs_mean")},
        {"obs_std_zero", "obs_std", set("obs_std", "1,0,1")},
        {"act_mean_long", "act_mean", set("act_mean", "0,0")},
        {"act_std_non_numeric", "act_std", set("act_std", "x")},
        {"act_std_missing", "act_std", erase("act_std")},
        {"act_std_negative", "std", set("act_std", "-1")},
        {"extra_tensor", "extra.weight", [](SafeTensors& st) { st.tensors["extra.weight"] = {{1}, {0.5f}}; }},
        {"extra_net_tensor", "net:", [](SafeTensors& st) { st.tensors["net.1.weight"] = {{1}, {0.5f}}; }},
        {"missing_bias", "net.2.bias", [](SafeTensors& st) { st.tensors.erase("net.2.bias"); }},
        {"bias_wrong_shape", "net.0.bias", [](SafeTensors& st) { st.tensors["net.0.bias"] = {{15}, std::vector<float>(15, 0.0f)}; }},
        {"weight_wrong_inputs", "net.2.weight",
         [](SafeTensors& st) { st.tensors["net.2.weight"] = {{8, 15}, std::vector<float>(120, 0.0f)}; }},
        {"no_net", "net.0.weight", [](SafeTensors& st) {
             st.tensors.erase("net.0.weight");
             st.tensors.erase("net.0.bias");
         }},
    };
    for (const Case& c : cases) {
        INFO("case " << c.name);
        SafeTensors st = base;
        c.edit(st);
        const std::string path = tmp_path(c.name + ".safetensors");
        save_safetensors(path, st);
        std::string msg = "(accepted)";
        try {
            load_policy(path);
        } catch (const std::runtime_error& e) {
            msg = e.what();
        } catch (const std::exception& e) {
            msg = std::string("wrong exception type: ") + e.what();
        }
        INFO("message: " << msg);
        CHECK(msg.rfind(path + ": ", 0) == 0);
        CHECK(msg.find(c.field) != std::string::npos);
    }
    // the unedited file loads
    CHECK_NOTHROW(load_policy(good));
    // a file that is not safetensors at all, or missing, names the path too
    CHECK_THROWS_WITH_AS(load_policy(tmp_path("does_not_exist.safetensors")), doctest::Contains("does_not_exist"),
                         std::runtime_error);
    const std::string corrupt = (kBcFixtures / "safetensors_corrupt" / "header_bad_json.safetensors").string();
    CHECK_THROWS_WITH_AS(load_policy(corrupt), doctest::Contains("header_bad_json"), std::runtime_error);
}


// ------------------------------------------------------------------------------------------- data parallel
// A minibatch of 256 rows trains as two parts (autograd/data_parallel.hpp), each part's loss weighted by its
// share of what the head averages over: elements (mse, tokens, with chunk padding making rows unequal) or
// real rows (gmm). With one minibatch holding every window, the first step's loss is the initial policy's
// loss on the whole data, whatever the order; a wrong share shows as a different number.
TEST_CASE("batches of 256 rows in parts: the first step's loss is the whole data's loss for mse, gmm and tokens") {
    Dataset d;
    const int N = 259;  // 259 rows in episodes of 37: with H = 4 every episode has 3 padded windows
    Rng rng(3);
    d.observations = some_observations(N, 11);
    d.actions.resize(N, 1);
    for (int i = 0; i < N; ++i) d.actions(i, 0) = static_cast<float>(rng.uniform(-2, 2));
    for (int e = 37; e <= N; e += 37) d.episode_ends.push_back(e);
    for (const char* head : {"mse", "gmm", "tokens"}) {
        CAPTURE(head);
        BCConfig cfg;
        cfg.policy.chunk = 4;
        cfg.steps = 1;
        cfg.batch = N;  // one minibatch of every window; 259 rows -> 2 parts of 129 and 130
        cfg.policy.hidden = {16};
        cfg.lr = 1e-6f;
        cfg.seed = 5;
        cfg.policy.head.kind = parse_head(head);
        cfg.policy.head.low = -2, cfg.policy.head.high = 2;
        const BCResult r = train_bc(d, cfg);
        // the same initial policy, its loss on all windows on one tape
        Rng init(cfg.seed);
        Policy pi(PolicyConfig{3, 1, cfg.policy.chunk, cfg.policy.hidden, cfg.policy.activation, cfg.policy.head}, init);
        const ChunkSet w = make_chunks(d, cfg.policy.chunk, 1);
        Tape<float> tape;
        Rng unused(0);
        const float whole = pi.loss(tape, w.obs, w.targets, w.mask, unused).value()(0, 0);
        REQUIRE(r.epoch_loss.size() == 1);
        CHECK(r.epoch_loss[0] == doctest::Approx(whole).epsilon(1e-5));
    }
}
