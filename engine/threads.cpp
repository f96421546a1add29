// Thread control on top of OpenMP; one place so the rest of the code never includes omp.h.
#include "engine/threads.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace imitate {

void set_threads(int n) {
#ifdef _OPENMP
    omp_set_num_threads(n < 1 ? 1 : n);
#else
    (void)n;
#endif
}

int get_threads() {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

bool can_fork() {
#ifdef _OPENMP
    return !omp_in_parallel() && omp_get_max_threads() > 1;
#else
    return false;
#endif
}

int team_size() {
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

int team_index() {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

int free_cores() {
#ifdef _OPENMP
    const int cores = std::max(omp_get_num_procs(), 1);
#else
    const int cores = 1;
#endif
    int others = cores;  // the least count of other runnable tasks over the readings
    for (int i = 0; i < 5; ++i) {
        if (i > 0) ::usleep(2000);
        std::FILE* f = std::fopen("/proc/loadavg", "r");
        if (!f) return cores;
        double l1, l5, l15;
        int running = 0, total = 0;
        const int got = std::fscanf(f, "%lf %lf %lf %d/%d", &l1, &l5, &l15, &running, &total);
        std::fclose(f);
        if (got != 5 || running < 1) return cores;
        others = std::min(others, running - 1);
    }
    return std::clamp(cores - others, 1, cores);
}

long spin_count(double spin_micros) {
#if defined(__x86_64__) || defined(__i386__)
    // the pause takes 10-150 cycles depending on the core: time 20 000 of them (0.2-2 ms, once)
    constexpr int n = 20000;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) __builtin_ia32_pause();
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / n;
    return std::max(1L, static_cast<long>(spin_micros * 1000.0 / std::max(ns, 0.1)));
#else
    (void)spin_micros;
    return 10000;
#endif
}

void spin_then_sleep(char** argv, double spin_micros) {
#ifdef _OPENMP
    if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
    ::setenv("GOMP_SPINCOUNT", std::to_string(spin_count(spin_micros)).c_str(), 1);
    ::execv("/proc/self/exe", argv);  // returns only on failure: then run on with libgomp's default
#else
    (void)argv, (void)spin_micros;
#endif
}

bool have_openmp() {
#ifdef _OPENMP
    return true;
#else
    return false;
#endif
}

}  // namespace imitate
