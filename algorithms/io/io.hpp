// algorithms/io/: the file formats, in the io library (libimitate-io: libzip, nlohmann-json) — atomic writes
// (every file the project writes goes through them), safetensors (the generic tensor file), datasets as
// NumPy .npz archives, and policy checkpoints (a Policy in safetensors, loadable in PyTorch).
#pragma once
#include "algorithms/io/atomic_file.hpp"
#include "algorithms/io/dataset_npz.hpp"
#include "algorithms/io/policy_checkpoint.hpp"
#include "algorithms/io/safetensors.hpp"
