// The ACT head (algorithms/heads/act.hpp): the golden test against PyTorch 1.13 (tests/fixtures/act_golden.json,
// written by scripts/make_act_fixture.py with bench/peers/act_model.py in float64; imitate runs in float32): the
// loss with a fixed ε, every gradient, the prediction at z = 0 and 10 Adam steps. Then training on pendulum
// demonstrations lowers the loss, 1 thread ≡ 2 threads byte for byte, save → load predicts the same bytes (and a
// copied policy owns its weights), and bad checkpoints are refused naming the tensor or the field.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "algorithms/algorithms.hpp"
#include "algorithms/heads/act.hpp"
#include "algorithms/io/policy_checkpoint.hpp"
#include "algorithms/io/safetensors.hpp"
#include "autograd/autograd.hpp"
#include "engine/engine.hpp"
#include "envs/envs.hpp"
#include "golden_json.hpp"  // golden_close, to_mat, check_tensor, check_final
#include "helpers.hpp"      // short_run, error_of, same_bytes

using namespace imitate;
using namespace golden;

static std::string act_tmp_path(const std::string& name) {
    return (std::filesystem::path(IMITATE_BUILD_DIR) / ("test_act_" + name + ".safetensors")).string();
}

TEST_CASE("ACT reproduces PyTorch 1.13: loss, gradients, prediction at z = 0, 10 Adam steps") {
    const std::string path = std::string(IMITATE_SOURCE_DIR) + "/tests/fixtures/act_golden.json";
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path);
    const json g = json::parse(in);
    REQUIRE(g["description"].get<std::string>().find("PyTorch 1.13") != std::string::npos);
    const json& s = g["sizes"];
    HeadConfig h;
    h.kind = HeadKind::ACT;
    h.d_model = s["d_model"], h.nhead = s["nhead"], h.dim_ff = s["dim_ff"];
    h.enc_layers = s["enc_layers"], h.layers = s["layers"], h.dec_layers = s["dec_layers"];
    h.latent = s["latent"], h.beta = s["beta"];
    Rng rng(0);
    ActModel m(h, s["S"], s["A"], s["H"], rng);

    // The state_dict: the same names, in the same order, with PyTorch's shapes.
    std::vector<Param*> params = m.parameters();
    const std::vector<std::string> names = g["names"].get<std::vector<std::string>>();
    REQUIRE(params.size() == names.size());
    for (size_t i = 0; i < names.size(); ++i) {
        CHECK(params[i]->name == names[i]);
        const json& v = g["initial"][names[i]];
        const std::vector<int64_t> torch_shape = v[0].is_array() ? std::vector<int64_t>{int64_t(v.size()), int64_t(v[0].size())}
                                                                 : std::vector<int64_t>{int64_t(v.size())};
        CHECK_MESSAGE(m.stored_shape(*params[i]) == torch_shape, names[i]);
        const Mat w = to_mat(v);
        REQUIRE_MESSAGE((w.rows() == params[i]->value.rows() && w.cols() == params[i]->value.cols()),
                        names[i] << ": golden " << shape_str(w) << " vs ours " << shape_str(params[i]->value));
        params[i]->value = w;
    }
    const Mat obs = to_mat(g["obs"]), target = to_mat(g["target"]), mask = to_mat(g["mask"]), eps = to_mat(g["eps"]);

    // 1. the loss and every gradient
    Tape<float> t;
    Var<float> loss = act_loss(h, t, m, obs, target, mask, eps);
    INFO("loss " << loss.value()(0, 0) << " vs golden " << g["loss"].get<double>());
    CHECK(golden_close(loss.value()(0, 0), g["loss"].get<double>()));
    t.backward(loss);
    for (Param* p : params) check_tensor("grad " + p->name, p->grad, g["grads"][p->name]);

    // 2. the deterministic prediction, z = 0
    HeadScratch hs;
    Mat out;
    act_predict(m, obs, out, hs, nullptr);
    check_tensor("predict", out, g["predict"]);

    // 3. ten Adam steps with the same ε
    AdamConfig cfg;
    cfg.lr = g["lr"].get<float>();
    Adam opt(params, cfg);
    const int steps = g["steps"].get<int>();
    REQUIRE(steps == 10);
    for (int k = 0; k < steps; ++k) {
        opt.zero_grad();
        t.reset();
        loss = act_loss(h, t, m, obs, target, mask, eps);
        INFO("loss before step " << k << ": " << loss.value()(0, 0) << " vs golden " << g["losses"][k].get<double>());
        CHECK(golden_close(loss.value()(0, 0), g["losses"][k].get<double>()));
        t.backward(loss);
        opt.step();
    }
    check_final(params, g, h.d_model, cfg.lr, cfg.beta1, cfg.beta2);
    t.reset();
    loss = act_loss(h, t, m, obs, target, mask, eps);
    INFO("final loss " << loss.value()(0, 0) << " vs golden " << g["final_loss"].get<double>());
    CHECK(golden_close(loss.value()(0, 0), g["final_loss"].get<double>()));
}

// A small ACT on pendulum swing-up demonstrations, chunk H = 8.
static BCConfig small_act(long steps) {
    BCConfig bc;
    bc.policy.chunk = 8;
    bc.batch = 64;
    bc.steps = short_run() ? 6 : steps;
    bc.normalize = true;
    bc.seed = 5;
    bc.policy.head.kind = HeadKind::ACT;
    bc.policy.head.d_model = 32, bc.policy.head.nhead = 4, bc.policy.head.dim_ff = 64;
    bc.policy.head.enc_layers = 1, bc.policy.head.layers = 1, bc.policy.head.dec_layers = 1;
    bc.policy.head.latent = 8, bc.policy.head.beta = 10;
    return bc;
}

static const Dataset& pendulum_demos() {
    static const Dataset d = collect_demos(Pendulum(), std::make_shared<PendulumSwingUp>(), 4, /*seed=*/2);
    return d;
}

TEST_CASE("ACT trains: the loss falls on pendulum demonstrations") {
    set_threads(1);
    const BCResult r = train_bc(pendulum_demos(), small_act(300));
    REQUIRE(r.steps == (short_run() ? 6 : 300));
    for (float l : r.epoch_loss) CHECK(std::isfinite(l));
    if (short_run()) return;
    INFO("first epoch " << r.epoch_loss.front() << ", last " << r.epoch_loss.back());
    CHECK(r.epoch_loss.back() < 0.5f * r.epoch_loss.front());
}

TEST_CASE("ACT: 1 thread and 2 threads train the same bytes") {
    const BCConfig bc = small_act(6);
    set_threads(1);
    const BCResult a = train_bc(pendulum_demos(), bc);
    set_threads(2);
    const BCResult b = train_bc(pendulum_demos(), bc);
    set_threads(1);
    CHECK(same_bytes(a.epoch_loss, b.epoch_loss));
    std::vector<Param*> pa = const_cast<Policy&>(a.policy).parameters(), pb = const_cast<Policy&>(b.policy).parameters();
    REQUIRE(pa.size() == pb.size());
    for (size_t i = 0; i < pa.size(); ++i) CHECK_MESSAGE(same_bytes(pa[i]->value, pb[i]->value), pa[i]->name);
}

TEST_CASE("ACT: save -> load predicts the same bytes; a copy owns its weights") {
    set_threads(1);
    const BCResult r = train_bc(pendulum_demos(), small_act(10));
    const std::string path = act_tmp_path("roundtrip");
    save_policy(path, r.policy);
    const Policy q = load_policy(path);
    CHECK(q.cfg.head.kind == HeadKind::ACT);
    CHECK(q.cfg.head.d_model == 32);
    CHECK(q.cfg.head.dec_layers == 1);
    CHECK(q.net.layers.empty());
    Mat obs(5, 3);
    Rng orng(9);
    for (Eigen::Index i = 0; i < obs.size(); ++i) obs.data()[i] = float(orng.uniform(-1, 1));
    PolicyScratch s1, s2;
    Mat a, b;
    r.policy.predict(obs, a, s1);
    q.predict(obs, b, s2);
    REQUIRE(a.cols() == 8);
    CHECK(a.allFinite());
    CHECK(same_bytes(a, b));
    Rng r1(4), r2(4);
    r.policy.predict(obs, a, s1, r1);
    q.predict(obs, b, s2, r2);
    CHECK(same_bytes(a, b));
    // the same file again, byte for byte
    const std::string path2 = act_tmp_path("roundtrip2");
    save_policy(path2, q);
    std::ifstream f1(path, std::ios::binary), f2(path2, std::ios::binary);
    const std::string b1((std::istreambuf_iterator<char>(f1)), {}), b2((std::istreambuf_iterator<char>(f2)), {});
    CHECK(b1 == b2);
    // a copy is a deep copy: changing it leaves the original's predictions alone
    Policy c = q;
    c.parameters().back()->value.array() += 1.0f;
    q.predict(obs, b, s2);
    r.policy.predict(obs, a, s1);
    CHECK(same_bytes(a, b));
    std::remove(path.c_str());
    std::remove(path2.c_str());
}

TEST_CASE("ACT checkpoints: a missing or misshapen tensor and bad settings are named") {
    PolicyConfig pc;
    pc.obs_dim = 3, pc.act_dim = 1, pc.chunk = 4;
    pc.head.kind = HeadKind::ACT;
    pc.head.d_model = 8, pc.head.nhead = 2, pc.head.dim_ff = 16, pc.head.latent = 4;
    pc.head.enc_layers = 1, pc.head.layers = 1, pc.head.dec_layers = 1;
    Rng rng(3);
    const Policy p(pc, rng);
    const std::string good = act_tmp_path("good"), bad = act_tmp_path("bad");
    save_policy(good, p);
    // PyTorch's shapes: a Linear weight with one output and a one-row nn.Embedding stay 2-D, norms and biases 1-D
    const SafeTensors saved = load_safetensors(good);
    CHECK(saved.tensors.at("action_head.weight").shape == std::vector<int64_t>{1, 8});
    CHECK(saved.tensors.at("cvae_cls.weight").shape == std::vector<int64_t>{1, 8});
    CHECK(saved.tensors.at("encoder.layers.0.norm2.weight").shape == std::vector<int64_t>{8});
    CHECK(saved.tensors.at("decoder.layers.0.multihead_attn.in_proj_bias").shape == std::vector<int64_t>{24});
    auto rewrite = [&](auto&& edit) {
        SafeTensors st = load_safetensors(good);
        edit(st);
        save_safetensors(bad, st);
        return error_of<std::runtime_error>([&] { load_policy(bad); });
    };
    CHECK(rewrite([](SafeTensors& st) { st.tensors.erase("decoder.layers.0.multihead_attn.in_proj_weight"); }) ==
          bad + ": decoder.layers.0.multihead_attn.in_proj_weight: missing (head act needs it)");
    CHECK(rewrite([](SafeTensors& st) { st.tensors["query_embed.weight"].shape = {2, 16}; }) ==
          bad + ": query_embed.weight: has the wrong shape, expected (4,8)");
    CHECK(rewrite([](SafeTensors& st) { st.tensors["encoder.norm.bias"].shape = {1, 8}; }) ==
          bad + ": encoder.norm.bias: has the wrong shape, expected (8)");
    CHECK(rewrite([](SafeTensors& st) { st.tensors["extra.weight"] = {{1}, {0.0f}}; }) ==
          bad + ": extra.weight: unexpected tensor in a policy checkpoint (head act)");
    CHECK(rewrite([](SafeTensors& st) { st.metadata["nhead"] = "3"; }) == bad + ": __metadata__: act: nhead = 3 does not divide d_model = 8");
    CHECK(rewrite([](SafeTensors& st) { st.metadata["nhead"] = "9"; }) ==
          bad + ": __metadata__.nhead: '9' is not an integer in [1, 8]");
    CHECK(rewrite([](SafeTensors& st) { st.metadata.erase("dec_layers"); }) == bad + ": __metadata__: missing key 'dec_layers'");
    CHECK(rewrite([](SafeTensors& st) { st.metadata["chunk"] = "5"; }) ==
          bad + ": query_embed.weight: has the wrong shape, expected (5,8)");
    // sizes far beyond the file are refused before the model is allocated
    CHECK(rewrite([](SafeTensors& st) { st.metadata["d_model"] = "4096", st.metadata["dim_ff"] = "65536"; })
              .starts_with(bad + ": __metadata__: head act with these sizes has "));
    // the row's count is the model's
    std::vector<Param*> ps = const_cast<Policy&>(p).parameters();
    int64_t n = 0;
    for (const Param* q : ps) n += q->value.size();
    CHECK(n == head_of(HeadKind::ACT).model_params(pc.head, 3, 1, 4));
    HeadConfig defaults;
    defaults.latent = 16;
    CHECK(act_head().model_params(defaults, 3, 1, 8) == 338401);  // sum(p.numel()) of bench/peers/act_model.py's ACT(3, 1, 8)
    std::remove(good.c_str());
    std::remove(bad.c_str());
}

// For tests/test_torch_interop.sh: an ACT checkpoint and its predictions, which PyTorch's module
// (bench/peers/act_model.py) loads with load_state_dict(strict=True) and must reproduce
// (scripts/make_act_fixture.py --check-cpp).
TEST_CASE("writes act_cpp_written.safetensors and its predictions for PyTorch") {
    PolicyConfig pc;
    pc.obs_dim = 3, pc.act_dim = 2, pc.chunk = 5;
    pc.head.kind = HeadKind::ACT;
    pc.head.d_model = 16, pc.head.nhead = 4, pc.head.dim_ff = 32, pc.head.latent = 6, pc.head.beta = 10;
    Rng rng(21);
    const Policy p(pc, rng);
    const std::string dir = IMITATE_BUILD_DIR;
    save_policy(dir + "/act_cpp_written.safetensors", p);
    Mat obs(6, 3);
    for (Eigen::Index i = 0; i < obs.size(); ++i) obs.data()[i] = float(rng.uniform(-2, 2));
    PolicyScratch s;
    Mat out;
    p.predict(obs, out, s);
    std::ofstream f(dir + "/act_cpp_written_outputs.txt");
    f << "# obs[3] then the chunk[10] at z = 0\n";
    char b[32];
    for (Eigen::Index r = 0; r < obs.rows(); ++r) {
        for (Eigen::Index c = 0; c < obs.cols(); ++c) std::snprintf(b, sizeof b, "%.9g ", obs(r, c)), f << b;
        for (Eigen::Index c = 0; c < out.cols(); ++c) std::snprintf(b, sizeof b, "%.9g ", out(r, c)), f << b;
        f << "\n";
    }
    CHECK(f.good());
}
