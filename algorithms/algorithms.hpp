// algorithms/: datasets, the policy and its heads, BC, chunk windows, DAgger, noise injection and evaluation
// (the core library: Eigen and OpenMP only). The file formats are in algorithms/io/io.hpp and the
// experiments in algorithms/experiments/experiments.hpp (both in the io library).
#pragma once
#include "algorithms/bc.hpp"
#include "algorithms/chunking.hpp"
#include "algorithms/dagger.hpp"
#include "algorithms/dataset.hpp"
#include "algorithms/decision_transformer.hpp"
#include "algorithms/evaluate.hpp"
#include "algorithms/heads/heads.hpp"
#include "algorithms/mixed_data.hpp"
#include "algorithms/noise_injection.hpp"
#include "algorithms/policy.hpp"
