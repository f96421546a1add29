// Policy heads on the multimodality problem. The toy: observations uniform in [−1, 1]², the action +1 or −1
// with equal probability whatever the observation. MSE learns the average (0, valid for nobody); the
// mixture, the tokens and diffusion sample ±1 in equal shares; the CVAE samples both modes with a blurrier
// boundary. Also: each head's loss falls, sampling is seeded, checkpoints round-trip, corrupt head metadata
// is rejected with the field named, and the heads' math against numbers computed by hand or in Python.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>

#include "algorithms/algorithms.hpp"  // the umbrella headers: BC, the policy, every head
#include "algorithms/io/io.hpp"        // checkpoints and safetensors
#include "engine/threads.hpp"
#include "helpers.hpp"

using namespace imitate;

// ------------------------------------------------------------------------------------------ the toy
// N rows of S-dim observations uniform in [−1, 1]; actions ±1. Episodes of `len` rows; with `per_episode`
// one sign holds for a whole episode (so an H-chunk is all +1 or all −1), otherwise each row draws its own.
static Dataset bimodal(int N, int len, bool per_episode, uint64_t seed, int S = 2) {
    Rng r(seed);
    Dataset d;
    d.observations.resize(N, S);
    d.actions.resize(N, 1);
    float sign = 1;
    for (int i = 0; i < N; ++i) {
        if (!per_episode || i % len == 0) sign = r.uniform() < 0.5 ? -1.0f : 1.0f;
        for (int j = 0; j < S; ++j) d.observations(i, j) = static_cast<float>(r.uniform(-1, 1));
        d.actions(i, 0) = sign;
        if ((i + 1) % len == 0 || i + 1 == N) d.episode_ends.push_back(i + 1);
    }
    d.rewards.assign(N, 0.0f);
    d.terminations.assign(N, 0);
    d.truncations.assign(N, 0);
    d.states = MatD::Zero(N, 2);
    return d;
}

static const HeadKind kAll[] = {HeadKind::MSE, HeadKind::GMM, HeadKind::Tokens, HeadKind::CVAE, HeadKind::Diffusion,
                                HeadKind::ACT};
// Rows whose claims are tested in their own program (they do not model p(chunk | obs) on the bimodal toy): the
// Decision Transformer conditions on returns (tests/test_dt.cpp). The table walk below still covers them.
static const HeadKind kOwnTests[] = {HeadKind::DT};

// ACT's transformers at the toy's scale: d 16, one layer each.
static void small_act(HeadConfig& h) {
    h.d_model = 16, h.nhead = 2, h.dim_ff = 32, h.enc_layers = 1, h.layers = 1, h.dec_layers = 1;
}

// Small networks and step budgets that reach each head's behaviour in a few seconds on one thread.
static BCConfig toy_config(HeadKind k, int H = 1) {
    BCConfig bc;
    bc.policy.chunk = H;
    bc.policy.hidden = {64, 64};
    bc.batch = 256;
    bc.seed = 3;
    bc.policy.head.kind = k;
    switch (k) {
        case HeadKind::MSE: bc.steps = 300; break;
        case HeadKind::GMM: bc.steps = 1000; break;
        case HeadKind::Tokens: bc.steps = 600; break;
        case HeadKind::CVAE: bc.steps = 2000; break;
        case HeadKind::Diffusion: bc.steps = 3000; break;
        case HeadKind::ACT: bc.steps = 600, bc.policy.head.latent = 4, bc.policy.head.beta = 0.1f, small_act(bc.policy.head); break;
        case HeadKind::DT: bc.steps = 300, bc.policy.chunk = 1; break;  // one action per step
    }
    if (short_run()) bc.steps = 24;  // sanitizer pass: every path runs, the learning claims are skipped
    return bc;
}

// One training run per head on the H = 1 toy, shared by the test cases below.
static const BCResult& trained(HeadKind k) {
    static std::map<HeadKind, BCResult> cache;
    auto it = cache.find(k);
    if (it == cache.end()) {
        set_threads(1);  // the toy's matrices are small; one thread is fastest and least disturbed by load
        it = cache.emplace(k, train_bc(bimodal(2048, 2048, false, 1), toy_config(k))).first;
    }
    return it->second;
}

// Observations the policies never saw.
static Mat fresh_obs(int n, uint64_t seed) {
    Rng r(seed);
    Mat o(n, 2);
    for (Eigen::Index i = 0; i < o.size(); ++i) o.data()[i] = static_cast<float>(r.uniform(-1, 1));
    return o;
}

// Shares of values within eps = 0.1 of +1 and of −1, and of rows whose values all have one sign.
struct Modes {
    double plus = 0, minus = 0, consistent = 0;
    double valid() const { return plus + minus; }
};
static Modes modes(const Mat& out) {
    Modes m;
    for (Eigen::Index b = 0; b < out.rows(); ++b) {
        bool same = true;
        for (Eigen::Index j = 0; j < out.cols(); ++j) {
            m.plus += std::abs(out(b, j) - 1) < 0.1f;
            m.minus += std::abs(out(b, j) + 1) < 0.1f;
            same &= (out(b, j) > 0) == (out(b, 0) > 0);
        }
        m.consistent += same;
    }
    m.plus /= double(out.size()), m.minus /= double(out.size()), m.consistent /= double(out.rows());
    return m;
}

// ------------------------------------------------------------------------------------------ training
TEST_CASE("each head's loss falls on the bimodal toy") {
    for (HeadKind k : kAll) {
        const BCResult& r = trained(k);
        const float first = r.epoch_loss.front(), last = r.epoch_loss.back();
        MESSAGE(std::string(head_name(k)) << ": loss " << first << " -> " << last << " in " << r.steps << " steps");
        INFO(std::string(head_name(k)));
        CHECK(r.refused == 0);
        if (short_run()) {
            CHECK(std::isfinite(first));
            CHECK(std::isfinite(last));
            continue;
        }
        switch (k) {
            case HeadKind::MSE:  // the best constant is 0 with MSE 1: nothing to learn, and the loss cannot fall far
                CHECK(last <= first);
                CHECK(last > 0.95f);
                break;
            case HeadKind::GMM: CHECK(last < first - 2.0f); break;  // NLL: ±1 with stds at the floor
            case HeadKind::Tokens:  // two equally likely bins: the cross-entropy's minimum is ln 2
                CHECK(last < 0.5f * first);
                CHECK(last == doctest::Approx(std::log(2.0f)).epsilon(0.05));
                break;
            case HeadKind::CVAE: CHECK(last < 0.5f * first); break;
            case HeadKind::Diffusion: CHECK(last < 0.5f * first); break;
            case HeadKind::ACT: CHECK(last < 0.5f * first); break;
            case HeadKind::DT: break;  // not in kAll: tests/test_dt.cpp
        }
    }
}

TEST_CASE("headline: MSE averages the two valid actions; mixture, tokens and diffusion sample both") {
    const Mat obs = fresh_obs(2000, 99);
    PolicyScratch s;
    Mat out;
    for (HeadKind k : kAll) {
        const Policy& p = trained(k).policy;
        Rng rng(5);
        p.predict(obs, out, s, rng);
        const Modes m = modes(out);
        p.predict(obs, out, s);
        const Modes det = modes(out);
        MESSAGE(std::string(head_name(k)) << ": sampled valid " << m.valid() << " (+1: " << m.plus << ", -1: " << m.minus
                             << "); deterministic predict valid " << det.valid() << " (+1: " << det.plus << ")");
        INFO(std::string(head_name(k)));
        CHECK(out.allFinite());
        if (short_run()) continue;
        switch (k) {
            case HeadKind::MSE:  // the average of +1 and −1 is neither
                CHECK(m.valid() < 0.01);
                CHECK(det.valid() < 0.01);
                CHECK(out.cwiseAbs().maxCoeff() < 0.5f);
                break;
            case HeadKind::ACT:
                // z ~ N(0, I) reaches both modes; the transformer decodes z = 0 to one of them, not the average
                CHECK(m.valid() > 0.9);
                CHECK(m.plus > 0.3);
                CHECK(m.minus > 0.3);
                CHECK(det.valid() >= 0.95);
                break;
            case HeadKind::CVAE:
                // z ~ N(0, I) reaches both modes, but posteriors overlap near z = 0, where the decoder
                // returns in-between values; z = 0 itself (deterministic predict) gives the average.
                CHECK(m.valid() > 0.6);
                CHECK(m.plus > 0.25);
                CHECK(m.minus > 0.25);
                CHECK(det.valid() < 0.5);
                break;
            default:
                CHECK(m.valid() >= 0.95);
                CHECK(m.plus >= 0.40);
                CHECK(m.plus <= 0.60);
                CHECK(m.minus >= 0.40);
                CHECK(m.minus <= 0.60);
                CHECK(det.valid() >= 0.95);  // one mode per observation, not the average
        }
    }
    // Diffusion's other sampler: DDIM (η = 0, 10 steps) from random start noise.
    Policy ddim = trained(HeadKind::Diffusion).policy;
    ddim.cfg.head.sampler = Sampler::DDIM;
    Rng rng(5);
    ddim.predict(obs, out, s, rng);
    const Modes m = modes(out);
    MESSAGE("diffusion DDIM (10 steps): sampled valid " << m.valid() << " (+1: " << m.plus << ", -1: " << m.minus << ")");
    CHECK(out.allFinite());
    if (short_run()) return;
    CHECK(m.valid() >= 0.85);
    CHECK(m.plus >= 0.35);
    CHECK(m.minus >= 0.35);
}

TEST_CASE("chunks H=4 with padded windows: every head trains; GMM, CVAE and diffusion keep a chunk on one mode") {
    // Episodes of 16 rows with one sign each, windows at every start: the last 3 windows of each episode
    // are padded, so every head's mask handling runs.
    set_threads(1);
    const Dataset d = bimodal(2048, 16, true, 2);
    const Mat obs = fresh_obs(1000, 98);
    PolicyScratch s;
    Mat out;
    for (HeadKind k : {HeadKind::GMM, HeadKind::Tokens, HeadKind::CVAE, HeadKind::Diffusion}) {
        BCConfig bc = toy_config(k, 4);
        bc.steps = bc.steps * 2 / 3;
        const BCResult r = train_bc(d, bc);
        Rng rng(6);
        r.policy.predict(obs, out, s, rng);
        REQUIRE(out.cols() == 4);
        const Modes m = modes(out);
        MESSAGE(std::string(head_name(k)) << " H=4: loss " << r.epoch_loss.front() << " -> " << r.epoch_loss.back() << ", sampled valid "
                             << m.valid() << " (+1: " << m.plus << "), chunks on one mode " << m.consistent);
        INFO(std::string(head_name(k)));
        CHECK(out.allFinite());
        if (short_run()) continue;
        CHECK(r.epoch_loss.back() < r.epoch_loss.front());
        if (k == HeadKind::CVAE) {
            CHECK(m.valid() > 0.6);
            CHECK(m.consistent > 0.9);
        } else {
            CHECK(m.valid() >= 0.95);
        }
        // Tokens factorise over the D values (one categorical each), so a sampled chunk mixes modes;
        // the joint heads keep the whole chunk on one.
        if (k == HeadKind::GMM || k == HeadKind::Diffusion) CHECK(m.consistent >= 0.95);
    }
}

// ---------------------------------------------------------------------------------- reproducibility
TEST_CASE("sampling and decoding are seeded and reproducible") {
    const Mat obs = fresh_obs(64, 97);
    PolicyScratch s;
    for (HeadKind k : kAll) {
        INFO(std::string(head_name(k)));
        const Policy& p = trained(k).policy;
        Mat a, b, c, det1, det2;
        Rng r1(42), r2(42), r3(43);
        p.predict(obs, a, s, r1);
        p.predict(obs, b, s, r2);
        p.predict(obs, c, s, r3);
        CHECK(a == b);  // same seed, same bytes
        p.predict(obs, det1, s);
        p.predict(obs, det2, s);
        CHECK(det1 == det2);
        if (k == HeadKind::MSE) {
            CHECK(a == det1);  // no distribution: sampling is predict, and draws nothing
            CHECK(r1.next_u64() == Rng(42).next_u64());
        } else {
            CHECK(a != c);  // another seed, other samples
        }
        // Deterministic predict of a row does not depend on the batch around it (diffusion: one start noise).
        Mat one;
        p.predict(obs.row(17), one, s);
        CHECK(one.row(0).isApprox(det1.row(17), 1e-5f));
        // The sampling BatchPolicy: its own Rng(seed), the same sequence for the same seed.
        BatchPolicy bp1 = p.as_sampling_policy(9), bp2 = p.as_sampling_policy(9);
        Mat x1, x2;
        bp1(obs, x1), bp2(obs, x2);
        CHECK(x1 == x2);
        bp1(obs, x1), bp2(obs, x2);
        CHECK(x1 == x2);
    }
}

// ---------------------------------------------------------------------------------------- checkpoints
static std::string tmp_path(const std::string& name) { return std::string(IMITATE_BUILD_DIR) + "/test_heads_" + name + ".safetensors"; }

static PolicyConfig config_of(HeadKind k) {
    PolicyConfig pc;
    pc.obs_dim = 3, pc.act_dim = 2, pc.chunk = 3, pc.hidden = {16, 12};
    pc.head.kind = k;
    pc.head.low = -2, pc.head.high = 2;
    pc.head.components = 3, pc.head.bins = 8, pc.head.offsets = true, pc.head.latent = 4;
    pc.head.diffusion_steps = 20, pc.head.ddim_steps = 4, pc.head.embed = 8, pc.head.sampler = Sampler::DDIM;
    small_act(pc.head);
    pc.head.context = 4, pc.head.ff = 32, pc.head.dt_layers = 1;
    pc.head.max_timestep = 64, pc.head.return_scale = 10, pc.head.target_return = 5;
    if (k == HeadKind::DT) pc.chunk = 1;  // the Decision Transformer acts one step at a time
    return pc;
}

static Policy random_policy(HeadKind k, bool normalize) {
    Rng rng(11);
    Policy p(config_of(k), rng);
    if (normalize) {
        Mat o(50, 3), a(50, 2);
        for (Eigen::Index i = 0; i < o.size(); ++i) o.data()[i] = float(rng.uniform(-3, 3));
        for (Eigen::Index i = 0; i < a.size(); ++i) a.data()[i] = float(rng.uniform(-2, 1));
        p.norm = fit_normalizer(o, a);
    }
    return p;
}

TEST_CASE("checkpoint round trip per head: same tensors, settings and predictions") {
    Rng orng(5);
    Mat obs(9, 3);
    for (Eigen::Index i = 0; i < obs.size(); ++i) obs.data()[i] = float(orng.uniform(-2, 2));
    for (HeadKind k : kAll)
        for (bool normalize : {false, true}) {
            INFO(std::string(head_name(k)) << (normalize ? " normalised" : ""));
            const Policy p = random_policy(k, normalize);
            const std::string path = tmp_path(head_name(k));
            save_policy(path, p);
            const Policy q = load_policy(path);
            CHECK(q.cfg.head.kind == k);
            CHECK(q.cfg.obs_dim == 3);
            CHECK(q.cfg.act_dim == 2);
            CHECK(q.cfg.chunk == 3);
            CHECK(q.cfg.hidden == std::vector<int>{16, 12});
            CHECK(q.encoder.has_value() == (k == HeadKind::CVAE));
            CHECK(q.norm.enabled == normalize);
            const SafeTensors st = load_safetensors(path);
            if (k != HeadKind::MSE) {  // the head's settings as the policy had them
                CHECK(q.cfg.head.components == (k == HeadKind::GMM ? 3 : HeadConfig{}.components));
                CHECK(q.cfg.head.bins == (k == HeadKind::Tokens ? 8 : HeadConfig{}.bins));
                CHECK(q.cfg.head.latent == (k == HeadKind::CVAE || k == HeadKind::ACT ? 4 : HeadConfig{}.latent));
                CHECK(q.cfg.head.d_model == (k == HeadKind::ACT ? 16 : HeadConfig{}.d_model));
            } else {  // the MSE head writes the same keys and tensors as before heads existed
                std::vector<std::string> keys;
                for (const auto& [key, v] : st.metadata) keys.push_back(key);
                CHECK(keys.size() == (normalize ? 12u : 8u));
                CHECK(st.metadata.at("head") == "mse");
                CHECK(st.metadata.count("components") == 0);
            }
            size_t n_params = 0;
            for (Param* prm : const_cast<Policy&>(q).parameters()) {
                ++n_params;
                CHECK(st.tensors.count(prm->name) == 1);
            }
            CHECK(st.tensors.size() == n_params);
            PolicyScratch s1, s2;
            Mat a, b;
            p.predict(obs, a, s1);
            q.predict(obs, b, s2);
            CHECK(a == b);
            Rng r1(8), r2(8);
            p.predict(obs, a, s1, r1);
            q.predict(obs, b, s2, r2);
            CHECK(a == b);
            std::remove(path.c_str());
        }
}

// Walks the head table as test_gradcheck walks the op registry: a head added to the table (heads/table.def) is
// trained, saved, loaded and compared here without another line. kAll above lists the heads whose learning the
// tests before this one pin with budgets of their own.
TEST_CASE("head table: every row trains a few steps, saves, loads and predicts the same bytes") {
    const Dataset d = bimodal(256, 32, true, 4, 3);
    Rng orng(6);
    Mat obs(7, 3);
    for (Eigen::Index i = 0; i < obs.size(); ++i) obs.data()[i] = float(orng.uniform(-1, 1));
    for (size_t i = 0; i < head_table().size(); ++i) {
        const Head& row = *head_table()[i];
        INFO(row.name);
        CHECK(static_cast<size_t>(row.kind) == i);  // the table is in HeadKind order
        CHECK(parse_head(row.name) == row.kind);
        CHECK(&head_of(row.kind) == &row);
        BCConfig bc = toy_config(row.kind, 2);
        bc.policy.head = config_of(row.kind).head;
        bc.policy.hidden = {16, 16};
        bc.steps = 12;
        bc.batch = 32;
        bc.normalize = true;
        const BCResult r = train_bc(d, bc);
        REQUIRE(r.steps == 12);
        CHECK(std::isfinite(r.epoch_loss.back()));
        const std::string path = tmp_path(std::string("table_") + row.name);
        save_policy(path, r.policy);
        // the metadata holds exactly the settings the row declares, plus the action range if it uses one
        struct Keys final : HeadSettings {
            std::vector<std::string> k;
            void integer(const char* key, const char*, int&, int, int, const char*, bool) override { k.push_back(key); }
            void positive(const char* key, const char*, float&) override { k.push_back(key); }
            void non_negative(const char* key, const char*, float&) override { k.push_back(key); }
            void real(const char* key, const char*, float&) override { k.push_back(key); }
            void flag(const char* key, const char*, bool&) override { k.push_back(key); }
            void sampler(const char* key, const char*, Sampler&) override { k.push_back(key); }
        } keys;
        HeadConfig h = r.policy.cfg.head;
        row.settings(h, keys);
        if (row.uses_range) keys.k.insert(keys.k.end(), {"action_low", "action_high"});
        const SafeTensors st = load_safetensors(path);
        CHECK(st.metadata.size() == 12 + keys.k.size());  // format, sizes, hidden, activation, head, normalize + 4 stats
        for (const std::string& key : keys.k) CHECK(st.metadata.count(key) == 1);
        const Policy q = load_policy(path);
        CHECK(q.cfg.head.kind == row.kind);
        PolicyScratch s1, s2, s3, s4;  // fresh ones for the samples: a stateful row's scratch is at step 1 after one
        Mat a, b;
        r.policy.predict(obs, a, s1);
        q.predict(obs, b, s2);
        CHECK(a.allFinite());
        CHECK(a == b);
        Rng r1(8), r2(8);
        r.policy.predict(obs, a, s3, r1);
        q.predict(obs, b, s4, r2);
        CHECK(a == b);
        std::remove(path.c_str());
    }
}

// Sets one integer setting (by key) to one below its declared range.
struct BelowRange final : HeadSettings {
    std::string key;
    std::vector<std::string> seen;  // every integer setting's key, in order
    void integer(const char* k, const char*, int& v, int lo, int, const char*, bool) override {
        seen.push_back(k);
        if (key == k) v = lo - 1;
    }
    void positive(const char*, const char*, float&) override {}
    void non_negative(const char*, const char*, float&) override {}
    void real(const char*, const char*, float&) override {}
    void flag(const char*, const char*, bool&) override {}
    void sampler(const char*, const char*, Sampler&) override {}
};

TEST_CASE("head table: an integer setting below its range is refused with the field named") {
    for (const Head* row : head_table()) {
        INFO(row->name);
        const HeadConfig good = config_of(row->kind).head;
        validate_head(good, "t", true);
        BelowRange list;
        HeadConfig h = good;
        row->settings(h, list);
        for (const std::string& key : list.seen) {
            BelowRange one;
            one.key = key;
            HeadConfig bad = good;
            row->settings(bad, one);
            CHECK(error_of([&] { validate_head(bad, "t", true); }).rfind("t: " + key + " must be ", 0) == 0);
        }
    }
}

TEST_CASE("checkpoint: the MSE head loads metadata-less (PyTorch) files as before") {
    const Policy p = random_policy(HeadKind::MSE, false);
    const std::string path = tmp_path("nometa");
    SafeTensors st;
    for (Param* prm : const_cast<Policy&>(p).parameters()) {
        const bool bias = prm->name.ends_with(".bias");
        st.tensors[prm->name] = {bias ? std::vector<int64_t>{prm->value.cols()} : std::vector<int64_t>{prm->value.rows(), prm->value.cols()},
                                 {prm->value.data(), prm->value.data() + prm->value.size()}};
    }
    save_safetensors(path, st);
    const Policy q = load_policy(path);
    CHECK(q.cfg.head.kind == HeadKind::MSE);
    CHECK(q.cfg.act_dim == 1);
    CHECK(q.cfg.chunk == 6);  // act_dim·chunk of the original, read as the seed's BCPolicy (A = 1)
    std::remove(path.c_str());
}

// Saves `p`, lets `edit` change the file's contents, and returns load_policy's error ("" if none).
template <class F>
static std::string load_error(const Policy& p, F edit) {
    const std::string path = tmp_path("corrupt");
    save_policy(path, p);
    SafeTensors st = load_safetensors(path);
    edit(st);
    save_safetensors(path, st);
    std::string err;
    try {
        load_policy(path);
    } catch (const std::runtime_error& e) {
        err = e.what();
    }
    std::remove(path.c_str());
    return err;
}

TEST_CASE("checkpoint: corrupt or mismatched head metadata gives an error naming the field") {
    const Policy gmm = random_policy(HeadKind::GMM, false), tok = random_policy(HeadKind::Tokens, false);
    const Policy cvae = random_policy(HeadKind::CVAE, false), dif = random_policy(HeadKind::Diffusion, false);
    const Policy mse = random_policy(HeadKind::MSE, false);
    struct Case {
        const char* what;
        const Policy* p;
        std::function<void(SafeTensors&)> edit;
        const char* expect;  // in the message
    };
    const std::vector<Case> cases = {
        {"unknown head", &gmm, [](SafeTensors& s) { s.metadata["head"] = "flow"; }, "__metadata__.head: head 'flow' is not one of"},
        {"K disagrees with the net", &gmm, [](SafeTensors& s) { s.metadata["components"] = "4"; },
         "__metadata__.components: head gmm needs 2·K·D+K with K=4, D=act_dim·chunk=6 = 52 net outputs but the last layer has 39"},
        {"K not a number", &gmm, [](SafeTensors& s) { s.metadata["components"] = "five"; }, "__metadata__.components: 'five' is not an integer"},
        {"K zero", &gmm, [](SafeTensors& s) { s.metadata["components"] = "0"; }, "__metadata__.components: '0' is not an integer in [1,"},
        {"min_std negative", &gmm, [](SafeTensors& s) { s.metadata["min_std"] = "-1"; }, "__metadata__.min_std: must be > 0"},
        {"gmm tensors read as mse", &gmm, [](SafeTensors& s) { s.metadata["head"] = "mse"; }, "__metadata__.chunk: act_dim·chunk = 6"},
        {"bins missing", &tok, [](SafeTensors& s) { s.metadata.erase("bins"); }, "__metadata__: missing key 'bins'"},
        {"bins disagree", &tok, [](SafeTensors& s) { s.metadata["bins"] = "16"; }, "__metadata__.bins: head tokens needs"},
        {"offsets not a bool", &tok, [](SafeTensors& s) { s.metadata["offsets"] = "yes"; }, "__metadata__.offsets: 'yes' is not true or false"},
        {"empty action range", &tok, [](SafeTensors& s) { s.metadata["action_low"] = "3"; }, "__metadata__.action_high: the action range [3, 2] is empty"},
        {"latent disagrees", &cvae, [](SafeTensors& s) { s.metadata["latent"] = "5"; }, "__metadata__.latent: head cvae needs 8 net inputs but net.0.weight has 7"},
        {"encoder missing", &cvae, [](SafeTensors& s) { s.tensors.erase("encoder.2.weight"); }, "encoder.2.weight: missing (head cvae needs it)"},
        {"encoder misshapen", &cvae, [](SafeTensors& s) { s.tensors["encoder.4.bias"] = {{3}, {0, 0, 0}}; }, "encoder.4.bias: has the wrong shape, expected (8)"},
        {"ddim steps > T", &dif, [](SafeTensors& s) { s.metadata["ddim_steps"] = "21"; }, "__metadata__.ddim_steps: '21' is not an integer in [1, 20]"},
        {"unknown sampler", &dif, [](SafeTensors& s) { s.metadata["sampler"] = "euler"; }, "__metadata__.sampler: sampler 'euler' is not one of ddpm, ddim"},
        {"odd embedding", &dif, [](SafeTensors& s) { s.metadata["embed"] = "7"; }, "__metadata__.embed: must be even"},
        {"embedding disagrees", &dif, [](SafeTensors& s) { s.metadata["embed"] = "10"; }, "__metadata__.embed: head diffusion needs 19 net inputs but net.0.weight has 17"},
        {"an encoder in an MSE file", &mse, [](SafeTensors& s) { s.tensors["encoder.0.weight"] = {{1, 1}, {0}}; },
         "encoder.0.weight: unexpected tensor in a policy checkpoint (head mse)"},
    };
    for (const Case& c : cases) {
        const std::string err = load_error(*c.p, c.edit);
        INFO(c.what << ": got '" << err << "'");
        CHECK(err.find(tmp_path("corrupt") + ": ") == 0);
        CHECK(err.find(c.expect) != std::string::npos);
    }
}

// ------------------------------------------------------------------------------------ the heads' math
TEST_CASE("gmm: the loss is the mixture NLL, the mode is the likeliest component's mean") {
    // K = 2, D = 1: μ = (0.5, −0.7), raw σ = (0, 1), logits = (0.1, 2.0); target 0.2.
    Mat out(1, 6);
    out << 0.5f, -0.7f, 0.0f, 1.0f, 0.1f, 2.0f;
    HeadConfig h;
    h.kind = HeadKind::GMM, h.components = 2, h.min_std = 0.01f;
    Tape<float> t;
    Var<float> loss = gmm_loss(h, t.constant(out), Mat::Constant(1, 1, 0.2f), Mat::Ones(1, 1));
    auto sp = [](double x) { return std::log1p(std::exp(x)); };
    auto normal = [](double x, double mu, double sd) { return std::exp(-0.5 * std::pow((x - mu) / sd, 2)) / (sd * std::sqrt(2 * M_PI)); };
    const double z = std::exp(0.1) + std::exp(2.0), p1 = std::exp(0.1) / z, p2 = std::exp(2.0) / z;
    const double nll = -std::log(p1 * normal(0.2, 0.5, sp(0) + 0.01) + p2 * normal(0.2, -0.7, sp(1) + 0.01));
    CHECK(loss.value()(0, 0) == doctest::Approx(nll).epsilon(1e-5));
    // A padded element drops out: the loss of a fully padded row is 0.
    Tape<float> t2;
    CHECK(gmm_loss(h, t2.constant(out), Mat::Constant(1, 1, 0.2f), Mat::Zero(1, 1)).value()(0, 0) == 0.0f);
    Mat act;
    gmm_decode(h, out, act, nullptr);
    CHECK(act(0, 0) == -0.7f);
    // Sampling: well-separated components (μ = ±5, σ ≈ 0.01) drawn with probabilities p1 and p2.
    Mat far(1, 6);
    far << 5.0f, -5.0f, -10.0f, -10.0f, 0.1f, 2.0f;
    Rng rng(1);
    gmm_decode(h, far.replicate(4000, 1), act, &rng);
    CHECK(double((act.array() < 0).count()) / 4000 == doctest::Approx(p2).epsilon(0.03));
    CHECK((act.array() - 5).abs().minCoeff() < 0.05f);
}

TEST_CASE("tokens: bins, cross-entropy and decoding by hand") {
    HeadConfig h;
    h.kind = HeadKind::Tokens, h.bins = 4;
    const ActionRange r{-2, 2, 1};
    CHECK(token_bin(r, 4, 0, -2.0f) == 0);
    CHECK(token_bin(r, 4, 0, -1.01f) == 0);
    CHECK(token_bin(r, 4, 0, -0.99f) == 1);
    CHECK(token_bin(r, 4, 0, 2.0f) == 3);  // the top edge belongs to the last bin
    CHECK(token_bin(r, 4, 0, 7.0f) == 3);
    // D = 2 values in one row, 4 bins each; targets in bins 2 and 0; the second value padded.
    Mat out(1, 8), target(1, 2), mask(1, 2);
    out << 0, 1, 3, 0, 2, 0, 0, 0;
    target << 0.5f, -1.5f;
    mask << 1, 0;
    Tape<float> t;
    const double lse = std::log(1 + std::exp(1.0) + std::exp(3.0) + 1);
    CHECK(token_loss(h, r, t.constant(out), target, mask).value()(0, 0) == doctest::Approx(lse - 3.0).epsilon(1e-5));
    Mat act;
    token_decode(h, r, out, act, nullptr);
    CHECK(act(0, 0) == 0.5f);   // bin 2's centre
    CHECK(act(0, 1) == -1.5f);  // bin 0's centre
    h.offsets = true;  // offsets, in bin widths, move the value inside its bin (clamped to ±½)
    Mat out2(1, 16);
    out2 << out, 0, 0, 0.25f, 0, 9, 0, 0, 0;
    token_decode(h, r, out2, act, nullptr);
    CHECK(act(0, 0) == 0.75f);
    CHECK(act(0, 1) == -1.0f);
}

TEST_CASE("diffusion: cosine schedule and step embedding against Python") {
    // Python: ab(u) = cos((u+0.008)/1.008·π/2)², β_t = min(1 − ab((t+1)/T)/ab(t/T), 0.999), ᾱ = cumprod(1 − β).
    const NoiseSchedule s = cosine_schedule(50);
    CHECK(s.beta[0] == doctest::Approx(0.0017475135338653747).epsilon(1e-12));
    CHECK(s.beta[25] == doctest::Approx(0.06304977735063333).epsilon(1e-12));
    CHECK(s.beta[49] == 0.999);  // capped
    CHECK(s.alpha_bar[0] == doctest::Approx(0.9982524864661346).epsilon(1e-12));
    CHECK(s.alpha_bar[24] == doctest::Approx(0.4938435904406377).epsilon(1e-12));
    CHECK(s.alpha_bar[49] == doctest::Approx(9.71193029871257e-07).epsilon(1e-9));
    float e[8];
    step_embedding(7, 8, e);
    const double want[8] = {0.6569865987187891, 0.3192246506063148, 0.015080471170057407, 0.0006999999428333341,
                            0.7539022543433046, 0.9476790714399449, 0.9998862832288925, 0.99999975500001};
    for (int j = 0; j < 8; ++j) CHECK(e[j] == doctest::Approx(want[j]).epsilon(1e-6));
    CHECK_THROWS_AS(cosine_schedule(0), std::invalid_argument);
}

TEST_CASE("cvae: the loss is masked MSE plus beta times the closed-form KL") {
    // A 1-layer encoder and decoder whose weights we set: μ = 0.3, log σ² = −0.4 for every row.
    Rng rng(1);
    MLP enc({2, 2}, Activation::ReLU, rng, "encoder."), dec({2, 1}, Activation::ReLU, rng, "net.");
    enc.layers[0].W.value.setZero();
    enc.layers[0].b.value << 0.3f, -0.4f;
    dec.layers[0].W.value << 0.0f, 0.0f;  // decoder ignores s and z: output = bias
    dec.layers[0].b.value << 0.25f;
    HeadConfig h;
    h.kind = HeadKind::CVAE, h.latent = 1, h.beta = 0.5f;
    Mat obs = Mat::Ones(3, 1), target(3, 1), mask(3, 1);
    target << 1, -1, 0.5f;
    mask << 1, 1, 0;  // the third row is padding
    Tape<float> t;
    Rng eps(2);
    const float loss = cvae_loss(h, t, dec, enc, obs, target, mask, eps).value()(0, 0);
    const double mse = (std::pow(0.25 - 1, 2) + std::pow(0.25 + 1, 2)) / 2;
    const double kl = 0.5 * (0.09 + std::exp(-0.4) - 1 + 0.4);
    CHECK(loss == doctest::Approx(mse + 0.5 * kl).epsilon(1e-5));
}

TEST_CASE("head settings out of range are rejected naming the field") {
    const Dataset d = bimodal(64, 64, false, 3);
    BCConfig bc = toy_config(HeadKind::Tokens);
    bc.steps = 1;
    bc.policy.head.bins = 1;
    CHECK_THROWS_WITH_AS(train_bc(d, bc), "bc: bins must be >= 2, got 1", std::invalid_argument);
    bc.policy.head.kind = HeadKind::Diffusion;
    bc.policy.head.ddim_steps = 60;
    CHECK_THROWS_WITH_AS(train_bc(d, bc), "bc: ddim_steps must be in 1..diffusion_steps (50), got 60", std::invalid_argument);
    CHECK_THROWS_WITH_AS(parse_head("vq"), "head 'vq' is not one of mse, gmm, tokens, cvae, diffusion, dt, act", std::invalid_argument);
    PolicyConfig pc;
    pc.head.kind = HeadKind::Tokens;  // no action range given
    Rng rng(0);
    CHECK_THROWS_WITH_AS(Policy(pc, rng), "policy: action range must be low < high, got [0.000000, 0.000000]", std::invalid_argument);
}

// (r,c) of U(−1, 1) from rng.
static Mat uniform_mat(Rng& rng, int r, int c) {
    Mat m(r, c);
    for (int i = 0; i < r; ++i)
        for (int j = 0; j < c; ++j) m(i, j) = static_cast<float>(rng.uniform(-1, 1));
    return m;
}

TEST_CASE("DeployedPolicy: Policy::predict's bytes for every head, deterministic and sampled, batch 1, 5 and 20") {
    for (HeadKind k : kAll) {
        INFO(std::string(head_name(k)));
        PolicyConfig cfg;
        cfg.obs_dim = 3, cfg.act_dim = 2, cfg.chunk = 2, cfg.hidden = {48, 40};
        cfg.head.kind = k;
        cfg.head.low = -2.0f, cfg.head.high = 2.0f;  // tokens' bins, diffusion's clip
        if (k == HeadKind::ACT) small_act(cfg.head);
        Rng init(7);
        Policy p(cfg, init);
        Rng data(8);
        const Mat obs_all = uniform_mat(data, 50, 3), act_all = uniform_mat(data, 50, 2);
        p.norm = fit_normalizer(obs_all, act_all);
        const DeployedPolicy d(p);  // a copy: p stays as it was
        for (int B : {1, 5, 20}) {
            CAPTURE(B);
            const Mat obs = uniform_mat(data, B, 3);
            PolicyScratch s1, s2;
            Mat a, b;
            p.predict(obs, a, s1);
            d.predict(obs, b, s2);
            CHECK(same_bytes(a, b));
            CHECK(s2.net.packed == nullptr);  // the scratch does not keep pointing at the packed copy
            Rng r1(11), r2(11);
            p.predict(obs, a, s1, r1);
            d.predict(obs, b, s2, r2);
            CHECK(same_bytes(a, b));
            d.predict(obs, b, s2);
            p.predict(obs, a, s2);  // the same scratch, now for the policy itself
            CHECK(same_bytes(a, b));
        }
    }
    // the packed copy is made for one MLP: pointed at from a scratch given to another, it is not read
    Rng rng(3);
    MLP m1({3, 32, 1}, Activation::ReLU, rng), m2({3, 32, 1}, Activation::ReLU, rng);
    const PackedMLP packed(m1);
    const Mat x = uniform_mat(rng, 1, 3);
    MLPScratch s;
    Mat plain, other;
    m2.infer(x, plain, s);
    s.packed = &packed;
    m2.infer(x, other, s);
    CHECK(same_bytes(plain, other));
}
