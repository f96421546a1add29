// Thread control on top of OpenMP; one place so the rest of the code never includes omp.h.
#include "engine/threads.hpp"

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

bool have_openmp() {
#ifdef _OPENMP
    return true;
#else
    return false;
#endif
}

}  // namespace imitate
