// Safetensors reader and writer. The reader mirrors the checks of the reference Rust implementation
// (safetensors/src/tensor.rs: header length, UTF-8, '{' start, offsets tiling the buffer) and adds two
// the JSON library would otherwise hide: duplicate keys (nlohmann keeps the last silently) and non-finite
// values. All sizes are compared against the input length before anything is allocated.
#include "algorithms/io/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <tuple>

#include "algorithms/io/atomic_file.hpp"

namespace imitate {
namespace {

using json = nlohmann::json;

constexpr uint64_t kMaxHeader = 100'000'000;  // the reference's MAX_HEADER_SIZE
constexpr size_t kMaxDepth = 3;               // header object > entry object > shape/offsets array

// Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF),
// or npos if the text is valid.
size_t utf8_error_at(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    while (i < n) {
        const unsigned c = p[i];
        size_t len = 0;                 // sequence length from the lead byte; 0 = invalid lead
        unsigned lo = 0x80, hi = 0xBF;  // allowed range of the first continuation byte
        // clang-format off
        if (c < 0x80)                    len = 1;
        else if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c == 0xE0)              len = 3, lo = 0xA0;  // no overlong 3-byte forms
        else if (c >= 0xE1 && c <= 0xEC) len = 3;
        else if (c == 0xED)              len = 3, hi = 0x9F;  // no surrogates U+D800..U+DFFF
        else if (c >= 0xEE && c <= 0xEF) len = 3;
        else if (c == 0xF0)              len = 4, lo = 0x90;  // no overlong 4-byte forms
        else if (c >= 0xF1 && c <= 0xF3) len = 4;
        else if (c == 0xF4)              len = 4, hi = 0x8F;  // nothing above U+10FFFF
        // clang-format on
        if (len == 0) return i;
        if (len == 1) {
            ++i;
            continue;
        }
        if (n - i < len) return i;
        if (p[i + 1] < lo || p[i + 1] > hi) return i;
        for (size_t k = 2; k < len; ++k)
            if ((p[i + k] & 0xC0) != 0x80) return i;
        i += len;
    }
    return std::string_view::npos;
}

std::string shape_string(const std::vector<int64_t>& shape) {
    std::string s = "(";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ',';
        s += std::to_string(shape[i]);
    }
    return s + ')';
}

// Names and values in error messages are cut short, so a hostile header cannot make a huge message.
std::string clip(std::string s, size_t max = 80) { return s.size() > max ? s.substr(0, max - 3) + "..." : s; }
std::string brief(const json& j) { return clip(j.dump(-1, ' ', false, json::error_handler_t::replace), 60); }

// ---- writer ----

std::string serialize(const SafeTensors& st, const std::string& where) {
    auto fail = [&](const std::string& msg) { throw std::invalid_argument(where + ": " + msg); };
    auto check_utf8 = [&](const std::string& s, const char* what) {
        if (utf8_error_at(s) != std::string_view::npos) fail(std::string(what) + " is not valid UTF-8");
    };

    // ordered_json keeps insertion order: __metadata__ first, then tensors in name order (std::map),
    // and inside an entry dtype, shape, data_offsets, as the reference writer emits them.
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!st.metadata.empty()) {
        auto& m = header["__metadata__"] = nlohmann::ordered_json::object();
        for (const auto& [k, v] : st.metadata) {
            check_utf8(k, ("metadata key '" + k + "'").c_str());
            check_utf8(v, ("metadata value of '" + k + "'").c_str());
            m[k] = v;
        }
    }
    uint64_t offset = 0;
    for (const auto& [name, t] : st.tensors) {
        check_utf8(name, "a tensor name");
        if (name == "__metadata__") fail("a tensor cannot be named '__metadata__' (reserved for metadata)");
        uint64_t count = 1;
        for (int64_t d : t.shape) {
            if (d < 0) fail("tensor '" + name + "': shape " + shape_string(t.shape) + " has a negative dim");
            if (__builtin_mul_overflow(count, static_cast<uint64_t>(d), &count))
                fail("tensor '" + name + "': element count of shape " + shape_string(t.shape) + " overflows");
        }
        if (count != t.data.size())
            fail("tensor '" + name + "': shape " + shape_string(t.shape) + " has " + std::to_string(count) +
                 " elements but data has " + std::to_string(t.data.size()));
        for (size_t i = 0; i < t.data.size(); ++i)
            if (!std::isfinite(t.data[i]))
                fail("non-finite value in tensor '" + name + "' at index " + std::to_string(i));
        auto& e = header[name];
        e["dtype"] = "F32";
        e["shape"] = t.shape;
        e["data_offsets"] = {offset, offset + 4 * count};
        offset += 4 * count;
    }

    std::string h = header.dump();
    h.append((8 - h.size() % 8) % 8, ' ');  // data starts 8-byte aligned, as the reference pads
    std::string out;
    out.reserve(8 + h.size() + offset);
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((uint64_t{h.size()} >> (8 * i)) & 0xFF));
    out += h;
    for (const auto& [name, t] : st.tensors)
        for (float v : t.data) {
            const uint32_t u = std::bit_cast<uint32_t>(v);
            for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((u >> (8 * i)) & 0xFF));
        }
    return out;
}

// ---- reader ----

struct Entry {
    std::string name;
    std::vector<int64_t> shape;
    uint64_t begin, end;
};

}  // namespace

std::string serialize_safetensors(const SafeTensors& st) { return serialize(st, "serialize_safetensors"); }

void save_safetensors(const std::string& path, const SafeTensors& st) {
    write_file_atomic(path, serialize(st, path));
}

SafeTensors parse_safetensors(std::string_view bytes, const std::string& file) {
    auto fail = [&](const std::string& rule, const std::string& detail) -> void {
        throw std::runtime_error(file + ": " + rule + ": " + detail);
    };

    // 1. The 8-byte little-endian header length, checked against the limit and the bytes present.
    if (bytes.size() < 8)
        fail("header length",
             "file is " + std::to_string(bytes.size()) + " bytes, too short for the 8-byte header length");
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
    if (n > kMaxHeader)
        fail("header length", "header is " + std::to_string(n) + " bytes, more than the 100 MB limit");
    if (n > bytes.size() - 8)
        fail("header length", "header claims " + std::to_string(n) + " bytes but only " +
                                  std::to_string(bytes.size() - 8) + " follow the 8-byte length");
    const std::string_view text = bytes.substr(8, n);
    const std::string_view data = bytes.substr(8 + n);

    // 2. UTF-8 and JSON. The parser callback tracks the keys of each open object to catch duplicates
    //    and bounds the nesting, since a valid header is never deeper than 3.
    if (size_t at = utf8_error_at(text); at != std::string_view::npos)
        fail("header UTF-8", "invalid UTF-8 at header byte " + std::to_string(at));
    if (text.empty() || text[0] != '{') fail("header JSON", "header must start with '{'");
    std::vector<std::set<std::string>> keys;  // one set per open container (arrays' stay empty)
    auto callback = [&](int, json::parse_event_t ev, json& parsed) {
        switch (ev) {
            case json::parse_event_t::object_start:
            case json::parse_event_t::array_start:
                if (keys.size() >= kMaxDepth)
                    fail("header JSON", "nested deeper than " + std::to_string(kMaxDepth) +
                                            " levels (header, entry, shape/offsets array)");
                keys.emplace_back();
                break;
            case json::parse_event_t::object_end:
            case json::parse_event_t::array_end:
                if (!keys.empty()) keys.pop_back();
                break;
            case json::parse_event_t::key:
                if (!keys.empty() && !keys.back().insert(parsed.get<std::string>()).second)
                    fail("duplicate key", "key '" + clip(parsed.get<std::string>()) +
                                              "' appears twice in one object (depth " +
                                              std::to_string(keys.size()) + ")");
                break;
            default:
                break;
        }
        return true;
    };
    json header;
    try {
        header = json::parse(text.begin(), text.end(), callback);
    } catch (const json::exception& e) {
        fail("header JSON", clip(e.what(), 300));
    }
    if (!header.is_object())
        fail("header JSON", std::string("header is a JSON ") + header.type_name() + ", expected an object");

    // 3. Each entry on its own: keys, dtype, shape, offsets within the data buffer and sized by the shape.
    SafeTensors out;
    std::vector<Entry> entries;
    for (const auto& [name, e] : header.items()) {
        if (name == "__metadata__") {
            if (!e.is_object())
                fail("__metadata__",
                     std::string("is a JSON ") + e.type_name() + ", expected an object of string to string");
            for (const auto& [k, v] : e.items()) {
                if (!v.is_string())
                    fail("__metadata__",
                         "value of '" + clip(k) + "' is a JSON " + v.type_name() + ", expected a string");
                out.metadata[k] = v.get<std::string>();
            }
            continue;
        }
        const std::string t = "tensor '" + clip(name) + "'";
        if (!e.is_object())
            fail("tensor entry",
                 t + " is a JSON " + e.type_name() + ", expected an object {dtype, shape, data_offsets}");
        for (const auto& [k, v] : e.items())
            if (k != "dtype" && k != "shape" && k != "data_offsets")
                fail("tensor entry", t + " has unexpected key '" + clip(k) +
                                         "' (expected exactly dtype, shape, data_offsets)");
        for (const char* k : {"dtype", "shape", "data_offsets"})
            if (!e.contains(k)) fail("tensor entry", t + " lacks '" + k + "'");

        const json& dt = e["dtype"];
        if (!dt.is_string()) fail("dtype", t + " has dtype " + brief(dt) + ", expected a string");
        if (dt.get<std::string>() != "F32")
            fail("dtype", "unsupported dtype '" + clip(dt.get<std::string>()) + "' for " + t + " (only F32)");

        Entry en{name, {}, 0, 0};
        const json& sh = e["shape"];
        if (!sh.is_array())
            fail("shape", t + " has shape " + brief(sh) + ", expected an array of non-negative integers");
        uint64_t count = 1;
        bool zero = false, overflow = false;
        for (const json& d : sh) {
            if (!d.is_number_unsigned() || d.get<uint64_t>() > uint64_t(INT64_MAX))
                fail("shape", t + " has shape " + brief(sh) + ", expected an array of non-negative integers");
            const uint64_t v = d.get<uint64_t>();
            en.shape.push_back(static_cast<int64_t>(v));
            zero = zero || v == 0;
            overflow = overflow || __builtin_mul_overflow(count, v, &count);
        }
        if (zero)
            count = 0;  // a zero dim makes the count 0 whatever the others are
        else if (overflow)
            fail("shape", t + ": element count of shape " + shape_string(en.shape) + " overflows");

        const json& off = e["data_offsets"];
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
            !off[1].is_number_unsigned())
            fail("data_offsets",
                 t + " has data_offsets " + brief(off) + ", expected [begin, end] of non-negative integers");
        en.begin = off[0].get<uint64_t>();
        en.end = off[1].get<uint64_t>();
        if (en.begin > en.end)
            fail("data_offsets",
                 t + ": begin " + std::to_string(en.begin) + " > end " + std::to_string(en.end));
        if (en.end > data.size())
            fail("data_offsets", t + ": end " + std::to_string(en.end) + " is past the data buffer (" +
                                     std::to_string(data.size()) + " bytes)");
        uint64_t nbytes;
        if (__builtin_mul_overflow(count, uint64_t{4}, &nbytes) || nbytes != en.end - en.begin)
            fail("data_offsets", t + ": shape " + shape_string(en.shape) + " holds " + std::to_string(count) +
                                     " F32 values but data_offsets [" + std::to_string(en.begin) + "," +
                                     std::to_string(en.end) + "] span " + std::to_string(en.end - en.begin) +
                                     " bytes");
        entries.push_back(std::move(en));
    }

    // 4. Together, sorted by begin, the tensors must tile the data buffer: no gap, no overlap, no tail.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
    });
    uint64_t covered = 0;
    const Entry* prev = nullptr;
    for (const Entry& en : entries) {
        if (en.begin > covered)
            fail("offsets gap", "bytes [" + std::to_string(covered) + "," + std::to_string(en.begin) +
                                    ") of the data buffer belong to no tensor (tensor '" + clip(en.name) +
                                    "' begins at " + std::to_string(en.begin) + ")");
        if (en.begin < covered)
            fail("offsets overlap", "tensor '" + clip(en.name) + "' [" + std::to_string(en.begin) + "," +
                                        std::to_string(en.end) + ") overlaps tensor '" + clip(prev->name) +
                                        "' [" + std::to_string(prev->begin) + "," +
                                        std::to_string(prev->end) + ")");
        covered = en.end;
        prev = &en;
    }
    if (covered != data.size())
        fail("trailing bytes", "data buffer is " + std::to_string(data.size()) +
                                   " bytes but the tensors cover only " + std::to_string(covered));

    // 5. Only now allocate: the sizes are bounded by the input. Decode little-endian and check finiteness.
    for (Entry& en : entries) {
        Tensor t;
        t.shape = std::move(en.shape);
        const size_t count = (en.end - en.begin) / 4;
        t.data.resize(count);
        const auto* p = reinterpret_cast<const unsigned char*>(data.data() + en.begin);
        for (size_t i = 0; i < count; ++i, p += 4) {
            const uint32_t u =
                uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
            t.data[i] = std::bit_cast<float>(u);
            if (!std::isfinite(t.data[i]))
                fail("values",
                     "non-finite value in tensor '" + clip(en.name) + "' at index " + std::to_string(i));
        }
        out.tensors.emplace(en.name, std::move(t));
    }
    return out;
}

SafeTensors load_safetensors(const std::string& path) { return parse_safetensors(read_file(path), path); }

}  // namespace imitate
