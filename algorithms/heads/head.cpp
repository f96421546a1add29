// The head table, head names, the settings check (each row declares its settings' ranges) and the small
// helpers the heads share.
#include "algorithms/heads/head.hpp"

#include <cmath>
#include <stdexcept>

namespace imitate {

// Every line of heads/table.def, in its order: adding a head is its file and its line there.
const std::vector<const Head*>& head_table() {
    static const std::vector<const Head*> table{
#define IMITATE_HEAD(name, Kind) &name##_head(),
#include "algorithms/heads/table.def"
#undef IMITATE_HEAD
    };
    return table;
}

const Head& head_of(HeadKind k) {
    const auto& t = head_table();
    const size_t i = static_cast<size_t>(k);
    if (i >= t.size() || t[i]->kind != k) throw std::logic_error("heads: the table is not in HeadKind order");
    return *t[i];
}

HeadKind parse_head(const std::string& s) {
    std::string names;
    for (const Head* h : head_table()) {
        if (s == h->name) return h->kind;
        names += (names.empty() ? "" : ", ") + std::string(h->name);
    }
    throw std::invalid_argument("head '" + s + "' is not one of " + names);
}

const char* head_name(HeadKind h) { return head_of(h).name; }

Sampler parse_sampler(const std::string& s) {
    if (s == "ddpm") return Sampler::DDPM;
    if (s == "ddim") return Sampler::DDIM;
    throw std::invalid_argument("sampler '" + s + "' is not one of ddpm, ddim");
}
const char* sampler_name(Sampler s) { return s == Sampler::DDPM ? "ddpm" : "ddim"; }

namespace {
// The settings check: each setting against the range its row declares.
struct Validator final : HeadSettings {
    const std::string& where;
    explicit Validator(const std::string& w) : where(w) {}
    [[noreturn]] void bad(const std::string& field, const std::string& want, const std::string& got) const {
        throw std::invalid_argument(where + ": " + field + " must be " + want + ", got " + got);
    }
    void integer(const char* key, const char*, int& v, int lo, int hi, const char* hi_name, bool even) override {
        if (v >= lo && v <= hi && !(even && v % 2)) return;
        const std::string lo_s = std::to_string(lo);
        if (even) bad(key, "even and >= " + lo_s, std::to_string(v));
        if (hi_name) bad(key, "in " + lo_s + ".." + hi_name + " (" + std::to_string(hi) + ")", std::to_string(v));
        if (v < lo && hi == kMaxHeadSetting) bad(key, ">= " + lo_s, std::to_string(v));
        bad(key, "in " + lo_s + ".." + std::to_string(hi), std::to_string(v));
    }
    void positive(const char* key, const char*, float& v) override {
        if (!(v > 0)) bad(key, "> 0", std::to_string(v));
        if (std::isinf(v)) bad(key, "finite", std::to_string(v));
    }
    void non_negative(const char* key, const char*, float& v) override {
        if (!(v >= 0)) bad(key, ">= 0", std::to_string(v));
        if (std::isinf(v)) bad(key, "finite", std::to_string(v));
    }
    void real(const char* key, const char*, float& v) override {
        if (!std::isfinite(v)) bad(key, "finite", std::to_string(v));
    }
    void flag(const char*, const char*, bool&) override {}
    void sampler(const char*, const char*, Sampler&) override {}
};
}  // namespace

void validate_head(const HeadConfig& h, const std::string& where, bool range_set) {
    const Head& row = head_of(h.kind);
    Validator v(where);
    HeadConfig copy = h;
    row.settings(copy, v);
    if (row.uses_range && range_set && !(h.low < h.high))
        v.bad("action range", "low < high", "[" + std::to_string(h.low) + ", " + std::to_string(h.high) + "]");
}

float real_rows(const Mat& mask, Mat& w) {
    w.resize(mask.rows(), 1);
    for (Eigen::Index r = 0; r < mask.rows(); ++r) w(r, 0) = (mask.row(r).array() > 0).any() ? 1.0f : 0.0f;
    return w.sum();
}

}  // namespace imitate
