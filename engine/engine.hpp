// engine/: kernels and plumbing. Row-major float matrices on Eigen, linear-layer matmuls (OpenMP over
// output rows), elementwise kernels, a seeded RNG, thread control.
#pragma once
#include "engine/attention.hpp"
#include "engine/elementwise.hpp"
#include "engine/matmul.hpp"
#include "engine/rng.hpp"
#include "engine/tensor.hpp"
#include "engine/threads.hpp"
