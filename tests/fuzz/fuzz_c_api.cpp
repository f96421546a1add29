// libFuzzer target for the C interface (built and run by tests/test_fuzz.sh with ASan + UBSan): the input
// is written to a file and opened with imitate_policy_open. A rejected file must give NULL and a non-empty
// one-line reason; an accepted one must report sane sizes and predict and sample at batch 1 and 3 without
// crashing (the checkpoint reader, the policy constructors and every head's predict under hostile sizes).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

#include "algorithms/imitate.h"

namespace {
// The file every input is written to, removed when the fuzzer exits.
struct InputFile {
    std::string path = "/tmp/fuzz_c_api." + std::to_string(::getpid()) + ".safetensors";
    ~InputFile() { std::remove(path.c_str()); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const InputFile file;
    const std::string& path = file.path;
    if (FILE* f = std::fopen(path.c_str(), "wb")) {
        if (size) std::fwrite(data, 1, size, f);
        std::fclose(f);
    } else {
        std::abort();
    }
    imitate_policy* p = imitate_policy_open(path.c_str());
    if (!p) {
        const char* e = imitate_last_error();
        if (!e[0] || std::strchr(e, '\n')) std::abort();
        return 0;
    }
    const int S = imitate_policy_obs_dim(p), A = imitate_policy_act_dim(p), H = imitate_policy_chunk(p);
    if (S < 1 || A < 1 || H < 1) std::abort();
    for (int B : {1, 3}) {
        std::vector<float> obs(static_cast<size_t>(B) * S, 0.5f), out(static_cast<size_t>(B) * A * H);
        if (imitate_policy_predict(p, obs.data(), B, out.data()) != 0) std::abort();
        if (imitate_policy_sample(p, obs.data(), B, 7, out.data()) != 0) std::abort();
    }
    if (imitate_policy_predict(p, nullptr, 1, nullptr) != -1) std::abort();
    imitate_policy_close(p);
    return 0;
}
