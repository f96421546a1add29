// Thread control. Without OpenMP every call is a no-op and the engine runs on one thread.
#pragma once

namespace imitate {

// Use n >= 1 threads for the parallel kernels and rollouts from now on (values < 1 mean 1).
void set_threads(int n);
// Threads the parallel kernels will use (1 without OpenMP).
int get_threads();
// True when built with OpenMP.
bool have_openmp();

}  // namespace imitate
