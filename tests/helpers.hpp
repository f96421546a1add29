// Shared by the test programs: short_run() and error_of(). .ci/run's sanitizer pass sets IMITATE_SKIP_SLOW=1 (the shell tests read it too);
// built with AddressSanitizer + UndefinedBehaviorSanitizer (library at -O1, tests at -O0), training runs
// 25-50x slower than in the release build (test_heads: 5.6 s there, 151-264 s here before this header).
// Claims about what training learns need thousands of gradient steps, so under short_run() a test trains for
// a few steps only (every code path still runs under the sanitizers) and checks what holds at any budget
// (finite values, shapes, seeded reproducibility), or is skipped with doctest::skip(short_run()) when
// nothing but the claim is left. The release run (the README's test command) checks every claim in full.
#pragma once

#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

inline bool short_run() {
    static const bool on = [] {
        const char* e = std::getenv("IMITATE_SKIP_SLOW");
        return e != nullptr && std::strcmp(e, "1") == 0;
    }();
    return on;
}

// The message of the exception `f` throws ("" if it throws none).
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}
