// Atomic file output: every file the project writes goes through here, so an interrupted write never
// leaves a half file under the final name.
#pragma once
#include <string>
#include <string_view>

namespace imitate {

// Writes `bytes` to `path` by writing `path`.tmp.<pid>.<n>, flushing and renaming it into place.
// Throws std::runtime_error("<path>: <reason>") if the directory is missing or the write fails;
// the temporary is removed on failure.
void write_file_atomic(const std::string& path, std::string_view bytes);

// Reads a whole file. Throws std::runtime_error("<path>: cannot open ...") if it cannot, and
// std::runtime_error("<path>: is a directory, expected a file") for a directory.
std::string read_file(const std::string& path);

}  // namespace imitate
