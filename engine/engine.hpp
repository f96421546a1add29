// engine/: kernels and plumbing. Row-major float matrices on Eigen, linear-layer kernels (GEMM/GEMV chosen
// at run time for the CPU, OpenMP over output rows), elementwise kernels, the Adam update, a seeded RNG,
// thread control, attention kernels.
#pragma once
#include "engine/adam.hpp"
#include "engine/attention.hpp"
#include "engine/elementwise.hpp"
#include "engine/gemm.hpp"
#include "engine/linear.hpp"
#include "engine/rng.hpp"
#include "engine/tensor.hpp"
#include "engine/threads.hpp"
