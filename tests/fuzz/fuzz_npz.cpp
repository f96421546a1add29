// libFuzzer target for the .npz dataset reader, built and run by tests/test_fuzz.sh with ASan + UBSan
// (algorithms/io/dataset_npz.cpp). Goes through load_npz(path): each input is written to one mkstemp
// file in /tmp, reused across runs and removed at exit. Rejecting with std::exception is fine; crashing is not.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>

#include "algorithms/io/dataset_npz.hpp"

namespace {

std::string g_path;
int g_fd = -1;

void remove_temp() {
    if (!g_path.empty()) ::unlink(g_path.c_str());
}

// Replaces the temp file's contents with the input; aborts if /tmp is unusable (not the reader's fault).
// pwrite + ftruncate on one descriptor: reopening with O_TRUNC makes ext4 flush the old blocks on every
// run (auto_da_alloc), which cut the rate to ~250 runs/s.
const std::string& write_temp(const uint8_t* data, size_t size) {
    if (g_fd < 0) {
        char tmpl[] = "/tmp/fuzz_npz_XXXXXX";
        g_fd = ::mkstemp(tmpl);
        if (g_fd < 0) std::abort();
        g_path = tmpl;
        std::atexit(remove_temp);
    }
    if (::pwrite(g_fd, data, size, 0) != static_cast<ssize_t>(size) || ::ftruncate(g_fd, off_t(size)) != 0)
        std::abort();
    return g_path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = write_temp(data, size);
    try {
        auto dataset = imitate::load_npz(path);
        (void)dataset;
    } catch (const std::exception&) {
    }
    return 0;
}
