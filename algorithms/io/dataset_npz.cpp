// .npz = a zip of .npy files. The .npy 1.0 format: "\x93NUMPY", bytes 1 0, a little-endian uint16 header
// length, then a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...), } padded with
// spaces to a multiple of 64 bytes and ending in '\n', then the raw C-order data.
// The reader parses the dict with a strict little grammar (no eval) and checks every length against the
// bytes actually present before touching the data, so any input ends in a Dataset or a runtime_error.
#include "algorithms/io/dataset_npz.hpp"

#include <zip.h>

#include <bit>
#include <cstring>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <vector>

#include "algorithms/io/atomic_file.hpp"

namespace imitate {

static_assert(std::endian::native == std::endian::little, "the .npz code assumes a little-endian host");

namespace {

// ---------------------------------------------------------------------------------------------- writing

std::string shape_text(const std::vector<uint64_t>& shape, const char* sep) {  // numpy's tuple repr
    std::string s = "(";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? sep : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

std::string npy_bytes(const char* descr, const std::vector<uint64_t>& shape, const void* data, size_t nbytes) {
    std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " +
                       shape_text(shape, ", ") + ", }";
    const size_t unpadded = 10 + dict.size() + 1;  // magic 6 + version 2 + length 2 + dict + '\n'
    dict += std::string((64 - unpadded % 64) % 64, ' ') + "\n";
    std::string out = "\x93NUMPY";
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(dict.size() & 0xff);
    out += static_cast<char>(dict.size() >> 8);
    out += dict;
    out.append(static_cast<const char*>(data), nbytes);
    return out;
}

struct ZipErr {
    zip_error_t e;
    ZipErr() { zip_error_init(&e); }
    ~ZipErr() { zip_error_fini(&e); }
    std::string str() { return zip_error_strerror(&e); }
};
struct SourceFree {
    void operator()(zip_source_t* s) const { zip_source_free(s); }
};
struct ZipDiscard {
    void operator()(zip_t* z) const { zip_discard(z); }
};
using SourcePtr = std::unique_ptr<zip_source_t, SourceFree>;
using ZipPtr = std::unique_ptr<zip_t, ZipDiscard>;

// ---------------------------------------------------------------------------------------------- reading

// One parsed .npy entry; `data` points into the entry's bytes.
struct Npy {
    std::string descr;
    bool fortran_order = false;
    std::vector<uint64_t> shape;
    std::string_view data;
};

// Strict parser for the header dict. Grammar (whitespace = space, tab, \r, \n allowed between tokens):
//   dict  := '{' [ item (',' item)* [','] ] '}'      item := string ':' value
//   value := string | 'True' | 'False' | tuple     tuple := '(' ')' | '(' int ',' ')' | '(' int (',' int)+ [','] ')'
//   string := '...' or "..." of printable ASCII without backslashes;  int := '0' | [1-9][0-9]*  (< 2^62)
class HeaderParser {
public:
    HeaderParser(std::string_view h, std::string prefix) : h_(h), prefix_(std::move(prefix)) {}

    Npy parse() {
        Npy out;
        bool have_descr = false, have_fortran = false, have_shape = false;
        ws();
        expect('{');
        for (;;) {
            ws();
            if (peek() == '}') {
                ++pos_;
                break;
            }
            const std::string key = string_lit();
            ws();
            expect(':');
            ws();
            if (key == "descr") {
                if (have_descr) fail("has a duplicate key 'descr'");
                out.descr = string_lit();
                have_descr = true;
            } else if (key == "fortran_order") {
                if (have_fortran) fail("has a duplicate key 'fortran_order'");
                if (h_.substr(pos_, 4) == "True") out.fortran_order = true, pos_ += 4;
                else if (h_.substr(pos_, 5) == "False") out.fortran_order = false, pos_ += 5;
                else fail("has a malformed header: 'fortran_order' must be True or False");
                have_fortran = true;
            } else if (key == "shape") {
                if (have_shape) fail("has a duplicate key 'shape'");
                out.shape = tuple();
                have_shape = true;
            } else {
                fail("has an unknown header key '" + key + "', expected 'descr', 'fortran_order', 'shape'");
            }
            ws();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            expect('}');
            break;
        }
        ws();
        if (pos_ != h_.size()) fail("has a malformed header: unexpected characters after the closing '}'");
        if (!have_descr || !have_fortran || !have_shape)
            fail(std::string("has a header without '") + (!have_descr ? "descr" : !have_fortran ? "fortran_order" : "shape") +
                 "', expected keys 'descr', 'fortran_order', 'shape'");
        return out;
    }

private:
    [[noreturn]] void fail(const std::string& what) const { throw std::runtime_error(prefix_ + what); }
    char peek() const { return pos_ < h_.size() ? h_[pos_] : '\0'; }
    void ws() {
        while (pos_ < h_.size() && (h_[pos_] == ' ' || h_[pos_] == '\t' || h_[pos_] == '\n' || h_[pos_] == '\r')) ++pos_;
    }
    void expect(char c) {
        if (peek() != c)
            fail(std::string("has a malformed header: expected '") + c + "' at byte " + std::to_string(pos_));
        ++pos_;
    }
    std::string string_lit() {
        const char q = peek();
        if (q != '\'' && q != '"') fail("has a malformed header: expected a quoted string at byte " + std::to_string(pos_));
        ++pos_;
        std::string s;
        while (pos_ < h_.size() && h_[pos_] != q) {
            const char c = h_[pos_++];
            if (c == '\\' || c < 0x20 || c > 0x7e) fail("has a malformed header: unsupported character in a string");
            if (s.size() >= 64) fail("has a malformed header: string longer than 64 characters");
            s += c;
        }
        expect(q);
        return s;
    }
    uint64_t integer() {
        if (!(peek() >= '0' && peek() <= '9')) fail("has a malformed header: expected an integer in 'shape' at byte " + std::to_string(pos_));
        if (peek() == '0' && pos_ + 1 < h_.size() && h_[pos_ + 1] >= '0' && h_[pos_ + 1] <= '9')
            fail("has a malformed header: integer with a leading zero in 'shape'");
        uint64_t v = 0;
        while (peek() >= '0' && peek() <= '9') {
            v = v * 10 + uint64_t(h_[pos_++] - '0');
            if (v >= (uint64_t(1) << 62)) fail("has a dimension in 'shape' too large (>= 2^62)");
        }
        return v;
    }
    std::vector<uint64_t> tuple() {
        expect('(');
        std::vector<uint64_t> dims;
        bool trailing_comma = false;
        ws();
        while (peek() != ')') {
            if (dims.size() >= 32) fail("has more than 32 dimensions in 'shape'");
            dims.push_back(integer());
            ws();
            trailing_comma = false;
            if (peek() == ',') {
                ++pos_;
                trailing_comma = true;
                ws();
            } else if (peek() != ')') {
                fail("has a malformed header: expected ',' or ')' in 'shape' at byte " + std::to_string(pos_));
            }
        }
        ++pos_;
        if (dims.size() == 1 && !trailing_comma) fail("has a malformed header: 'shape' (n) is not a tuple, expected (n,)");
        return dims;
    }

    std::string_view h_;
    std::string prefix_;
    size_t pos_ = 0;
};

Npy parse_npy(std::string_view b, const std::string& prefix) {
    auto fail = [&](const std::string& what) { throw std::runtime_error(prefix + what); };
    if (b.size() < 10)
        fail("is truncated: " + std::to_string(b.size()) + " bytes, expected at least the 10-byte .npy preamble");
    if (std::memcmp(b.data(), "\x93NUMPY", 6) != 0) fail("has bad magic, expected \\x93NUMPY (a .npy file)");
    const unsigned major = uint8_t(b[6]), minor = uint8_t(b[7]);
    if (major != 1 || minor != 0)
        fail("has .npy version " + std::to_string(major) + "." + std::to_string(minor) + ", expected 1.0");
    const size_t hlen = size_t(uint8_t(b[8])) | size_t(uint8_t(b[9])) << 8;
    if (b.size() - 10 < hlen)
        fail("is truncated: header length " + std::to_string(hlen) + " but only " + std::to_string(b.size() - 10) +
             " bytes follow the preamble");
    Npy npy = HeaderParser(b.substr(10, hlen), prefix).parse();
    npy.data = b.substr(10 + hlen);
    return npy;
}

// Reads one whole zip entry; the claimed size is not trusted for allocation beyond what actually arrives.
std::string read_entry(zip_t* za, zip_int64_t idx, const std::string& prefix) {
    constexpr uint64_t kMaxEntry = uint64_t(1) << 36;  // 64 GiB: more is surely not a demonstration set
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za, zip_uint64_t(idx), 0, &st) != 0)
        throw std::runtime_error(prefix + "cannot be read (" + zip_strerror(za) + ")");
    if ((st.valid & ZIP_STAT_SIZE) && st.size > kMaxEntry)
        throw std::runtime_error(prefix + "is too large: " + std::to_string(st.size) + " bytes");
    zip_file_t* zf = zip_fopen_index(za, zip_uint64_t(idx), 0);
    if (!zf) throw std::runtime_error(prefix + "cannot be read (" + zip_strerror(za) + ")");
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> guard(zf, zip_fclose);
    std::string out;
    std::vector<char> buf(1 << 16);
    for (;;) {
        const zip_int64_t n = zip_fread(zf, buf.data(), buf.size());
        if (n < 0) throw std::runtime_error(prefix + "cannot be read (" + zip_file_strerror(zf) + ")");
        if (n == 0) break;
        out.append(buf.data(), size_t(n));
        if (out.size() > kMaxEntry) throw std::runtime_error(prefix + "is too large");
    }
    return out;
}

std::string dims_text(const std::vector<uint64_t>& shape) { return shape_text(shape, ","); }

}  // namespace

std::string npz_bytes(const Dataset& d) {
    d.validate("npz");
    const uint64_t N = uint64_t(d.size()), E = uint64_t(d.episode_ends.size());
    const uint64_t S = uint64_t(d.observations.cols()), A = uint64_t(d.actions.cols());
    // Entry buffers must outlive zip_close, which is when libzip reads them.
    const uint64_t D = uint64_t(d.states.cols());
    std::vector<std::pair<std::string, std::string>> entries = {
        {"observations.npy", npy_bytes("<f4", {N, S}, d.observations.data(), N * S * 4)},
        {"actions.npy", npy_bytes("<f4", {N, A}, d.actions.data(), N * A * 4)},
        {"rewards.npy", npy_bytes("<f4", {N}, d.rewards.data(), N * 4)},
        {"terminations.npy", npy_bytes("|b1", {N}, d.terminations.data(), N)},
        {"truncations.npy", npy_bytes("|b1", {N}, d.truncations.data(), N)},
        {"episode_ends.npy", npy_bytes("<i8", {E}, d.episode_ends.data(), E * 8)},
        {"states.npy", npy_bytes("<f8", {N, D}, d.states.data(), N * D * 8)},
    };
    if (d.executed.rows() == d.size() && N > 0)
        entries.push_back({"executed_actions.npy", npy_bytes("<f4", {N, A}, d.executed.data(), N * A * 4)});
    if (!d.seeds.empty())
        entries.push_back({"seeds.npy", npy_bytes("<u8", {uint64_t(d.seeds.size())}, d.seeds.data(), d.seeds.size() * 8)});
    if (!d.env.empty()) {  // a 0-d unicode array: str(numpy.load(f)["env_spec"]) is the JSON
        std::string utf32;
        for (char c : d.env) utf32 += std::string{c, '\0', '\0', '\0'};
        const std::string descr = "<U" + std::to_string(d.env.size());
        entries.push_back({"env_spec.npy", npy_bytes(descr.c_str(), {}, utf32.data(), utf32.size())});
    }

    ZipErr err;
    SourcePtr src(zip_source_buffer_create(nullptr, 0, 0, &err.e));
    if (!src) throw std::runtime_error("npz: cannot create a zip buffer (" + err.str() + ")");
    ZipPtr za(zip_open_from_source(src.get(), ZIP_TRUNCATE, &err.e));
    if (!za) throw std::runtime_error("npz: cannot open a zip buffer (" + err.str() + ")");
    zip_source_keep(src.get());  // the archive releases its reference on close; ours reads the result
    for (const auto& [name, bytes] : entries) {
        zip_source_t* s = zip_source_buffer(za.get(), bytes.data(), bytes.size(), 0);
        if (!s) throw std::runtime_error("npz: " + name + ": " + zip_strerror(za.get()));
        const zip_int64_t idx = zip_file_add(za.get(), name.c_str(), s, ZIP_FL_ENC_UTF_8);
        if (idx < 0) {
            zip_source_free(s);
            throw std::runtime_error("npz: " + name + ": " + zip_strerror(za.get()));
        }
        // Stored, not deflated (numpy.savez does the same); a fixed time so equal datasets give equal bytes.
        if (zip_set_file_compression(za.get(), zip_uint64_t(idx), ZIP_CM_STORE, 0) != 0 ||
            zip_file_set_mtime(za.get(), zip_uint64_t(idx), time_t(946684800), 0) != 0)  // 2000-01-01
            throw std::runtime_error("npz: " + name + ": " + zip_strerror(za.get()));
    }
    if (zip_close(za.get()) != 0) throw std::runtime_error(std::string("npz: cannot write the zip (") + zip_strerror(za.get()) + ")");
    za.release();  // zip_close freed it

    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_source_stat(src.get(), &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || zip_source_open(src.get()) != 0)
        throw std::runtime_error("npz: cannot read the zip buffer back");
    std::string out(size_t(st.size), '\0');
    const zip_int64_t n = zip_source_read(src.get(), out.data(), st.size);
    zip_source_close(src.get());
    if (n < 0 || uint64_t(n) != st.size) throw std::runtime_error("npz: short read of the zip buffer");
    return out;
}

void save_npz(const std::string& path, const Dataset& data) {
    std::string bytes;
    try {
        data.validate(path);
        bytes = npz_bytes(data);
    } catch (const std::runtime_error& e) {
        const std::string msg = e.what();
        throw std::runtime_error(msg.rfind(path + ":", 0) == 0 ? msg : path + ": " + msg);
    }
    write_file_atomic(path, bytes);
}

Dataset parse_npz(std::string_view bytes, const std::string& name, int S, int A) {
    auto fail = [&](const std::string& what) { throw std::runtime_error(name + ": " + what); };
    if (bytes.empty()) fail("empty file, expected a .npz (zip) archive");

    // 1. open the zip in memory (ZIP_CHECKCONS: libzip's stricter consistency checks)
    ZipErr err;
    SourcePtr src(zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err.e));
    if (!src) fail("cannot read (" + err.str() + ")");
    ZipPtr za(zip_open_from_source(src.get(), ZIP_RDONLY | ZIP_CHECKCONS, &err.e));
    if (!za) fail("not a valid zip archive (" + err.str() + "), expected a .npz");
    src.release();  // owned by the archive now

    // 2. each entry: present, a well-formed .npy, expected dtype and rank, data length exactly the shape's
    struct Spec {
        const char* field;
        const char* descr;
        uint64_t itemsize;
        size_t ndim;
    };
    static const Spec specs[] = {{"observations", "<f4", 4, 2}, {"actions", "<f4", 4, 2},   {"rewards", "<f4", 4, 1},
                                 {"terminations", "|b1", 1, 1}, {"truncations", "|b1", 1, 1},
                                 {"episode_ends", "<i8", 8, 1}, {"states", "<f8", 8, 2}};
    std::string raw[7];
    Npy npy[7];
    for (int k = 0; k < 7; ++k) {
        const Spec& sp = specs[k];
        const std::string prefix = name + ": '" + sp.field + "' ";
        const zip_int64_t idx = zip_name_locate(za.get(), (std::string(sp.field) + ".npy").c_str(), 0);
        if (idx < 0) fail(std::string("'") + sp.field + "' is missing (no entry '" + sp.field + ".npy' in the archive)");
        raw[k] = read_entry(za.get(), idx, prefix);
        npy[k] = parse_npy(raw[k], prefix);
        const Npy& a = npy[k];
        if (a.descr != sp.descr) fail(std::string("'") + sp.field + "' has dtype '" + a.descr + "', expected '" + sp.descr + "'");
        if (a.fortran_order) fail(std::string("'") + sp.field + "' has fortran_order True, expected False");
        if (a.shape.size() != sp.ndim)
            fail(std::string("'") + sp.field + "' has shape " + dims_text(a.shape) + ", expected " + std::to_string(sp.ndim) +
                 " dimension" + (sp.ndim > 1 ? "s" : ""));
        uint64_t bytes_needed = sp.itemsize;
        for (uint64_t d : a.shape)
            if (__builtin_mul_overflow(bytes_needed, d, &bytes_needed))
                fail(std::string("'") + sp.field + "' has shape " + dims_text(a.shape) + " whose size overflows 64 bits");
        if (a.data.size() != bytes_needed)
            fail(std::string("'") + sp.field + "' has " + std::to_string(a.data.size()) + " bytes of data, expected " +
                 std::to_string(bytes_needed) + " for shape " + dims_text(a.shape) + " of '" + sp.descr + "'");
    }

    // 3. shapes agree across arrays: N rows everywhere, S and A as asked, states at least 1 wide
    const uint64_t N = npy[0].shape[0];
    const uint64_t want_S = S > 0 ? uint64_t(S) : npy[0].shape[1], want_A = A > 0 ? uint64_t(A) : npy[1].shape[1];
    const uint64_t D = npy[6].shape[1];
    const std::vector<uint64_t> expect[7] = {{N, want_S}, {N, want_A}, {N}, {N}, {N}, {npy[5].shape[0]}, {N, D}};
    for (int k = 0; k < 7; ++k)
        if (npy[k].shape != expect[k])
            fail(std::string("'") + specs[k].field + "' has shape " + dims_text(npy[k].shape) + ", expected " +
                 dims_text(expect[k]));
    if (N > 0 && (want_S == 0 || want_A == 0 || D == 0))
        fail(std::string("'") + (want_S == 0 ? "observations" : want_A == 0 ? "actions" : "states") +
             "' has 0 columns, expected >= 1");

    // 3b. the optional entries: executed_actions (N,A) <f4 and env_spec, a 0-d '<Un' string of ASCII JSON
    Npy executed;
    std::string executed_raw, env;
    if (const zip_int64_t idx = zip_name_locate(za.get(), "executed_actions.npy", 0); idx >= 0) {
        const std::string prefix = name + ": 'executed_actions' ";
        executed_raw = read_entry(za.get(), idx, prefix);
        executed = parse_npy(executed_raw, prefix);
        if (executed.descr != "<f4") fail("'executed_actions' has dtype '" + executed.descr + "', expected '<f4'");
        if (executed.fortran_order) fail("'executed_actions' has fortran_order True, expected False");
        if (executed.shape != std::vector<uint64_t>{N, want_A})
            fail("'executed_actions' has shape " + dims_text(executed.shape) + ", expected " + dims_text({N, want_A}));
        if (executed.data.size() != N * want_A * 4)
            fail("'executed_actions' has " + std::to_string(executed.data.size()) + " bytes of data, expected " +
                 std::to_string(N * want_A * 4));
    }
    std::vector<uint64_t> seeds;
    if (const zip_int64_t idx = zip_name_locate(za.get(), "seeds.npy", 0); idx >= 0) {
        const std::string prefix = name + ": 'seeds' ";
        const std::string raw_seeds = read_entry(za.get(), idx, prefix);
        const Npy a = parse_npy(raw_seeds, prefix);
        if (a.descr != "<u8" || a.shape.size() != 1 || a.fortran_order || a.data.size() != a.shape[0] * 8)
            fail("'seeds' has dtype '" + a.descr + "' and shape " + dims_text(a.shape) + ", expected '<u8' (K,)");
        seeds.resize(a.shape[0]);
        if (!seeds.empty()) std::memcpy(seeds.data(), a.data.data(), a.data.size());
    }
    if (const zip_int64_t idx = zip_name_locate(za.get(), "env_spec.npy", 0); idx >= 0) {
        const std::string prefix = name + ": 'env_spec' ";
        const std::string raw_spec = read_entry(za.get(), idx, prefix);
        const Npy a = parse_npy(raw_spec, prefix);
        if (a.descr.rfind("<U", 0) != 0 || !a.shape.empty() || a.fortran_order)
            fail("'env_spec' has dtype '" + a.descr + "' and shape " + dims_text(a.shape) + ", expected a 0-d '<U' string");
        if (a.data.size() % 4 != 0) fail("'env_spec' has " + std::to_string(a.data.size()) + " bytes, expected a multiple of 4");
        for (size_t i = 0; i < a.data.size(); i += 4) {
            const unsigned char c = static_cast<unsigned char>(a.data[i]);
            if (a.data[i + 1] || a.data[i + 2] || a.data[i + 3] || c >= 0x80)
                fail("'env_spec' has a character beyond ASCII at " + std::to_string(i / 4) + ", expected ASCII JSON");
            if (c == 0) break;  // NumPy pads shorter strings with NULs
            env += static_cast<char>(c);
        }
    }

    // 4. copy into the Dataset (memcpy: the data need not be aligned inside the zip)
    Dataset d;
    const Eigen::Index n = Eigen::Index(N);
    d.observations.resize(n, Eigen::Index(want_S));
    d.actions.resize(n, Eigen::Index(want_A));
    d.states.resize(n, Eigen::Index(D));
    d.executed.resize(executed.data.empty() ? 0 : n, Eigen::Index(want_A));
    d.env = env;
    d.seeds = seeds;
    d.rewards.resize(N);
    d.terminations.resize(N);
    d.truncations.resize(N);
    d.episode_ends.resize(npy[5].shape[0]);
    auto copy = [&](void* dst, int k) {
        if (!npy[k].data.empty()) std::memcpy(dst, npy[k].data.data(), npy[k].data.size());
    };
    copy(d.observations.data(), 0);
    copy(d.actions.data(), 1);
    copy(d.rewards.data(), 2);
    copy(d.terminations.data(), 3);
    copy(d.truncations.data(), 4);
    copy(d.episode_ends.data(), 5);
    copy(d.states.data(), 6);
    if (!executed.data.empty()) std::memcpy(d.executed.data(), executed.data.data(), executed.data.size());

    // 5. the dataset's own invariants: booleans 0/1, episode_ends monotone and ending at N, finite values
    d.validate(name);
    return d;
}

Dataset load_npz(const std::string& path, int S, int A) { return parse_npz(read_file(path), path, S, A); }

}  // namespace imitate
