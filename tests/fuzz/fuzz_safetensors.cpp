// libFuzzer target for the safetensors reader (built and run by tests/test_fuzz.sh with ASan + UBSan).
// Any input may be rejected with std::exception; it must never crash or read out of bounds. An accepted
// input must survive a round trip: serialize_safetensors succeeds and parses back to the same tensors.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string_view>

#include "algorithms/io/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    imitate::SafeTensors st;
    try {
        st = imitate::parse_safetensors(bytes, "fuzz");
    } catch (const std::exception&) {
        return 0;
    }
    // Outside the try: a throw here is a bug, and libFuzzer reports the uncaught exception as a crash.
    const std::string again = imitate::serialize_safetensors(st);
    const imitate::SafeTensors back = imitate::parse_safetensors(again, "fuzz round trip");
    if (back.metadata != st.metadata || back.tensors.size() != st.tensors.size()) std::abort();
    for (const auto& [name, t] : st.tensors) {
        const auto it = back.tensors.find(name);
        if (it == back.tensors.end() || it->second.shape != t.shape || it->second.data != t.data)
            std::abort();
    }
    return 0;
}
