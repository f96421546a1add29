// The C interface (algorithms/imitate.h): every head through imitate_policy_open/predict/sample gives the
// same bits as the C++ Policy; the PyTorch-written fixture loads; bad files give NULL and a one-line reason;
// bad calls give -1; predict allocates nothing for a batch size it has seen (malloc is counted by replacing
// it in this program, outside sanitizer builds); policies on two threads agree with one thread.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "algorithms/io/policy_checkpoint.hpp"
#include "algorithms/imitate.h"

using namespace imitate;
namespace fs = std::filesystem;

// ---------------------------------------------------------------- counting allocator (glibc, no sanitizer)
// Every malloc-family call in the process (operator new, Eigen's aligned_malloc, libgomp, libimitate) goes
// through these definitions, which count and forward to glibc's own allocator; glibc's free releases them.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define IMITATE_COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IMITATE_COUNT_ALLOCS 0
#endif
#endif
#if !defined(IMITATE_COUNT_ALLOCS) && defined(__GLIBC__)
#define IMITATE_COUNT_ALLOCS 1
#endif
#ifndef IMITATE_COUNT_ALLOCS
#define IMITATE_COUNT_ALLOCS 0
#endif

static std::atomic<long> g_allocs{0};

#if IMITATE_COUNT_ALLOCS
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void* malloc(size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_malloc(n);
}
void* calloc(size_t n, size_t s) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_calloc(n, s);
}
void* realloc(void* p, size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_realloc(p, n);
}
void* memalign(size_t a, size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_memalign(a, n);
}
void* aligned_alloc(size_t a, size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_memalign(a, n);
}
int posix_memalign(void** p, size_t a, size_t n) {
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    *p = __libc_memalign(a, n);
    return *p ? 0 : 12;  // ENOMEM
}
}
#endif

namespace {

std::string tmp_path(const std::string& name) {
    fs::create_directories(fs::path(IMITATE_BUILD_DIR) / "test_c_api");
    return (fs::path(IMITATE_BUILD_DIR) / "test_c_api" / name).string();
}

// A small policy of the given head (S=3, A=2, H=3), fresh weights from seed, normalising, saved to a file.
std::string make_policy(HeadKind kind, const std::string& name) {
    PolicyConfig cfg;
    cfg.obs_dim = 3, cfg.act_dim = 2, cfg.chunk = 3, cfg.hidden = {16, 16};
    cfg.head.kind = kind;
    cfg.head.low = -2, cfg.head.high = 2;
    cfg.head.components = 3, cfg.head.bins = 8, cfg.head.latent = 4, cfg.head.diffusion_steps = 10,
    cfg.head.ddim_steps = 5, cfg.head.embed = 8;
    cfg.head.d_model = 16, cfg.head.nhead = 2, cfg.head.dim_ff = 32;  // act
    Rng rng(11);
    Policy p(cfg, rng);
    Mat obs(32, 3), act(32, 2);
    for (int i = 0; i < 32; ++i) {
        for (int j = 0; j < 3; ++j) obs(i, j) = static_cast<float>(rng.uniform(-2, 2));
        for (int j = 0; j < 2; ++j) act(i, j) = static_cast<float>(rng.uniform(-1, 1));
    }
    p.norm = fit_normalizer(obs, act);
    const std::string path = tmp_path(name);
    save_policy(path, p);
    return path;
}

Mat observations(int B, int S, uint64_t seed) {
    Rng rng(seed);
    Mat x(B, S);
    for (int i = 0; i < B; ++i)
        for (int j = 0; j < S; ++j) x(i, j) = static_cast<float>(rng.uniform(-3, 3));
    return x;
}

bool same_bits(const float* a, const float* b, size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

std::string read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

}  // namespace

TEST_CASE("every head: the C interface gives the C++ Policy's bits, deterministic and sampled") {
    for (HeadKind kind : {HeadKind::MSE, HeadKind::GMM, HeadKind::Tokens, HeadKind::CVAE, HeadKind::Diffusion, HeadKind::ACT}) {
        const std::string head = head_name(kind);
        CAPTURE(head);
        const std::string path = make_policy(kind, std::string(head_name(kind)) + ".safetensors");
        const Policy ref = load_policy(path);
        imitate_policy* p = imitate_policy_open(path.c_str());
        REQUIRE_MESSAGE(p, imitate_last_error());
        CHECK(imitate_policy_obs_dim(p) == 3);
        CHECK(imitate_policy_act_dim(p) == 2);
        CHECK(imitate_policy_chunk(p) == 3);
        for (int B : {1, 5, 1, 64}) {
            const Mat x = observations(B, 3, 100 + B);
            Mat want;
            PolicyScratch s;
            ref.predict(x, want, s);
            std::vector<float> got(static_cast<size_t>(B) * 6);
            REQUIRE(imitate_policy_predict(p, x.data(), B, got.data()) == 0);
            CHECK(same_bits(got.data(), want.data(), got.size()));
            Rng rng(42);
            ref.predict(x, want, s, rng);
            REQUIRE(imitate_policy_sample(p, x.data(), B, 42, got.data()) == 0);
            CHECK(same_bits(got.data(), want.data(), got.size()));
            std::vector<float> again(got.size());
            REQUIRE(imitate_policy_sample(p, x.data(), B, 42, again.data()) == 0);
            CHECK(got == again);
        }
        imitate_policy_close(p);
    }
}

TEST_CASE("the PyTorch-written BCPolicy loads through the C interface") {
    const std::string path = std::string(IMITATE_SOURCE_DIR) + "/tests/fixtures/torch_bcpolicy_h4.safetensors";
    imitate_policy* p = imitate_policy_open(path.c_str());
    REQUIRE_MESSAGE(p, imitate_last_error());
    CHECK(imitate_policy_obs_dim(p) == 3);
    CHECK(imitate_policy_act_dim(p) == 1);
    CHECK(imitate_policy_chunk(p) == 4);
    const Policy ref = load_policy(path);
    const Mat x = observations(2, 3, 5);
    Mat want;
    PolicyScratch s;
    ref.predict(x, want, s);
    float got[8];
    REQUIRE(imitate_policy_predict(p, x.data(), 2, got) == 0);
    CHECK(same_bits(got, want.data(), 8));
    imitate_policy_close(p);
}

TEST_CASE("bad files: NULL and a one-line reason naming the file") {
    const std::string good = make_policy(HeadKind::MSE, "good.safetensors");
    const std::string bytes = read_bytes(good);
    std::vector<std::string> bad{tmp_path("does_not_exist.safetensors")};
    write_bytes(bad.emplace_back(tmp_path("truncated.safetensors")), bytes.substr(0, bytes.size() / 2));
    write_bytes(bad.emplace_back(tmp_path("empty.safetensors")), "");
    write_bytes(bad.emplace_back(tmp_path("text.safetensors")), "not a policy\nat all\n");
    // hostile: a header length of 2^63, and a valid header claiming a tensor far past the end
    write_bytes(bad.emplace_back(tmp_path("huge_header.safetensors")), std::string("\0\0\0\0\0\0\0\x80{}", 10));
    write_bytes(bad.emplace_back(tmp_path("npz.safetensors")), "PK\x03\x04 a zip file is not a checkpoint");
    bad.push_back(tmp_path(""));  // a directory
    for (const fs::directory_entry& e : fs::directory_iterator(std::string(IMITATE_SOURCE_DIR) + "/tests/fixtures/safetensors_corrupt"))
        bad.push_back(e.path().string());
    for (const fs::directory_entry& e : fs::directory_iterator(std::string(IMITATE_SOURCE_DIR) + "/tests/fixtures/safetensors_valid"))
        bad.push_back(e.path().string());  // valid safetensors, but not policies
    for (const std::string& path : bad) {
        CAPTURE(path);
        CHECK(imitate_policy_open(path.c_str()) == nullptr);
        const std::string err = imitate_last_error();
        CHECK(!err.empty());
        CHECK(err.find('\n') == std::string::npos);
        CHECK(err.find(fs::path(path).filename().string()) != std::string::npos);
    }
    CHECK(imitate_policy_open(nullptr) == nullptr);
    CHECK(std::string(imitate_last_error()).find("NULL") != std::string::npos);
}

TEST_CASE("bad calls return -1 with a reason; a closed policy is refused") {
    const std::string path = make_policy(HeadKind::GMM, "calls.safetensors");
    imitate_policy* p = imitate_policy_open(path.c_str());
    REQUIRE(p);
    float obs[6] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}, out[12];
    CHECK(imitate_policy_predict(nullptr, obs, 1, out) == -1);
    CHECK(std::string(imitate_last_error()).find("NULL or closed") != std::string::npos);
    CHECK(imitate_policy_predict(p, nullptr, 1, out) == -1);
    CHECK(imitate_policy_predict(p, obs, 1, nullptr) == -1);
    CHECK(imitate_policy_predict(p, obs, 0, out) == -1);
    CHECK(std::string(imitate_last_error()) == "imitate_policy_predict: batch must be >= 1, got 0");
    CHECK(imitate_policy_predict(p, obs, -3, out) == -1);
    CHECK(imitate_policy_sample(p, obs, 0, 1, out) == -1);
    CHECK(imitate_policy_sample(nullptr, obs, 1, 1, out) == -1);
    CHECK(imitate_policy_obs_dim(nullptr) == -1);
    CHECK(imitate_policy_act_dim(nullptr) == -1);
    CHECK(imitate_policy_chunk(nullptr) == -1);
    CHECK(imitate_policy_predict(p, obs, 2, out) == 0);
    imitate_policy_close(p);
    CHECK(imitate_policy_predict(p, obs, 2, out) == -1);  // closed (no open since: the address is unused)
    CHECK(imitate_policy_sample(p, obs, 2, 1, out) == -1);
    CHECK(imitate_policy_chunk(p) == -1);
    imitate_policy_close(p);        // a second close is a no-op
    imitate_policy_close(nullptr);  // as is NULL
    const std::string v = imitate_version();  // MAJOR.MINOR.PATCH
    CHECK(std::count(v.begin(), v.end(), '.') == 2);
    CHECK(v.find_first_not_of("0123456789.") == std::string::npos);
}

TEST_CASE("predict allocates nothing for a batch size it has seen") {
    if (!IMITATE_COUNT_ALLOCS) {
        MESSAGE("sanitizer build: malloc is the sanitizer's, allocations not counted");
        return;
    }
    // Every head (hidden 16: one-chunk products), and the 256-wide PyTorch BCPolicy (batch 300 splits its
    // products over the OpenMP team).
    std::vector<std::string> paths;
    for (HeadKind kind : {HeadKind::MSE, HeadKind::GMM, HeadKind::Tokens, HeadKind::CVAE, HeadKind::Diffusion, HeadKind::ACT})
        paths.push_back(make_policy(kind, std::string("alloc_") + head_name(kind) + ".safetensors"));
    paths.push_back(std::string(IMITATE_SOURCE_DIR) + "/tests/fixtures/torch_bcpolicy_h4.safetensors");
    for (const std::string& path : paths) {
        CAPTURE(path);
        imitate_policy* p = imitate_policy_open(path.c_str());
        REQUIRE(p);
        const Mat x1 = observations(1, 3, 1), x8 = observations(8, 3, 8), x300 = observations(300, 3, 9);
        std::vector<float> out(300 * 6);
        for (const Mat* x : {&x1, &x8, &x300})  // first calls: buffers for batch 1, 8 and 300
            REQUIRE(imitate_policy_predict(p, x->data(), static_cast<int>(x->rows()), out.data()) == 0);
        const long before = g_allocs.load();
        for (int rep = 0; rep < 20; ++rep)
            for (const Mat* x : {&x1, &x300, &x8, &x1})  // sizes seen before, in another order
                REQUIRE(imitate_policy_predict(p, x->data(), static_cast<int>(x->rows()), out.data()) == 0);
        CHECK(g_allocs.load() - before == 0);
        // The counter does count: a new batch size allocates its buffers.
        const Mat x2 = observations(2, 3, 2);
        const long before_new = g_allocs.load();
        REQUIRE(imitate_policy_predict(p, x2.data(), 2, out.data()) == 0);
        CHECK(g_allocs.load() - before_new > 0);
        imitate_policy_close(p);
    }
}

TEST_CASE("one policy per thread: two threads give the one-thread bits") {
    const std::string path = make_policy(HeadKind::Diffusion, "threads.safetensors");
    const Mat x = observations(4, 3, 77);
    std::vector<float> want(24);
    {
        imitate_policy* p = imitate_policy_open(path.c_str());
        REQUIRE(p);
        REQUIRE(imitate_policy_predict(p, x.data(), 4, want.data()) == 0);
        imitate_policy_close(p);
    }
    std::vector<std::vector<float>> got(2, std::vector<float>(24));
    std::vector<int> ok(2, 0);
    std::vector<std::thread> ts;
    for (int t = 0; t < 2; ++t)
        ts.emplace_back([&, t] {
            imitate_policy* p = imitate_policy_open(path.c_str());
            int good = p != nullptr;
            for (int rep = 0; rep < 50 && good; ++rep) good = imitate_policy_predict(p, x.data(), 4, got[t].data()) == 0;
            imitate_policy_close(p);
            ok[t] = good;
        });
    for (auto& t : ts) t.join();
    for (int t = 0; t < 2; ++t) {
        CHECK(ok[t] == 1);
        CHECK(got[t] == want);
    }
}
