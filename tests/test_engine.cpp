// engine/: the RNG against numbers from outside this code (the C++ standard, the reference MT19937-64 and
// the documented formulas, evaluated in Python by scripts/rng_golden.py), the linear-layer kernels against
// their naive specification at every instruction-set level this CPU runs (engine/gemm.hpp), bit-identical
// results for 1 and 2 threads and for the AVX2 and AVX-512 kernels, and shape errors that name both shapes.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "helpers.hpp"

using namespace imitate;

// --------------------------------------------------------------------------------------------------- RNG
// Golden values (scripts/rng_golden.py prints them; the derivation, for the record):
//   w = [14514284786278117030, 4620546740167642908, 13109570281517897720, 17462938647148434322]
//       are the first outputs of mt19937_64(5489); the script's own MT19937-64 reproduces them and the
//       standard's 10000th output 9981545732273789042 before printing anything.
//   uniform(w) = (w >> 11) * 2**-53                     -> exact multiples of 2^-53
//   u1 = 1 - uniform(w[0]); u2 = uniform(w[1]); r = math.sqrt(-2 * math.log(u1)); a = 2 * math.pi * u2
//   normal pair = (r * math.cos(a), r * math.sin(a)), the next pair likewise from w[2], w[3]
//   splitmix64(x): x += 0x9E3779B97F4A7C15; x = (x ^ x>>30) * 0xBF58476D1CE4E5B9;
//                  x = (x ^ x>>27) * 0x94D049BB133111EB; return x ^ x>>31        (all mod 2^64)
//   derive_seed(b, i) = splitmix64(splitmix64(b) ^ splitmix64(i + 0x632BE59BD9B4E019))
static const uint64_t kWords[4] = {14514284786278117030ull, 4620546740167642908ull, 13109570281517897720ull,
                                   17462938647148434322ull};

static bool close(double a, double e, double tol) { return std::abs(a - e) <= tol * std::max(1.0, std::abs(e)); }

TEST_CASE("mt19937_64: the standard's 10000th output and the reference's first outputs") {
    Rng r(5489);
    for (uint64_t w : kWords) CHECK(r.next_u64() == w);
    Rng s(5489);
    for (int i = 0; i < 9999; ++i) s.next_u64();
    CHECK(s.next_u64() == 9981545732273789042ull);
}

TEST_CASE("Rng::uniform is (word >> 11) * 2^-53, exactly") {
    const uint64_t mant[4] = {7087053118299861ull, 2256126337972481ull, 6401157364022410ull, 8526825511302946ull};
    const double golden[4] = {0.7868209548678019, 0.2504803406880286, 0.7106712289786554, 0.9466678009609704};
    Rng r(5489);
    for (int k = 0; k < 4; ++k) {
        CHECK((kWords[k] >> 11) == mant[k]);
        const double u = r.uniform();
        CHECK(u == std::ldexp(static_cast<double>(mant[k]), -53));
        CHECK(close(u, golden[k], 1e-15));
    }
    Rng a(5489);
    CHECK(close(a.uniform(-2.0, 3.0), -2.0 + 5.0 * golden[0], 1e-15));
    // Range: [0, 1) over many draws.
    Rng b(7);
    for (int i = 0; i < 100000; ++i) {
        const double u = b.uniform();
        REQUIRE(u >= 0.0);
        REQUIRE(u < 1.0);
    }
}

TEST_CASE("Rng::normal is Box-Muller on the documented uniforms (pairs, cos first)") {
    const double golden[4] = {-0.005306343395330782, 1.7581858833771145, 1.4873239934136901, -0.5179291279347079};
    Rng r(5489);
    for (double g : golden) {
        const double z = r.normal();
        INFO("normal() = " << z << ", golden " << g);
        CHECK(close(z, g, 1e-15));
    }
    // Sanity on the distribution: mean ~ 0, variance ~ 1 over 2e5 draws (5 sigma bounds).
    Rng s(11);
    const int n = 200000;
    double sum = 0, sq = 0;
    for (int i = 0; i < n; ++i) {
        const double z = s.normal();
        REQUIRE(std::isfinite(z));
        sum += z, sq += z * z;
    }
    CHECK(std::abs(sum / n) < 5.0 / std::sqrt(n));
    CHECK(std::abs(sq / n - 1.0) < 5.0 * std::sqrt(2.0 / n));
}

TEST_CASE("derive_seed: splitmix64 golden values, stable, different for different indices") {
    CHECK(derive_seed(0, 0) == 17448420733077208847ull);
    CHECK(derive_seed(0, 1) == 18032406582538019046ull);
    CHECK(derive_seed(42, 7) == 2707671793207452428ull);
    CHECK(derive_seed(5489, 123456789) == 11216038512383684975ull);
    CHECK(derive_seed(42, 7) == derive_seed(42, 7));
    std::set<uint64_t> seen;
    for (uint64_t i = 0; i < 10000; ++i) seen.insert(derive_seed(3, i));
    CHECK(seen.size() == 10000);
    CHECK(derive_seed(3, 5) != derive_seed(4, 5));
    CHECK(derive_seed(5, 3) != derive_seed(3, 5));
}

TEST_CASE("Rng::below stays in [0, n) and reaches every value") {
    Rng r(123);
    for (uint64_t n : std::vector<uint64_t>{1, 2, 3, 7, 10, 1000, (1ull << 63) + 1, UINT64_MAX}) {
        for (int i = 0; i < 2000; ++i) REQUIRE(r.below(n) < n);
    }
    CHECK(r.below(1) == 0);
    // Every residue of a small n occurs, each roughly n_draws/n times (loose 20% band).
    const uint64_t n = 7;
    std::vector<int> count(n, 0);
    const int draws = 70000;
    for (int i = 0; i < draws; ++i) ++count[r.below(n)];
    for (uint64_t k = 0; k < n; ++k) {
        INFO("value " << k << " drawn " << count[k] << " times");
        CHECK(std::abs(count[k] - draws / int(n)) < draws / int(n) / 5);
    }
    // Same seed, same sequence.
    Rng a(99), b(99);
    for (int i = 0; i < 100; ++i) CHECK(a.below(1000) == b.below(1000));
}

// ------------------------------------------------------------------------------------------------ linear
template <class T>
static MatT<T> random_mat(Rng& rng, Eigen::Index r, Eigen::Index c) {
    MatT<T> m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<T>(rng.uniform(-1, 1));
    return m;
}

// |a − e| <= tol · bound elementwise, where bound is the same kernel run on absolute values (Σ|x||w|, the
// scale of a dot product's rounding error), plus the magnitude of e for sums that start from a value.
template <class T>
static void check_close(const MatT<T>& a, const MatT<T>& e, const MatT<T>& bound, double tol, const char* what) {
    REQUIRE(a.rows() == e.rows());
    REQUIRE(a.cols() == e.cols());
    double worst = 0;
    Eigen::Index worst_k = 0;
    for (Eigen::Index k = 0; k < a.size(); ++k) {
        const double err = std::abs(double(a.data()[k]) - double(e.data()[k]));
        const double lim = tol * (double(bound.data()[k]) + std::abs(double(e.data()[k])) + 1e-30);
        if (err / lim > worst) worst = err / lim, worst_k = k;
    }
    INFO(what << " " << shape_str(a) << ": worst element " << worst_k << " has " << worst
              << " x the allowed error (fast " << double(a.data()[worst_k]) << ", naive " << double(e.data()[worst_k])
              << ")");
    CHECK(worst <= 1.0);
}

struct Shape {
    Eigen::Index B, I, O;
};
// B=1, 31, 32 (the row-split threshold), 33, 256; I=3; O=1; 256×256; odd sizes; sums over more than one
// 128-long block of k with a partial last block and a partial last group of 12 rows (300, 129); batch-1..15
// GEMV with 16-row groups plus a remainder (O = 33, 45); sizes one off the tiles' 16 and 32 (15, 17, 33).
static const std::vector<Shape> kShapes = {{1, 3, 1},    {1, 256, 256}, {1, 256, 1024}, {31, 3, 1},    {31, 37, 53},
                                           {32, 37, 53}, {33, 53, 37},  {256, 3, 1},    {256, 3, 256}, {256, 256, 256},
                                           {37, 53, 37}, {256, 37, 53}, {5, 1, 7},      {300, 17, 1},
                                           {300, 300, 45}, {13, 129, 40}, {3, 17, 33},  {1, 300, 45},
                                           {15, 17, 33},  {17, 33, 15},  {33, 15, 17}, {17, 1, 15},   {1, 17, 15}};

template <class T>
static void fast_equals_naive(double tol) {
    Rng rng(2024);
    for (const Shape& s : kShapes) {
        CAPTURE(s.B);
        CAPTURE(s.I);
        CAPTURE(s.O);
        const MatT<T> x = random_mat<T>(rng, s.B, s.I), W = random_mat<T>(rng, s.O, s.I), b = random_mat<T>(rng, 1, s.O);
        const MatT<T> ax = x.cwiseAbs(), aW = W.cwiseAbs(), ab = b.cwiseAbs();

        // forward, with and without bias
        MatT<T> out, ref, bound;
        linear_forward(out, x, W, &b);
        linear_forward_naive(ref, x, W, &b);
        linear_forward_naive(bound, ax, aW, &ab);
        check_close(out, ref, bound, tol, "forward");
        linear_forward<T>(out, x, W, nullptr);
        linear_forward_naive<T>(ref, x, W, nullptr);
        linear_forward_naive<T>(bound, ax, aW, nullptr);
        check_close(out, ref, bound, tol, "forward, no bias");

        // backward accumulates into gradients that already hold values
        const MatT<T> dout = random_mat<T>(rng, s.B, s.O), adout = dout.cwiseAbs();
        const MatT<T> dx0 = random_mat<T>(rng, s.B, s.I), dW0 = random_mat<T>(rng, s.O, s.I), db0 = random_mat<T>(rng, 1, s.O);
        MatT<T> dx = dx0, dW = dW0, db = db0, rdx = dx0, rdW = dW0, rdb = db0;
        MatT<T> bdx = dx0.cwiseAbs(), bdW = dW0.cwiseAbs(), bdb = db0.cwiseAbs();
        linear_backward(dout, x, W, &dx, &dW, &db);
        linear_backward_naive(dout, x, W, &rdx, &rdW, &rdb);
        linear_backward_naive(adout, ax, aW, &bdx, &bdW, &bdb);
        check_close(dx, rdx, bdx, tol, "backward dx");
        check_close(dW, rdW, bdW, tol, "backward dW");
        check_close(db, rdb, bdb, tol, "backward db");

        // any subset of gradients may be null
        MatT<T> dW_only = dW0, dW_ref = dW0;
        linear_backward<T>(dout, x, W, nullptr, &dW_only, nullptr);
        linear_backward_naive<T>(dout, x, W, nullptr, &dW_ref, nullptr);
        check_close(dW_only, dW_ref, bdW, tol, "backward dW only");
        MatT<T> dx_only = dx0, dx_ref = dx0;
        linear_backward<T>(dout, x, W, &dx_only, nullptr, nullptr);
        linear_backward_naive<T>(dout, x, W, &dx_ref, nullptr, nullptr);
        check_close(dx_only, dx_ref, bdx, tol, "backward dx only");
    }
}

TEST_CASE("linear_forward / linear_backward equal the naive kernels (float, 1e-4 relative)") {
    fast_equals_naive<float>(1e-4);
}
TEST_CASE("linear_forward / linear_backward equal the naive kernels (double, 1e-12 relative)") {
    fast_equals_naive<double>(1e-12);
}

TEST_CASE("naive kernels against a hand-computed 2x2 case") {
    MatD x(1, 2), W(2, 2), b(1, 2), out;
    x << 1, 2;
    W << 3, 4, 5, 6;
    b << 0.5, -0.5;
    linear_forward_naive(out, x, W, &b);
    CHECK(out(0, 0) == 11.5);  // 1·3 + 2·4 + 0.5
    CHECK(out(0, 1) == 16.5);  // 1·5 + 2·6 − 0.5
    MatD dout(1, 2), dx = MatD::Zero(1, 2), dW = MatD::Zero(2, 2), db = MatD::Zero(1, 2);
    dout << 1, 10;
    linear_backward_naive(dout, x, W, &dx, &dW, &db);
    CHECK(dx(0, 0) == 53);  // 1·3 + 10·5
    CHECK(dx(0, 1) == 64);  // 1·4 + 10·6
    CHECK(dW(1, 0) == 10);
    CHECK(dW(1, 1) == 20);
    CHECK(db(0, 1) == 10);
}


struct KernelRun {
    Mat out, dx, dW, db;
};
static KernelRun run_kernels(const Mat& x, const Mat& W, const Mat& b, const Mat& dout, int threads) {
    set_threads(threads);
    KernelRun r;
    linear_forward(r.out, x, W, &b);
    r.dx = Mat::Zero(x.rows(), x.cols());
    r.dW = Mat::Zero(W.rows(), W.cols());
    r.db = Mat::Zero(1, W.rows());
    linear_backward(dout, x, W, &r.dx, &r.dW, &r.db);
    return r;
}

static void threads_agree() {
    if (!have_openmp()) MESSAGE("built without OpenMP: both runs use one thread");
    const int saved = get_threads();
    Rng rng(5);
    // B=256, h=256 (split over rows); B=1 with h=256 and with 1024 outputs (split over output columns).
    for (Shape s : std::vector<Shape>{{256, 256, 256}, {1, 256, 256}, {1, 256, 1024}, {1000, 64, 300}}) {
        CAPTURE(s.B);
        CAPTURE(s.I);
        CAPTURE(s.O);
        const Mat x = random_mat<float>(rng, s.B, s.I), W = random_mat<float>(rng, s.O, s.I);
        const Mat b = random_mat<float>(rng, 1, s.O), dout = random_mat<float>(rng, s.B, s.O);
        const KernelRun one = run_kernels(x, W, b, dout, 1), two = run_kernels(x, W, b, dout, 2);
        CHECK(same_bytes(one.out, two.out));
        CHECK(same_bytes(one.dx, two.dx));
        CHECK(same_bytes(one.dW, two.dW));
        CHECK(same_bytes(one.db, two.db));
    }
    set_threads(saved);
}
TEST_CASE("1 thread and 2 threads give identical bytes (forward and backward)") { threads_agree(); }

// ------------------------------------------------------------------------------ instruction-set levels
// Every level this CPU runs (engine/gemm.hpp): the baseline (Eigen's products) always, AVX2 and AVX-512 when
// the CPU has them. Forcing a level here is what IMITATE_ISA does for a whole process.
static std::vector<Isa> levels_here() {
    std::vector<Isa> v;
    for (Isa level : {Isa::baseline, Isa::avx2, Isa::avx512})
        if (isa_supported(level)) v.push_back(level);
    MESSAGE("levels this CPU runs: " << v.size() << " (best: " << std::string(isa_name(v.back())) << ")");
    return v;
}
struct IsaGuard {  // puts back the level chosen at start-up
    Isa saved = isa();
    ~IsaGuard() { set_isa(saved); }
};

TEST_CASE("every level this CPU runs: linear kernels equal the naive ones, and 1 thread ≡ 2 threads") {
    IsaGuard guard;
    const std::vector<Isa> levels = levels_here();
    for (Isa level : levels) {
        // sanitizer pass (slow at -O0): the best level only; "gemm_f32 / gemv_f32 at every level" covers them all
        if (short_run() && level != levels.back()) continue;
        const std::string name = isa_name(level);
        CAPTURE(name);
        set_isa(level);
        CHECK(isa() == level);
        fast_equals_naive<float>(1e-4);
        threads_agree();
    }
}

// C (M,N) (+)= A·B (+ bias) in double, and the bound Σ|a||b| + |C₀| + |bias| on its float rounding error.
struct GemmCase {
    int M, N, K;
    bool b_trans, k_major_a, accumulate, with_bias;
    std::vector<float> a, b, c0, bias;
    GemmCase(Rng& rng, int M_, int N_, int K_, bool bt, bool km, bool acc, bool wb)
        : M(M_), N(N_), K(K_), b_trans(bt), k_major_a(km), accumulate(acc), with_bias(wb) {
        auto fill = [&](std::vector<float>& v, size_t n) {
            v.resize(n);
            for (float& e : v) e = static_cast<float>(rng.uniform(-1, 1));
        };
        fill(a, size_t(M) * K), fill(b, size_t(K) * N), fill(c0, size_t(M) * N), fill(bias, size_t(N));
    }
    float A(int i, int k) const { return k_major_a ? a[size_t(k) * M + i] : a[size_t(i) * K + k]; }
    float Bv(int k, int j) const { return b_trans ? b[size_t(j) * K + k] : b[size_t(k) * N + j]; }
    std::vector<float> run(Isa level) const {
        std::vector<float> c = c0;
        gemm_f32(level, M, N, K, a.data(), k_major_a ? 1 : K, k_major_a ? M : 1, b.data(), b_trans ? K : N, b_trans,
                 c.data(), N, accumulate, with_bias ? bias.data() : nullptr);
        return c;
    }
    void check(const std::vector<float>& c) const {
        double worst = 0;
        for (int i = 0; i < M; ++i)
            for (int j = 0; j < N; ++j) {
                double ref = 0, bound = 0;
                for (int k = 0; k < K; ++k) ref += double(A(i, k)) * Bv(k, j), bound += std::abs(double(A(i, k)) * Bv(k, j));
                const double start = accumulate ? c0[size_t(i) * N + j] : with_bias ? bias[j] : 0.0;
                ref += start, bound += std::abs(start);
                worst = std::max(worst, std::abs(c[size_t(i) * N + j] - ref) / (2e-5 * bound + 1e-30));
            }
        CHECK(worst <= 1.0);
    }
};

TEST_CASE("gemm_f32 / gemv_f32 at every level: sizes 1, 15, 17, 33, B plain or transposed, bias, accumulate") {
    Rng rng(13);
    const std::vector<int> sizes = {1, 15, 17, 33};
    std::vector<Isa> fast;
    for (Isa level : levels_here())
        if (level != Isa::baseline) fast.push_back(level);
    if (fast.empty()) MESSAGE("no AVX2 or AVX-512 here: the baseline (Eigen) is checked by the test above");
    for (int M : sizes)
        for (int N : sizes)
            for (int K : {1, 15, 17, 33, 129})  // 129: two blocks of k, the second of one value
                for (int mode = 0; mode < 8; ++mode) {
                    const GemmCase g(rng, M, N, K, mode & 1, mode & 2, mode & 4, !(mode & 4));
                    CAPTURE(M);
                    CAPTURE(N);
                    CAPTURE(K);
                    CAPTURE(mode);
                    std::vector<std::vector<float>> out;
                    for (Isa level : fast) {
                        out.push_back(g.run(level));
                        g.check(out.back());
                    }
                    // the AVX2 kernel makes the same FMA chains as the AVX-512 one: the same bytes
                    for (const auto& o : out) CHECK(std::memcmp(o.data(), out[0].data(), o.size() * sizeof(float)) == 0);
                }
    for (int B : {1, 15})
        for (int N : sizes)
            for (int K : {1, 15, 17, 33, 300})
                for (bool with_bias : {false, true}) {
                    // GEMV: out = x·Wᵀ + bias is the GEMM with B = Wᵀ (b_trans), x row-major
                    GemmCase g(rng, B, N, K, true, false, false, with_bias);
                    CAPTURE(B);
                    CAPTURE(N);
                    CAPTURE(K);
                    std::vector<std::vector<float>> out;
                    for (Isa level : fast) {
                        std::vector<float> o(size_t(B) * N);
                        gemv_f32(level, B, N, K, g.a.data(), g.b.data(), with_bias ? g.bias.data() : nullptr, o.data());
                        g.check(o);
                        out.push_back(o);
                    }
                    // the AVX2 GEMV keeps the AVX-512 one's sixteen lanes and its reduction order
                    for (const auto& o : out) CHECK(std::memcmp(o.data(), out[0].data(), o.size() * sizeof(float)) == 0);
                }
}

TEST_CASE("packed GEMV: pack_gemv_weights' layout, and gemv_f32's bytes at every level that has it") {
    Rng rng(14);
    // the layout, from its definition: panel p holds W(16p + l, k) at (p·K + k)·16 + l, zero past N
    {
        const int N = 19, K = 5;
        std::vector<float> W(N * K), P(gemv_packed_floats(N, K), -1.0f);
        for (int i = 0; i < N * K; ++i) W[i] = float(i + 1);
        pack_gemv_weights(N, K, W.data(), P.data());
        CHECK(P.size() == size_t(32 * K));
        for (int p = 0; p < 2; ++p)
            for (int k = 0; k < K; ++k)
                for (int l = 0; l < 16; ++l) {
                    const int j = 16 * p + l;
                    CHECK(P[(p * K + k) * 16 + l] == (j < N ? W[j * K + k] : 0.0f));
                }
    }
    bool any = false;
    for (Isa level : levels_here()) {
        if (!gemv_packed_supported(level)) continue;
        any = true;
        for (int B : {1, 3, 15})
            for (int N : {1, 15, 16, 17, 33, 256})
                for (int K : {1, 3, 15, 16, 17, 33, 256, 300})
                    for (bool with_bias : {false, true}) {
                        GemmCase g(rng, B, N, K, true, false, false, with_bias);
                        CAPTURE(B);
                        CAPTURE(N);
                        CAPTURE(K);
                        std::vector<float> P(gemv_packed_floats(N, K)), o(size_t(B) * N), ref(size_t(B) * N);
                        pack_gemv_weights(N, K, g.b.data(), P.data());
                        const float* bias = with_bias ? g.bias.data() : nullptr;
                        gemv_packed_f32(level, B, N, K, g.a.data(), P.data(), bias, o.data());
                        gemv_f32(level, B, N, K, g.a.data(), g.b.data(), bias, ref.data());
                        CHECK(std::memcmp(o.data(), ref.data(), o.size() * sizeof(float)) == 0);
                    }
    }
    if (!any) MESSAGE("no level here has the packed GEMV (AVX-512 only): only the layout was checked");
}

TEST_CASE("linear_forward_packed: linear_forward's bytes where it applies, linear_forward itself elsewhere") {
    Rng rng(15);
    const Mat W = random_mat<float>(rng, 64, 40), b = random_mat<float>(rng, 1, 64);
    const PackedWeights p(W);
    CHECK((p.data != nullptr) == gemv_packed_supported(isa()));
    const PackedWeights copy = p;  // a deep copy, aligned
    CHECK((copy.data != nullptr) == (p.data != nullptr));
    if (copy.data) CHECK(reinterpret_cast<std::uintptr_t>(copy.data.get()) % 64 == 0);
    for (int B : {1, 7, 15, 16, 40}) {  // >= 16 rows: the GEMM (linear_forward)
        CAPTURE(B);
        const Mat x = random_mat<float>(rng, B, 40);
        Mat out, ref;
        linear_forward_packed(out, x, W, copy, &b);
        linear_forward<float>(ref, x, W, &b);
        CHECK(same_bytes(out, ref));
    }
    CHECK(PackedWeights(random_mat<float>(rng, 8, 40)).data == nullptr);  // under 16 outputs: the row GEMV serves
    // a shape that does not match: linear_forward's own error, not a read past the copy
    const Mat bad = random_mat<float>(rng, 1, 41);
    Mat out;
    CHECK(message_of([&] { linear_forward_packed(out, bad, W, p, &b); }).find("x cols must equal W cols") != std::string::npos);
}

TEST_CASE("level names: parse_isa round trip, one-line errors for unknown or unsupported levels") {
    for (Isa level : {Isa::baseline, Isa::avx2, Isa::avx512}) CHECK(parse_isa(isa_name(level), "x") == level);
    const std::string m = message_of([] { parse_isa("sse9", "IMITATE_ISA"); });
    CHECK(m == "IMITATE_ISA: 'sse9' is not one of avx512, avx2, baseline");
    CHECK(isa_supported(Isa::baseline));
    CHECK(isa_supported(isa()));
    for (Isa level : {Isa::avx2, Isa::avx512})
        if (!isa_supported(level)) CHECK(message_of([&] { set_isa(level); }).find(isa_name(level)) != std::string::npos);
}

TEST_CASE("db is the batch sum added once: the naive kernel's bytes, and accumulating twice gives exactly 2x") {
    Rng rng(77);
    for (Shape s : std::vector<Shape>{{1, 3, 5}, {256, 16, 256}, {1000, 8, 300}, {37, 5, 53}}) {
        CAPTURE(s.B);
        CAPTURE(s.O);
        const Mat x = random_mat<float>(rng, s.B, s.I), W = random_mat<float>(rng, s.O, s.I);
        const Mat dout = random_mat<float>(rng, s.B, s.O), db0 = random_mat<float>(rng, 1, s.O);
        Mat db = db0, ref = db0;
        linear_backward<float>(dout, x, W, nullptr, nullptr, &db);
        linear_backward_naive<float>(dout, x, W, nullptr, nullptr, &ref);
        CHECK(same_bytes(db, ref));
        Mat once = Mat::Zero(1, s.O), twice = Mat::Zero(1, s.O);
        linear_backward<float>(dout, x, W, nullptr, nullptr, &once);
        linear_backward<float>(dout, x, W, nullptr, nullptr, &twice);
        linear_backward<float>(dout, x, W, nullptr, nullptr, &twice);
        CHECK(same_bytes(twice, Mat(2 * once)));
    }
}


TEST_CASE("shape errors throw std::invalid_argument naming both shapes") {
    const Mat x = Mat::Ones(4, 3), W = Mat::Ones(8, 5), W3 = Mat::Ones(8, 3), b7 = Mat::Ones(1, 7);
    Mat out;
    CHECK_NAMES(message_of([&] { linear_forward<float>(out, x, W, nullptr); }), "(4,3)", "(8,5)");
    CHECK_NAMES(message_of([&] { linear_forward_naive<float>(out, x, W, nullptr); }), "(4,3)", "(8,5)");
    CHECK_NAMES(message_of([&] { linear_forward(out, x, W3, &b7); }), "(1,7)", "(8,3)");
    const Mat ones48 = Mat::Ones(4, 8), ones49 = Mat::Ones(4, 9);
    Mat dW = Mat::Zero(8, 3), db = Mat::Zero(1, 8), dx = Mat::Zero(4, 3);
    CHECK_NAMES(message_of([&] { linear_backward<float>(ones48, x, W, &dx, &dW, &db); }), "(4,3)", "(8,5)");
    CHECK_NAMES(message_of([&] { linear_backward<float>(ones49, x, W3, &dx, &dW, &db); }), "(4,9)", "(4,8)");
    Mat bad_dx = Mat::Zero(3, 4), bad_dW = Mat::Zero(3, 8), bad_db = Mat::Zero(8, 1);
    CHECK_NAMES(message_of([&] { linear_backward<float>(ones48, x, W3, &bad_dx, nullptr, nullptr); }), "(3,4)", "(4,3)");
    CHECK_NAMES(message_of([&] { linear_backward<float>(ones48, x, W3, nullptr, &bad_dW, nullptr); }), "(3,8)", "(8,3)");
    CHECK_NAMES(message_of([&] { linear_backward<float>(ones48, x, W3, nullptr, nullptr, &bad_db); }), "(8,1)", "(1,8)");
}

TEST_CASE("set_threads / get_threads round trip") {
    const int saved = get_threads();
    CHECK(saved >= 1);
    set_threads(2);
    CHECK(get_threads() == (have_openmp() ? 2 : 1));
    set_threads(1);
    CHECK(get_threads() == 1);
    set_threads(0);  // values < 1 mean 1
    CHECK(get_threads() == 1);
    set_threads(-3);
    CHECK(get_threads() == 1);
    set_threads(saved);
    CHECK(get_threads() == saved);
}

// ------------------------------------------------------------------------------------------ elementwise
TEST_CASE("elementwise kernels: values and accumulating derivatives") {
    MatD x(1, 5), out, dout = MatD::Constant(1, 5, 2.0);
    x << -3, -0.5, 0.25, 1, 40;
    relu_forward(out, x);
    CHECK(out(0, 1) == 0);
    CHECK(out(0, 3) == 1);
    MatD dx = MatD::Ones(1, 5);
    relu_backward(dx, dout, x);
    CHECK(dx(0, 0) == 1);  // += 0
    CHECK(dx(0, 2) == 3);  // += 2
    for (Eigen::Index k = 0; k < 5; ++k) {
        const double v = x(0, k);
        MatD o, d = MatD::Zero(1, 5);
        tanh_forward(o, x);
        CHECK(close(o(0, k), std::tanh(v), 1e-15));
        tanh_backward(d, dout, o);
        CHECK(close(d(0, k), 2 * (1 - std::tanh(v) * std::tanh(v)), 1e-14));
        sigmoid_forward(o, x);
        const double sg = 1 / (1 + std::exp(-v));
        CHECK(close(o(0, k), sg, 1e-15));
        d.setZero();
        sigmoid_backward(d, dout, o);
        CHECK(close(d(0, k), 2 * sg * (1 - sg), 1e-14));
        softplus_forward(o, x);
        CHECK(close(o(0, k), std::log1p(std::exp(v)), 1e-14));
        d.setZero();
        softplus_backward(d, dout, x);
        CHECK(close(d(0, k), 2 * sg, 1e-14));
    }
    // softplus never overflows
    Mat big(1, 2), o;
    big << 1000.0f, -1000.0f;
    softplus_forward(o, big);
    CHECK(o(0, 0) == 1000.0f);
    CHECK(o(0, 1) == 0.0f);
    CHECK(all_finite(o));
    o(0, 1) = std::nanf("");
    CHECK_FALSE(all_finite(o));
}
