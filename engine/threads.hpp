// Thread control. Without OpenMP every call is a no-op and the engine runs on one thread.
#pragma once

namespace imitate {

// Use n >= 1 threads for the parallel kernels and rollouts from now on (values < 1 mean 1).
void set_threads(int n);
// Threads the parallel kernels will use (1 without OpenMP).
int get_threads();
// True when built with OpenMP.
bool have_openmp();
// True when a parallel region opened here would run on more than one thread: more than one thread is
// allowed and the caller is not already inside a parallel region (a kernel called from one part of a
// data-parallel step runs whole on its thread). Kernels skip opening a region otherwise: libgomp sets up
// a team even for a region of one thread.
bool can_fork();
// Inside a parallel region: the team's size and this thread's index in it (1 and 0 outside one).
int team_size();
int team_index();

}  // namespace imitate
