// Datasets as NumPy .npz archives: `d = numpy.load("demos.npz")` gives d["observations"], d["actions"], ...
// The .npy format 1.0 is written and parsed by hand; the zip container is libzip's (the io target).
// Loading trusts nothing in the file: every structural fact is checked and a bad file is rejected with one
// std::runtime_error naming the file and the field, never a crash (the loader is fuzzed).
#pragma once
#include <string>
#include <string_view>

#include "algorithms/dataset.hpp"

namespace imitate {

// Archive layout: uncompressed (ZIP_CM_STORE) entries `<name>.npy`, each a C-order little-endian array:
// | entry        | dtype | shape |
// |--------------|-------|-------|
// | observations | <f4   | (N,S) |
// | actions      | <f4   | (N,A) |
// | rewards      | <f4   | (N,)  |
// | terminations | |b1   | (N,)  |
// | truncations  | |b1   | (N,)  |
// | episode_ends | <i8   | (E,)  |
// | states       | <f8   | (N,D) |   the simulator state (Env::get_state) before each row's action
// optional:
// | executed_actions | <f4   | (N,A) | the action sent to the env (replays the states exactly)
// | env_spec         | <Un   | ()    | EnvSpec::identity(): str(numpy.load(f)["env_spec"]) is JSON
// | seeds            | <u8   | (K,)  | base seeds of the rollouts that made the episodes

// The bytes of the .npz for `data`. Throws std::runtime_error("npz: ...") if data.validate() fails or libzip
// reports an error.
std::string npz_bytes(const Dataset& data);

// Writes npz_bytes(data) to `path` atomically (write_file_atomic: no half file under the final name).
// Throws std::runtime_error("<path>: ...") on an invalid dataset or a failed write.
void save_npz(const std::string& path, const Dataset& data);

// Parses an .npz held in memory; `name` is the file name used in error messages. S > 0 (A > 0) also
// requires observations (actions) to have exactly that many columns; 0 accepts any width >= 1 (for N > 0).
// Accepts any compression libzip reads (numpy.savez_compressed too) and ignores extra entries.
// Throws std::runtime_error("<name>: '<field>' <problem>, expected <...>") for: not a zip archive, a missing
// entry, bad magic or version, a malformed header dict, an unexpected dtype, fortran_order True, a wrong
// number of dimensions, data length != product of shape x itemsize, shapes that disagree across arrays,
// booleans other than 0/1, and everything Dataset::validate() checks.
Dataset parse_npz(std::string_view bytes, const std::string& name, int S = 0, int A = 0);

// read_file(path) then parse_npz(bytes, path, S, A).
Dataset load_npz(const std::string& path, int S = 0, int A = 0);

}  // namespace imitate
