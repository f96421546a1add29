// BENCHMARK_MAIN() for the programs that time imitate: its OpenMP threads wait as the `imitate` command's do
// (engine/threads.hpp: spin_then_sleep), so a benchmark measures what a user of the command gets.
#pragma once
#include <benchmark/benchmark.h>

#include "engine/threads.hpp"

#define IMITATE_BENCHMARK_MAIN()                                                   \
    int main(int argc, char** argv) {                                              \
        imitate::spin_then_sleep(argv);                                            \
        ::benchmark::Initialize(&argc, argv);                                      \
        if (::benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;        \
        ::benchmark::RunSpecifiedBenchmarks();                                     \
        ::benchmark::Shutdown();                                                   \
        return 0;                                                                  \
    }
