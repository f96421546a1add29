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

// How a program's OpenMP threads wait between parallel regions: spin for about spin_micros, then sleep.
// A thread that sleeps at once (OMP_WAIT_POLICY=passive) must be woken through the kernel at every fork and
// barrier: 10-40 µs on a virtual machine, 5-10% of a training step. One that spins without end (active, or
// libgomp's default of 300 000 pauses, 6 ms on a 20 ns pause) keeps a core from anything else between regions.
// libgomp counts its spin in pause instructions and reads the count (GOMP_SPINCOUNT) once, when it loads, so
// this measures the pause, sets GOMP_SPINCOUNT = spin_micros / pause and re-executes the program
// (/proc/self/exe) with it. It does nothing when the user has set OMP_WAIT_POLICY or GOMP_SPINCOUNT, and returns
// when it did nothing or the re-execution failed. Call it first thing in main() (apps/main.cpp, bench/).
void spin_then_sleep(char** argv, double spin_micros = 200.0);
// Cores that other processes are not keeping busy right now: the cores this process may run on, less the
// runnable tasks besides the caller that /proc/loadavg counts (its fourth field, running/total), the least of
// five readings 2 ms apart (a task that only passes through is not counted); at least 1, and every core when
// the file cannot be read. Measured before the first parallel region (the caller's own threads do not exist
// yet): a 2-thread step beside another busy process runs at the pace of the thread that shares a core, and was
// measured at half the speed of one thread.
int free_cores();
// The GOMP_SPINCOUNT that spins about spin_micros on this CPU (>= 1; a fixed 10 000 where there is no pause
// instruction to time).
long spin_count(double spin_micros);

}  // namespace imitate
