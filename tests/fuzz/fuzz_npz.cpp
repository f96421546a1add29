// libFuzzer target for the .npz dataset reader (built and run by tests/test_fuzz.sh with ASan + UBSan once
// algorithms/npz.hpp and npz.cpp exist). Goes through load_npz(path): each input is written to one mkstemp
// file in /tmp, reused across runs and removed at exit. Rejection with std::exception is fine; a crash is a
// bug.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "algorithms/npz.hpp"

namespace {

std::string g_path;

void remove_temp() {
    if (!g_path.empty()) ::unlink(g_path.c_str());
}

// Replaces the temp file's contents with the input; aborts if /tmp is unusable (not the reader's fault).
const std::string& write_temp(const uint8_t* data, size_t size) {
    if (g_path.empty()) {
        char tmpl[] = "/tmp/fuzz_npz_XXXXXX";
        const int fd = ::mkstemp(tmpl);
        if (fd < 0) std::abort();
        ::close(fd);
        g_path = tmpl;
        std::atexit(remove_temp);
    }
    std::FILE* f = std::fopen(g_path.c_str(), "wb");
    if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) std::abort();
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
