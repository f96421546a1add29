// Dataset and .npz: append/aggregate/validate, exact round trips, NumPy reading our files (and us reading
// NumPy's), and a set of corrupt files each rejected with the file and field named. The corrupt files are
// also written to tests/fixtures/npz_corrupt/ (they seed tests/fuzz/fuzz_npz.cpp) when the environment
// variable IMITATE_WRITE_FIXTURES=1 is set; the committed copies are checked here too.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <zip.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "algorithms/io/atomic_file.hpp"
#include "algorithms/dataset.hpp"
#include "algorithms/io/dataset_npz.hpp"
#include "envs/envs.hpp"
#include "helpers.hpp"

using namespace imitate;

namespace {

// N = 5 rows, two episodes (3 + 2), S = 3, A = 1, values that are easy to assert from Python.
Dataset small_dataset() {
    Dataset d;
    const int N = 5;
    d.observations.resize(N, 3);
    d.actions.resize(N, 1);
    d.states.resize(N, 2);
    for (int i = 0; i < N; ++i) {
        for (int j = 0; j < 3; ++j) d.observations(i, j) = 0.25f * float(3 * i + j);
        d.actions(i, 0) = -1.5f + float(i);
        d.states(i, 0) = 0.1 * i;
        d.states(i, 1) = -0.2 * i;
        d.rewards.push_back(-0.5f * float(i));
    }
    d.terminations = {0, 0, 0, 0, 0};
    d.truncations = {0, 0, 1, 0, 1};
    d.episode_ends = {3, 5};
    return d;
}

bool same_dataset(const Dataset& a, const Dataset& b) {
    return same_bytes(a.observations, b.observations) && same_bytes(a.actions, b.actions) &&
           same_bytes(a.rewards, b.rewards) && same_bytes(a.terminations, b.terminations) &&
           same_bytes(a.truncations, b.truncations) && same_bytes(a.episode_ends, b.episode_ends) &&
           same_bytes(a.states, b.states) && a.env == b.env &&
           // no executed actions: (0,0) or (0,A) alike
           (a.executed.rows() == 0 ? b.executed.rows() == 0 : same_bytes(a.executed, b.executed)) &&
           same_bytes(a.seeds, b.seeds);
}

// One .npy by hand: `dict` is the header's dict text; padding and '\n' added as numpy does.
std::string npy(const std::string& dict, const void* data, size_t n, const char* version = "\x01\x00") {
    std::string h = dict;
    h += std::string((64 - (10 + h.size() + 1) % 64) % 64, ' ') + "\n";
    std::string out = "\x93NUMPY";
    out.append(version, 2);
    out += char(h.size() & 0xff);
    out += char(h.size() >> 8);
    return out + h + std::string(static_cast<const char*>(data), n);
}
std::string header(const char* descr, const std::string& shape) {
    return std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
}

// A zip of (name, bytes) entries, stored.
std::string zip_of(const std::vector<std::pair<std::string, std::string>>& entries) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
    REQUIRE(src);
    zip_t* za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
    REQUIRE(za);
    zip_source_keep(src);
    for (const auto& [name, bytes] : entries) {
        zip_source_t* s = zip_source_buffer(za, bytes.data(), bytes.size(), 0);
        zip_int64_t idx = zip_file_add(za, name.c_str(), s, 0);
        REQUIRE(idx >= 0);
        zip_set_file_compression(za, zip_uint64_t(idx), ZIP_CM_STORE, 0);
        zip_file_set_mtime(za, zip_uint64_t(idx), 946684800, 0);
    }
    REQUIRE(zip_close(za) == 0);
    zip_stat_t st;
    zip_stat_init(&st);
    REQUIRE(zip_source_stat(src, &st) == 0);
    REQUIRE(zip_source_open(src) == 0);
    std::string out(st.size, '\0');
    REQUIRE(zip_source_read(src, out.data(), st.size) == zip_int64_t(st.size));
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&err);
    return out;
}

// The entries of small_dataset(), editable before zipping.
std::vector<std::pair<std::string, std::string>> small_entries() {
    const Dataset d = small_dataset();
    return {
        {"observations.npy", npy(header("<f4", "(5, 3)"), d.observations.data(), 60)},
        {"actions.npy", npy(header("<f4", "(5, 1)"), d.actions.data(), 20)},
        {"rewards.npy", npy(header("<f4", "(5,)"), d.rewards.data(), 20)},
        {"terminations.npy", npy(header("|b1", "(5,)"), d.terminations.data(), 5)},
        {"truncations.npy", npy(header("|b1", "(5,)"), d.truncations.data(), 5)},
        {"episode_ends.npy", npy(header("<i8", "(2,)"), d.episode_ends.data(), 16)},
        {"states.npy", npy(header("<f8", "(5, 2)"), d.states.data(), 80)},
    };
}
std::string& entry(std::vector<std::pair<std::string, std::string>>& es, const std::string& name) {
    for (auto& e : es)
        if (e.first == name) return e.second;
    FAIL("no entry " << name);
    return es[0].second;
}

bool python_numpy_available() {
    return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}
int run(const std::string& cmd) {
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace

TEST_CASE("Dataset: append episodes with the chosen labels, aggregate, ranges") {
    RolloutConfig cfg;
    cfg.episodes = 3;
    cfg.steps = 20;
    cfg.seed = 4;
    cfg.expert = std::make_shared<PendulumSwingUp>();
    BatchPolicy zero = [](const Mat& obs, Mat& out) { out = Mat::Zero(obs.rows(), 1); };
    const Pendulum env;
    std::vector<Episode> eps = rollout(env, zero, cfg);

    Dataset a, b;
    for (const Episode& e : eps) a.append(e, Labels::Actions);
    for (const Episode& e : eps) b.append(e);  // default Actions | Expert: expert labels when present
    CHECK(a.size() == 60);
    CHECK(a.num_episodes() == 3);
    CHECK(a.episode_ends == std::vector<int64_t>{20, 40, 60});
    CHECK(a.episode_range(1) == std::pair<int64_t, int64_t>{20, 40});
    CHECK(a.episode_begin(2) == 40);
    CHECK(a.episode_end(0) == 20);
    CHECK_THROWS_AS(a.episode_range(3), std::out_of_range);
    CHECK(a.actions.isZero());
    CHECK(same_bytes(Mat(b.actions.middleRows(20, 20)), eps[1].expert_actions));
    CHECK(same_bytes(Mat(a.observations.middleRows(40, 20)), eps[2].observations));
    CHECK(same_bytes(MatD(a.states.topRows(20)), eps[0].states));
    CHECK(same_bytes(Mat(a.executed.middleRows(20, 20)), eps[1].executed));
    CHECK(a.rewards[21] == float(eps[1].rewards[1]));
    CHECK(a.truncations[19] == 1);
    CHECK(a.truncations[18] == 0);
    a.validate();
    b.validate();

    Dataset c = a;
    c.append(b);
    CHECK(c.size() == 120);
    CHECK(c.episode_ends == std::vector<int64_t>{20, 40, 60, 80, 100, 120});
    CHECK(same_bytes(Mat(c.actions.bottomRows(60)), b.actions));
    CHECK(c.executed.rows() == 120);
    c.validate();
    // environment and seeds: aggregated; data of another environment is refused
    Dataset p = a, q = a;
    p.env = env.spec().identity();
    p.seeds = {4};
    q.seeds = {4, 5};
    p.append(q);  // q's environment is unknown: accepted
    CHECK(p.env == env.spec().identity());
    CHECK(p.seeds == std::vector<uint64_t>{4, 5});
    q.env = PointMass().spec().identity();
    CHECK_THROWS_WITH_AS(p.append(q), doctest::Contains("cannot append data of environment"), std::invalid_argument);
    // a dataset without executed actions makes the aggregate lose them, rather than hold a partial column
    Dataset old = a;
    old.executed.resize(0, 1);
    Dataset mixed = a;
    mixed.append(old);
    CHECK(mixed.executed.rows() == 0);
    mixed.validate();

    // Expert labels alone on an episode rolled out without an expert: an error, not a silent fallback.
    RolloutConfig plain;
    plain.steps = 5;
    std::vector<Episode> pe = rollout(env, zero, plain);
    CHECK_THROWS_WITH_AS(a.append(pe[0], Labels::Expert), doctest::Contains("expert_actions"), std::invalid_argument);
    Dataset wide;
    wide.observations = Mat::Zero(2, 4);
    wide.actions = Mat::Zero(2, 1);
    wide.states = MatD::Zero(2, 2);
    wide.rewards = {0, 0};
    wide.terminations = wide.truncations = {0, 0};
    wide.episode_ends = {2};
    CHECK_THROWS_WITH_AS(a.append(wide), doctest::Contains("'observations' of width 4"), std::invalid_argument);
}

TEST_CASE("Dataset::validate names the field") {
    auto check = [](const std::function<void(Dataset&)>& edit, const char* text) {
        Dataset d = small_dataset();
        edit(d);
        CHECK_THROWS_WITH_AS(d.validate("demo"), doctest::Contains(text), std::runtime_error);
    };
    CHECK_NOTHROW(small_dataset().validate());
    CHECK_NOTHROW(Dataset{}.validate());
    check([](Dataset& d) { d.actions.resize(4, 1); }, "demo: 'actions' has shape (4,1), expected (5,1)");
    check([](Dataset& d) { d.rewards.pop_back(); }, "demo: 'rewards' has shape (4,), expected (5,)");
    check([](Dataset& d) { d.states.resize(4, 2); }, "'states' has shape (4,2), expected (5,2)");
    check([](Dataset& d) { d.executed = Mat::Zero(5, 2); }, "'executed_actions' has shape (5,2), expected (5,1)");
    check([](Dataset& d) { d.executed = Mat::Zero(4, 1); }, "'executed_actions' has shape (4,1), expected (5,1)");
    check([](Dataset& d) {
        d.executed = Mat::Zero(5, 1);
        d.executed(3, 0) = NAN;
    }, "'executed_actions' has a non-finite value in row 3");
    check([](Dataset& d) { d.truncations[1] = 2; }, "'truncations' has value 2 at index 1, expected 0 or 1");
    check([](Dataset& d) { d.episode_ends = {3, 3, 5}; }, "'episode_ends' entry 1 is 3, expected > 3");
    check([](Dataset& d) { d.episode_ends = {0, 5}; }, "'episode_ends' entry 0 is 0, expected > 0");
    check([](Dataset& d) { d.episode_ends = {3}; }, "'episode_ends' ends at 3, expected N = 5");
    check([](Dataset& d) { d.episode_ends.clear(); }, "'episode_ends' is empty");
    check([](Dataset& d) { d.observations(2, 1) = std::nanf(""); }, "'observations' has a non-finite value in row 2");
    check([](Dataset& d) { d.actions(4, 0) = INFINITY; }, "'actions' has a non-finite value in row 4");
    check([](Dataset& d) { d.rewards[3] = NAN; }, "'rewards' has a non-finite value at index 3");
    check([](Dataset& d) { d.states(0, 1) = -INFINITY; }, "'states' has a non-finite value in row 0");
}

TEST_CASE("npz round trip is exact, deterministic, 64-byte aligned headers") {
    RolloutConfig cfg;
    cfg.episodes = 4;
    cfg.seed = 8;
    cfg.noise_sigma = 0.2;
    const Pendulum env;
    Dataset d;
    for (const Episode& e : rollout_expert(env, std::make_shared<PendulumPD>(), cfg)) d.append(e);
    d.env = env.spec().identity();
    d.seeds = {8, 0xFFFFFFFFFFFFFFFFull};  // all 64 bits survive
    REQUIRE(d.executed.rows() == 800);
    CHECK_FALSE(same_bytes(d.executed, d.actions));  // the noise is in the executed column only
    const std::string path = IMITATE_BUILD_DIR "/test_npz_roundtrip.npz";
    save_npz(path, d);
    Dataset back = load_npz(path, 3, 1);
    CHECK(same_dataset(d, back));  // executed, env and seeds included
    CHECK(back.env == env.spec().identity());
    CHECK(back.seeds == d.seeds);
    // the executed actions replay the episode exactly from its first state
    {
        Pendulum replay;
        replay.reset_to(back.states.row(0).data());
        bool same = true;
        for (int t = 0; t + 1 < 200; ++t) {
            replay.step(back.executed.row(t).data());
            same &= replay.theta() == back.states(t + 1, 0) && replay.thetadot() == back.states(t + 1, 1);
        }
        CHECK(same);
    }
    CHECK(npz_bytes(d) == read_file(path));
    CHECK(npz_bytes(d) == npz_bytes(back));

    // Every .npy header: magic, version 1.0, (10 + header length) % 64 == 0, dict ends in '\n'.
    const std::string bytes = read_file(path);
    int headers = 0;
    for (size_t p = bytes.find("\x93NUMPY"); p != std::string::npos; p = bytes.find("\x93NUMPY", p + 1)) {
        ++headers;
        CHECK(bytes[p + 6] == 1);
        CHECK(bytes[p + 7] == 0);
        const size_t hlen = uint8_t(bytes[p + 8]) | size_t(uint8_t(bytes[p + 9])) << 8;
        CHECK((10 + hlen) % 64 == 0);
        CHECK(bytes[p + 10 + hlen - 1] == '\n');
    }
    CHECK(headers == 10);  // 7 required entries + executed_actions, seeds, env_spec
    CHECK(bytes.find("{'descr': '<f4', 'fortran_order': False, 'shape': (800, 3), }") != std::string::npos);
    CHECK(bytes.find("{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }") != std::string::npos);

    // An empty dataset is a valid file too.
    save_npz(IMITATE_BUILD_DIR "/test_npz_empty.npz", Dataset{});
    CHECK(load_npz(IMITATE_BUILD_DIR "/test_npz_empty.npz").size() == 0);

    // save_npz refuses an invalid dataset, naming the file, and leaves nothing behind.
    Dataset bad = small_dataset();
    bad.actions(0, 0) = NAN;
    const std::string bad_path = IMITATE_BUILD_DIR "/test_npz_bad.npz";
    std::filesystem::remove(bad_path);
    CHECK_THROWS_WITH_AS(save_npz(bad_path, bad), doctest::Contains("test_npz_bad.npz: 'actions' has a non-finite"),
                         std::runtime_error);
    CHECK_FALSE(std::filesystem::exists(bad_path));
}

TEST_CASE("npz: a file without the optional entries loads; states of any width load") {
    // small_dataset() has no executed actions, environment or seeds: its file holds only the 7 entries
    const std::string bytes = npz_bytes(small_dataset());
    CHECK(bytes.find("executed_actions") == std::string::npos);
    CHECK(bytes.find("env_spec") == std::string::npos);
    CHECK(bytes.find("seeds") == std::string::npos);
    const Dataset old = parse_npz(bytes, "old.npz", 3, 1);
    CHECK(same_dataset(old, small_dataset()));
    CHECK(old.executed.rows() == 0);
    CHECK(old.env.empty());
    CHECK(old.seeds.empty());
    // the same from the hand-built entries (small_entries(): written without our writer)
    CHECK(same_dataset(parse_npz(zip_of(small_entries()), "hand.npz"), small_dataset()));

    // states of width D = 3 (any simulator's state) round-trip
    Dataset wide = small_dataset();
    wide.states.resize(5, 3);
    for (int i = 0; i < 5; ++i)
        for (int c = 0; c < 3; ++c) wide.states(i, c) = 0.5 * i - c;
    wide.validate();
    const Dataset back = parse_npz(npz_bytes(wide), "wide.npz", 3, 1);
    CHECK(back.states.cols() == 3);
    CHECK(same_dataset(back, wide));
}

TEST_CASE("NumPy opens our .npz in one line, and we open NumPy's (savez and savez_compressed)") {
    if (!python_numpy_available()) {
        MESSAGE("SKIP: /usr/bin/python3 with numpy not available");
        return;
    }
    const std::string dir = IMITATE_BUILD_DIR;
    save_npz(dir + "/numpy_check.npz", small_dataset());
    const std::string script = R"PY(
import sys
import numpy as np
d = np.load(sys.argv[1])
assert sorted(d.files) == sorted(["observations", "actions", "rewards", "terminations", "truncations",
                                  "episode_ends", "states"]), d.files
want = {"observations": ("<f4", (5, 3)), "actions": ("<f4", (5, 1)), "rewards": ("<f4", (5,)),
        "terminations": ("|b1", (5,)), "truncations": ("|b1", (5,)), "episode_ends": ("<i8", (2,)),
        "states": ("<f8", (5, 2))}
for k, (dt, shape) in want.items():
    assert d[k].dtype.str == dt and d[k].shape == shape, (k, d[k].dtype.str, d[k].shape)
assert np.array_equal(d["observations"], 0.25 * np.arange(15, dtype=np.float32).reshape(5, 3))
assert np.array_equal(d["actions"][:, 0], np.arange(5, dtype=np.float32) - 1.5)
assert np.array_equal(d["rewards"], -0.5 * np.arange(5, dtype=np.float32))
assert not d["terminations"].any()
assert d["truncations"].tolist() == [False, False, True, False, True]
assert d["episode_ends"].tolist() == [3, 5]
assert np.array_equal(d["states"], np.stack([0.1 * np.arange(5), -0.2 * np.arange(5)], 1))
arrays = {k: d[k] for k in d.files}
np.savez(sys.argv[2], **arrays)
np.savez_compressed(sys.argv[3], **arrays)
print("numpy read numpy_check.npz: ok")
)PY";
    write_file_atomic(dir + "/numpy_check.py", script);
    const std::string a = dir + "/numpy_savez.npz", b = dir + "/numpy_savez_compressed.npz";
    REQUIRE(run("/usr/bin/python3 " + dir + "/numpy_check.py " + dir + "/numpy_check.npz " + a + " " + b) == 0);
    CHECK(same_dataset(load_npz(a), small_dataset()));
    CHECK(same_dataset(load_npz(b), small_dataset()));
}

TEST_CASE("corrupt .npz files are rejected with the file and field named, never a crash") {
    using Entries = std::vector<std::pair<std::string, std::string>>;
    const std::string valid = zip_of(small_entries());
    REQUIRE(same_dataset(parse_npz(valid, "valid.npz"), small_dataset()));

    struct Case {
        const char* name;     // fixture file name (without .npz)
        std::string bytes;
        const char* message;  // substring the error must contain (after "<file>: ")
        int S = 0, A = 0;
    };
    auto edited = [](const std::function<void(Entries&)>& edit) {
        Entries es = small_entries();
        edit(es);
        return zip_of(es);
    };
    const float f5[5] = {0, 1, 2, 3, 4};
    // the small file with rewards.npy's header dict replaced by `dict` (its five float32 values kept)
    auto rewards_header = [&](const std::string& dict) {
        return edited([&](Entries& es) { entry(es, "rewards.npy") = npy(dict, f5, 20); });
    };
    const double nan_states[10] = {0, 0, 0.1, -0.2, NAN, -0.4, 0.3, -0.6, 0.4, -0.8};
    const int64_t ends_bad[2] = {4, 3};
    const int64_t ends_short[2] = {2, 4};
    const uint8_t bool7[5] = {0, 7, 0, 0, 1};
    std::vector<Case> cases = {
        {"empty", "", "empty file"},
        {"not_a_zip", "observations,actions\n1,2\n", "not a valid zip archive"},
        {"truncated_zip", valid.substr(0, valid.size() / 2), "not a valid zip archive"},
        {"missing_entry", edited([&](Entries& es) { es.pop_back(); }), "'states' is missing"},
        {"wrong_magic", edited([&](Entries& es) { entry(es, "actions.npy")[1] = 'X'; }), "'actions' has bad magic"},
        {"wrong_version", edited([&](Entries& es) { entry(es, "rewards.npy")[6] = 2; }),
         "'rewards' has .npy version 2.0, expected 1.0"},
        {"truncated_entry", edited([&](Entries& es) { auto& e = entry(es, "states.npy"); e.resize(e.size() - 8); }),
         "'states' has 72 bytes of data, expected 80 for shape (5,2) of '<f8'"},
        {"truncated_header", edited([&](Entries& es) { auto& e = entry(es, "actions.npy"); e.resize(40); }),
         "'actions' is truncated"},
        {"lying_shape", edited([&](Entries& es) {
             auto& e = entry(es, "observations.npy");
             e = npy(header("<f4", "(500, 3)"), e.data() + e.size() - 60, 60);
         }),
         "'observations' has 60 bytes of data, expected 6000"},
        {"huge_shape", edited([&](Entries& es) {
             auto& e = entry(es, "observations.npy");
             e = npy(header("<f4", "(4611686018427387903, 4611686018427387903)"), e.data() + e.size() - 60, 60);
         }),
         "'observations' has shape (4611686018427387903,4611686018427387903) whose size overflows"},
        {"shape_mismatch", edited([&](Entries& es) { entry(es, "rewards.npy") = npy(header("<f4", "(4,)"), f5, 16); }),
         "'rewards' has shape (4,), expected (5,)"},
        // a valid file (A = 1) loaded as A = 2: the style guide's example message
        {"actions_width", valid, "'actions' has shape (5,1), expected (5,2)", 3, 2},
        {"wrong_dtype", edited([&](Entries& es) {
             const double d5[5] = {0, 1, 2, 3, 4};
             entry(es, "actions.npy") = npy(header("<f8", "(5, 1)"), d5, 40);
         }),
         "'actions' has dtype '<f8', expected '<f4'"},
        {"fortran_order", rewards_header("{'descr': '<f4', 'fortran_order': True, 'shape': (5,), }"),
         "'rewards' has fortran_order True, expected False"},
        {"bad_header_syntax", rewards_header("{'descr': '<f4', 'fortran_order': False, 'shape': (5,) "),
         "'rewards' has a malformed header"},
        {"header_unknown_key", rewards_header("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), 'x': 1}"),
         "'rewards' has an unknown header key 'x'"},
        {"shape_not_tuple", rewards_header("{'descr': '<f4', 'fortran_order': False, 'shape': (5), }"),
         "'rewards' has a malformed header: 'shape' (n) is not a tuple"},
        {"wrong_rank", rewards_header(header("<f4", "(5, 1)")),
         "'rewards' has shape (5,1), expected 1 dimension"},
        {"nan_states", edited([&](Entries& es) { entry(es, "states.npy") = npy(header("<f8", "(5, 2)"), nan_states, 80); }),
         "'states' has a non-finite value in row 2"},
        {"episode_ends_not_monotone",
         edited([&](Entries& es) { entry(es, "episode_ends.npy") = npy(header("<i8", "(2,)"), ends_bad, 16); }),
         "'episode_ends' entry 1 is 3, expected > 4"},
        {"episode_ends_short",
         edited([&](Entries& es) { entry(es, "episode_ends.npy") = npy(header("<i8", "(2,)"), ends_short, 16); }),
         "'episode_ends' ends at 4, expected N = 5"},
        {"bool_not_01", edited([&](Entries& es) { entry(es, "terminations.npy") = npy(header("|b1", "(5,)"), bool7, 5); }),
         "'terminations' has value 7 at index 1, expected 0 or 1"},
        {"crc_mismatch", [&] {
             std::string z = valid;  // flip one data byte of the stored observations: the CRC no longer matches
             const size_t p = z.find("\x93NUMPY");
             z[p + 128 + 5] ^= 0x40;
             return z;
         }(),
         "'observations' cannot be read"},
    };
    const bool write_fixtures = std::getenv("IMITATE_WRITE_FIXTURES") != nullptr;
    const std::string fixture_dir = IMITATE_SOURCE_DIR "/tests/fixtures/npz_corrupt/";
    if (write_fixtures) {
        std::filesystem::create_directories(fixture_dir);
        std::filesystem::create_directories(IMITATE_SOURCE_DIR "/tests/fixtures/npz_valid");
        write_file_atomic(IMITATE_SOURCE_DIR "/tests/fixtures/npz_valid/small.npz", npz_bytes(small_dataset()));
    }
    int committed = 0;
    for (const Case& c : cases) {
        CAPTURE(c.name);
        const std::string file = std::string(c.name) + ".npz";
        CHECK_THROWS_WITH_AS(parse_npz(c.bytes, file, c.S, c.A), doctest::Contains((file + ": " + c.message).c_str()),
                             std::runtime_error);
        if (c.S == 0 && write_fixtures) write_file_atomic(fixture_dir + file, c.bytes);
        if (c.S == 0 && std::filesystem::exists(fixture_dir + file)) {
            ++committed;
            CHECK_THROWS_WITH_AS(load_npz(fixture_dir + file), doctest::Contains(c.message), std::runtime_error);
        }
    }
    MESSAGE(cases.size() << " corrupt cases rejected; " << committed << " committed fixtures in tests/fixtures/npz_corrupt/");
    CHECK(committed == int(cases.size()) - 1);  // all but actions_width (valid on its own)
    CHECK_THROWS_WITH_AS(load_npz(IMITATE_BUILD_DIR "/no_such_file.npz"), doctest::Contains("no_such_file.npz: cannot open"),
                         std::runtime_error);

    // Every prefix of a valid file, and every single-byte corruption of its first 600 bytes: rejected or
    // accepted, never a crash (ASan/UBSan builds make this a memory-safety check).
    int rejected = 0, accepted = 0;
    for (size_t n = 0; n < valid.size(); n += 7) {
        try {
            parse_npz(std::string_view(valid).substr(0, n), "prefix.npz");
            ++accepted;
        } catch (const std::runtime_error&) {
            ++rejected;
        }
    }
    for (size_t i = 0; i < 600 && i < valid.size(); ++i) {
        std::string z = valid;
        z[i] = char(z[i] ^ 0x5a);
        try {
            parse_npz(z, "flip.npz");
            ++accepted;
        } catch (const std::runtime_error&) {
            ++rejected;
        }
    }
    // The zip's CRCs stop most of those before the .npy parser; so also corrupt each byte of an entry's
    // preamble and header, re-zipped with a fresh CRC.
    for (size_t i = 0; i < 128; ++i) {
        Entries es = small_entries();
        entry(es, "actions.npy")[i] ^= char(i % 3 == 0 ? 0x01 : i % 3 == 1 ? 0x20 : 0xff);
        try {
            parse_npz(zip_of(es), "header_flip.npz");
            ++accepted;
        } catch (const std::runtime_error&) {
            ++rejected;
        }
    }
    MESSAGE("mutations: " << rejected << " rejected, " << accepted << " accepted");
    CHECK(rejected > 0);
}
