// What the C++ peers (libtorch_step_bench.cpp, dlib_step_bench.cpp) share: the command line, the timing loop
// and OpenBLAS's thread count, so both measure the same way as torch_step_bench.py does in Python.
//   --threads 1,2          thread counts to run, each sets the framework's threads AND OpenBLAS's own pool
//   --sizes 256x256,64x32  training steps to time, hidden x batch [x out] (out defaults to 1)
//   --infer 256            hidden sizes whose batch-1 inference latency is timed (0: none)
//   --repeats 7 --target-s 0.15 --warmup-s 0.3   each figure: median of repeats runs of ~target-s after a warm-up
//   --tag NAME             prefix of the printed `name: value` lines
// Header-only, no dependency beyond the standard library and dlsym (OpenBLAS is found in the process if loaded).
#pragma once

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace peer {

using Clock = std::chrono::steady_clock;

struct Timing {
    double median, lo, hi;  // seconds per call
};

struct Size {
    int hidden, batch, out;
};

struct Args {
    std::vector<int> threads{1, 2};
    std::vector<Size> sizes{{256, 256, 1}, {256, 256, 4}, {64, 32, 1}, {1024, 1024, 1}};
    std::vector<int> infer{256};
    int repeats = 7;
    double target_s = 0.15, warmup_s = 0.3;
    std::string tag;
};

inline double secs(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// Warm up for warmup_s (and at least 3 calls), size a run to ~target_s, then time `repeats` runs.
inline Timing timed(const std::function<void()>& fn, const Args& a) {
    auto t0 = Clock::now();
    long n_warm = 0;
    while (secs(t0, Clock::now()) < a.warmup_s || n_warm < 3) {
        fn();
        ++n_warm;
    }
    const long n = std::max(1L, static_cast<long>(a.target_s / (secs(t0, Clock::now()) / n_warm)));
    std::vector<double> s;
    for (int r = 0; r < a.repeats; ++r) {
        auto b = Clock::now();
        for (long i = 0; i < n; ++i) fn();
        s.push_back(secs(b, Clock::now()) / n);
    }
    std::sort(s.begin(), s.end());
    return {s[s.size() / 2], s.front(), s.back()};
}

[[noreturn]] inline void fail(const std::string& msg) {
    std::fprintf(stderr, "error: %s\n", msg.c_str());
    std::exit(2);
}

inline std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, sep)) out.push_back(item);
    return out;
}

inline int parse_int(const std::string& s, const char* what, int lo) {
    char* end = nullptr;
    const long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || v < lo || v > (1 << 20))
        fail(std::string(what) + " must be an integer >= " + std::to_string(lo) + ", got '" + s + "'");
    return static_cast<int>(v);
}

inline double parse_pos_double(const std::string& s, const char* what) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !(v > 0)) fail(std::string(what) + " must be a positive number, got '" + s + "'");
    return v;
}

inline Args parse_args(int argc, char** argv, const char* default_tag) {
    Args a;
    a.tag = default_tag;
    for (int i = 1; i < argc; ++i) {
        const std::string f = argv[i];
        if (i + 1 >= argc)
            fail("usage: " + std::string(argv[0]) +
                 " [--threads 1,2] [--sizes HxB[xO],...] [--infer H,...|0] [--repeats N] [--target-s S] [--warmup-s S] [--tag NAME]");
        const std::string v = argv[++i];
        if (f == "--threads") {
            a.threads.clear();
            for (const auto& t : split(v, ',')) a.threads.push_back(parse_int(t, "--threads", 1));
        } else if (f == "--sizes") {
            a.sizes.clear();
            for (const auto& s : split(v, ',')) {
                const auto p = split(s, 'x');
                if (p.size() < 2 || p.size() > 3) fail("--sizes entries are HIDDENxBATCH[xOUT], got '" + s + "'");
                a.sizes.push_back({parse_int(p[0], "hidden", 1), parse_int(p[1], "batch", 1),
                                   p.size() == 3 ? parse_int(p[2], "out", 1) : 1});
            }
        } else if (f == "--infer") {
            a.infer.clear();
            for (const auto& h : split(v, ','))
                if (parse_int(h, "--infer", 0) > 0) a.infer.push_back(parse_int(h, "--infer", 0));
        } else if (f == "--repeats") {
            a.repeats = parse_int(v, "--repeats", 1);
        } else if (f == "--target-s") {
            a.target_s = parse_pos_double(v, "--target-s");
        } else if (f == "--warmup-s") {
            a.warmup_s = parse_pos_double(v, "--warmup-s");
        } else if (f == "--tag") {
            a.tag = v;
        } else {
            fail("unknown flag '" + f + "' (flags: --threads --sizes --infer --repeats --target-s --warmup-s --tag)");
        }
    }
    return a;
}

// OpenBLAS's pool is sized apart from the framework's threads; found with dlsym, so a missing OpenBLAS is only
// reported, not a link error.
struct OpenBlas {
    void (*set)(int) = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    int (*get)() = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    char* (*core)() = reinterpret_cast<char* (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
};

// The lines every peer prints first: its environment, which decides how fast OpenBLAS runs.
inline void print_header(const Args& a, const OpenBlas& ob) {
    const char* ct = std::getenv("OPENBLAS_CORETYPE");
    const char* gt = std::getenv("GLIBC_TUNABLES");
    std::printf("%s.openblas_core: %s\n", a.tag.c_str(), ob.core ? ob.core() : "(openblas not loaded)");
    std::printf("%s.env_OPENBLAS_CORETYPE: %s\n", a.tag.c_str(), ct ? ct : "(unset)");
    std::printf("%s.env_GLIBC_TUNABLES: %s\n", a.tag.c_str(), gt ? gt : "(unset)");
}

// `<tag>.t<T>.h<h>.b<b>[.out<o>]`, the prefix of a training step's lines (as torch_step_bench.py names them).
inline std::string step_name(const Args& a, int t, const Size& s) {
    return a.tag + ".t" + std::to_string(t) + ".h" + std::to_string(s.hidden) + ".b" + std::to_string(s.batch) +
           (s.out != 1 ? ".out" + std::to_string(s.out) : "");
}

inline void print_step(const Args& a, int t, const Size& s, const Timing& ts) {
    const std::string n = step_name(a, t, s);
    std::printf("%s.steps_per_s: %.1f\n", n.c_str(), 1.0 / ts.median);
    std::printf("%s.us_per_step: %.1f\n", n.c_str(), ts.median * 1e6);
    std::printf("%s.spread_pct: %.1f\n", n.c_str(), 100.0 * (ts.hi - ts.lo) / ts.median);
    std::fflush(stdout);
}

inline void print_infer(const Args& a, int t, int hidden, const Timing& ti) {
    std::printf("%s.t%d.h%d.infer_b1_us: %.3f\n", a.tag.c_str(), t, hidden, ti.median * 1e6);
    std::fflush(stdout);
}

}  // namespace peer
