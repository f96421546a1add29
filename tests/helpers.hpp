// The helpers every test program shares: short_run(), error_of(), message_of(), CHECK_NAMES,
// same_bytes(), number_rows() and scratch_dir().
// short_run(): .ci/run's sanitizer pass sets IMITATE_SKIP_SLOW=1 (the shell tests read it too);
// built with AddressSanitizer + UndefinedBehaviorSanitizer (library at -O1, tests at -O0), training runs
// 25-50x slower than in the release build (test_heads: 5.6 s there, 151-264 s here before this header).
// Claims about what training learns need thousands of gradient steps, so under short_run() a test trains for
// a few steps only (every code path still runs under the sanitizers) and checks what holds at any budget
// (finite values, shapes, seeded reproducibility), or is skipped with doctest::skip(short_run()) when
// nothing but the claim is left. The release run (the README's test command) checks every claim in full.
#pragma once

#include <concepts>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

inline bool short_run() {
    static const bool on = [] {
        const char* e = std::getenv("IMITATE_SKIP_SLOW");
        return e != nullptr && std::strcmp(e, "1") == 0;
    }();
    return on;
}

// The message of the exception of type E that `f` throws, or `none` if it throws none; an exception of
// another type propagates (the test fails).
template <class E = std::exception, std::invocable F>
std::string error_of(F&& f, const std::string& none = "") {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    return none;
}

// Bit-for-bit equality of two matrices (shapes and bytes), or of two vectors of plain values.
template <class M>
bool same_bytes(const M& a, const M& b) {
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           (a.size() == 0 || std::memcmp(a.data(), b.data(), sizeof(typename M::Scalar) * size_t(a.size())) == 0);
}
template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), sizeof(T) * a.size()) == 0);
}

// The message of the std::invalid_argument `f` throws.
template <class F>
std::string message_of(F&& f) {
    return error_of<std::invalid_argument>(f, "<no std::invalid_argument thrown>");
}
// Checks that an error message names both s1 and s2 (e.g. two shapes). Needs doctest.
#define CHECK_NAMES(msg, s1, s2)                 \
    do {                                         \
        const std::string m_ = (msg);            \
        INFO("message: " << m_);                 \
        CHECK(m_.find(s1) != std::string::npos); \
        CHECK(m_.find(s2) != std::string::npos); \
    } while (0)

// The numbers on each line of a text fixture, skipping empty lines and '#' comments (a missing file: no rows).
inline std::vector<std::vector<double>> number_rows(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::vector<double>> rows;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        std::vector<double>& row = rows.emplace_back();
        for (double v; ls >> v;) row.push_back(v);
    }
    return rows;
}

// IMITATE_BUILD_DIR/<test>/<name>, a test's scratch directory, removed if it exists (the caller creates it, or
// lets the code under test create it).
inline std::string scratch_dir(const std::string& test, const std::string& name) {
    const std::string d = std::string(IMITATE_BUILD_DIR) + "/" + test + "/" + name;
    std::filesystem::remove_all(d);
    return d;
}
