// Policy <-> safetensors. Metadata values are strings (the format's rule); floats are printed with %.9g,
// which round-trips a float32 exactly.
#include "algorithms/io/policy_checkpoint.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "algorithms/io/safetensors.hpp"

namespace imitate {

static std::string join_floats(const Mat& m) {
    std::string s;
    char b[32];
    for (Eigen::Index i = 0; i < m.size(); ++i) {
        std::snprintf(b, sizeof b, "%s%.9g", i ? "," : "", m.data()[i]);
        s += b;
    }
    return s;
}

static std::string join_ints(const std::vector<int>& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
    return s;
}

static std::string fmt_float(float x) {
    char b[32];
    std::snprintf(b, sizeof b, "%.9g", x);
    return b;
}

namespace {
// A head's settings into the metadata, as strings.
struct MetaWriter final : HeadSettings {
    std::map<std::string, std::string>& m;
    explicit MetaWriter(std::map<std::string, std::string>& meta) : m(meta) {}
    void integer(const char* key, const char*, int& v, int, int, const char*, bool) override { m[key] = std::to_string(v); }
    void positive(const char* key, const char*, float& v) override { m[key] = fmt_float(v); }
    void non_negative(const char* key, const char*, float& v) override { m[key] = fmt_float(v); }
    void real(const char* key, const char*, float& v) override { m[key] = fmt_float(v); }
    void flag(const char* key, const char*, bool& v) override { m[key] = v ? "true" : "false"; }
    void sampler(const char* key, const char*, Sampler& v) override { m[key] = sampler_name(v); }
};
}  // namespace

void save_policy(const std::string& path, const Policy& p) {
    SafeTensors st;
    for (const MLP* net : {&p.net, p.encoder ? &*p.encoder : nullptr}) {
        if (!net) continue;
        for (const Linear& l : net->layers) {
            st.tensors[l.W.name] = {{l.W.value.rows(), l.W.value.cols()}, {l.W.value.data(), l.W.value.data() + l.W.value.size()}};
            st.tensors[l.b.name] = {{l.b.value.cols()}, {l.b.value.data(), l.b.value.data() + l.b.value.size()}};
        }
    }
    if (p.model)  // a head's own networks: every tensor by its state_dict name, in PyTorch's shape
        for (const Param* prm : std::as_const(*p.model).parameters())
            st.tensors[prm->name] = {p.model->stored_shape(*prm), {prm->value.data(), prm->value.data() + prm->value.size()}};
    auto& m = st.metadata;
    m["format"] = "imitate-policy-1";
    m["obs_dim"] = std::to_string(p.cfg.obs_dim);
    m["act_dim"] = std::to_string(p.cfg.act_dim);
    m["chunk"] = std::to_string(p.cfg.chunk);
    m["hidden"] = join_ints(p.cfg.hidden);
    m["activation"] = activation_name(p.cfg.activation);
    if (!p.env.empty()) m["env"] = p.env;
    if (!p.data_seeds.empty()) {
        std::string seeds;
        for (uint64_t x : p.data_seeds) seeds += (seeds.empty() ? "" : ",") + std::to_string(x);
        m["data_seeds"] = seeds;
    }
    const Head& row = p.head();
    HeadConfig h = p.cfg.head;
    m["head"] = row.name;
    MetaWriter w{m};
    row.settings(h, w);
    if (row.uses_range) {
        m["action_low"] = fmt_float(h.low);
        m["action_high"] = fmt_float(h.high);
    }
    m["normalize"] = p.norm.enabled ? "true" : "false";
    if (p.norm.enabled) {
        m["obs_mean"] = join_floats(p.norm.obs_mean);
        m["obs_std"] = join_floats(p.norm.obs_std);
        m["act_mean"] = join_floats(p.norm.act_mean);
        m["act_std"] = join_floats(p.norm.act_std);
    }
    save_safetensors(path, st);
}

namespace {
struct Ctx {
    const std::string& path;
    [[noreturn]] void fail(const std::string& field, const std::string& what) const {
        throw std::runtime_error(path + ": " + field + ": " + what);
    }
};

long parse_int(const Ctx& c, const std::string& field, const std::string& s, long lo, long hi) {
    try {
        size_t used = 0;
        long v = std::stol(s, &used);
        if (used == s.size() && v >= lo && v <= hi) return v;
    } catch (const std::exception&) {
    }
    c.fail("__metadata__." + field, "'" + s + "' is not an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    std::istringstream in(s);
    while (std::getline(in, cur, ',')) out.push_back(cur);
    return out;
}

Mat parse_row(const Ctx& c, const std::string& field, const std::string& s, int n) {
    auto parts = split(s);
    if (static_cast<int>(parts.size()) != n)
        c.fail("__metadata__." + field, "has " + std::to_string(parts.size()) + " values, expected " + std::to_string(n));
    Mat m(1, n);
    for (int i = 0; i < n; ++i) {
        try {
            size_t used = 0;
            m(0, i) = std::stof(parts[i], &used);
            if (used != parts[i].size() || !std::isfinite(m(0, i))) throw std::invalid_argument("x");
        } catch (const std::exception&) {
            c.fail("__metadata__." + field, "'" + parts[i] + "' is not a finite number");
        }
    }
    return m;
}

const std::string& meta(const Ctx& c, const SafeTensors& st, const std::string& key) {
    auto it = st.metadata.find(key);
    if (it == st.metadata.end()) c.fail("__metadata__", "missing key '" + key + "'");
    return it->second;
}
}  // namespace

// A true|false metadata value.
static bool parse_bool(const Ctx& c, const std::string& field, const std::string& s) {
    if (s != "true" && s != "false") c.fail("__metadata__." + field, "'" + s + "' is not true or false");
    return s == "true";
}

namespace {
// A head's settings from the metadata, each parsed and checked against the range its row declares.
struct MetaReader final : HeadSettings {
    const Ctx& c;
    const SafeTensors& st;
    MetaReader(const Ctx& ctx, const SafeTensors& s) : c(ctx), st(s) {}
    float num(const char* key) const { return parse_row(c, key, meta(c, st, key), 1)(0, 0); }
    void integer(const char* key, const char*, int& v, int lo, int hi, const char*, bool even) override {
        v = static_cast<int>(parse_int(c, key, meta(c, st, key), lo, hi));
        if (even && v % 2) c.fail(std::string("__metadata__.") + key, "must be even, got " + std::to_string(v));
    }
    void positive(const char* key, const char*, float& v) override {
        v = num(key);
        if (!(v > 0)) c.fail(std::string("__metadata__.") + key, "must be > 0, got " + meta(c, st, key));
    }
    void non_negative(const char* key, const char*, float& v) override {
        v = num(key);
        if (!(v >= 0)) c.fail(std::string("__metadata__.") + key, "must be >= 0, got " + meta(c, st, key));
    }
    void real(const char* key, const char*, float& v) override { v = num(key); }  // num: finite
    void flag(const char* key, const char*, bool& v) override { v = parse_bool(c, key, meta(c, st, key)); }
    void sampler(const char* key, const char*, Sampler& v) override {
        try {
            v = parse_sampler(meta(c, st, key));
        } catch (const std::invalid_argument& e) {
            c.fail(std::string("__metadata__.") + key, e.what());
        }
    }
};
}  // namespace

// The head and its settings from the metadata; each setting is checked against its range.
static HeadConfig parse_head_meta(const Ctx& c, const SafeTensors& st) {
    HeadConfig h;
    const std::string& name = meta(c, st, "head");
    try {
        h.kind = parse_head(name);
    } catch (const std::invalid_argument& e) {
        c.fail("__metadata__.head", e.what());
    }
    const Head& row = head_of(h.kind);
    MetaReader r(c, st);
    row.settings(h, r);
    if (row.uses_range) {
        h.low = r.num("action_low");
        h.high = r.num("action_high");
        if (!(h.low < h.high))
            c.fail("__metadata__.action_high", "the action range [" + meta(c, st, "action_low") + ", " + meta(c, st, "action_high") +
                                                   "] is empty, expected action_low < action_high");
    }
    return h;
}

// The row of a head with its own networks when the metadata names one, else null (its sizes then come
// from the metadata alone: there is no net.* to infer them from).
static const Head* model_head(const SafeTensors& st) {
    auto it = st.metadata.find("head");
    if (it == st.metadata.end()) return nullptr;
    for (const Head* h : head_table())
        if (it->second == h->name && h->model) return h;
    return nullptr;
}

// A comma-separated list of widths >= 1 ("" for none).
static std::vector<int> parse_ints(const Ctx& c, const std::string& field, const std::string& s) {
    std::vector<int> v;
    for (const std::string& part : split(s)) v.push_back(static_cast<int>(parse_int(c, field, part, 1, 1 << 20)));
    return v;
}

Policy load_policy(const std::string& path) {
    const Ctx c{path};
    SafeTensors st = load_safetensors(path);
    const Head* own = model_head(st);
    // 1. the layer chain net.0, net.2, ... from the tensors themselves (none for a head with its own model)
    std::vector<int> sizes;
    size_t layers = 0;
    if (!own) {
    while (st.tensors.count("net." + std::to_string(2 * layers) + ".weight")) ++layers;
    if (layers == 0) c.fail("net.0.weight", "missing (not a policy checkpoint)");
    for (size_t i = 0; i < layers; ++i) {
        const std::string w = "net." + std::to_string(2 * i) + ".weight", b = "net." + std::to_string(2 * i) + ".bias";
        const Tensor& W = st.tensors.at(w);
        if (W.shape.size() != 2 || W.shape[0] < 1 || W.shape[1] < 1 || W.shape[0] > (1 << 20) || W.shape[1] > (1 << 20))
            c.fail(w, "expected a 2-D (out, in) weight");
        if (i == 0) sizes.push_back(static_cast<int>(W.shape[1]));
        else if (W.shape[1] != sizes.back())
            c.fail(w, "has " + std::to_string(W.shape[1]) + " inputs but the previous layer has " + std::to_string(sizes.back()) + " outputs");
        sizes.push_back(static_cast<int>(W.shape[0]));
        auto bt = st.tensors.find(b);
        if (bt == st.tensors.end()) c.fail(b, "missing");
        if (bt->second.shape != std::vector<int64_t>{W.shape[0]})
            c.fail(b, "has the wrong shape, expected (" + std::to_string(W.shape[0]) + ")");
    }
    size_t net_tensors = 0;
    for (const auto& [name, t] : st.tensors) net_tensors += name.rfind("net.", 0) == 0;
    if (net_tensors != 2 * layers) {
        for (const auto& [name, t] : st.tensors)
            if (name.rfind("net.", 0) == 0 && !(name.ends_with(".weight") || name.ends_with(".bias")))
                c.fail(name, "unexpected tensor in a policy checkpoint");
        c.fail("net", "the layers are not numbered net.0, net.2, net.4, ... without gaps");
    }
    }

    // 2. the configuration: from the metadata, or inferred as the seed's BCPolicy
    PolicyConfig pc;
    if (!own) {
        pc.obs_dim = sizes.front();
        pc.hidden.assign(sizes.begin() + 1, sizes.end() - 1);
        pc.act_dim = 1;
        pc.chunk = sizes.back();
    } else {
        pc.hidden = parse_ints(c, "hidden", meta(c, st, "hidden"));
    }
    pc.activation = Activation::ReLU;
    Normalizer norm;
    if (!st.metadata.empty()) {
        pc.head = parse_head_meta(c, st);
        pc.obs_dim = static_cast<int>(parse_int(c, "obs_dim", meta(c, st, "obs_dim"), 1, 1 << 20));
        pc.act_dim = static_cast<int>(parse_int(c, "act_dim", meta(c, st, "act_dim"), 1, 1 << 20));
        pc.chunk = static_cast<int>(parse_int(c, "chunk", meta(c, st, "chunk"), 1, 1 << 20));
        try {
            pc.activation = parse_activation(meta(c, st, "activation"));
        } catch (const std::invalid_argument& e) {
            c.fail("__metadata__.activation", e.what());
        }
        if (own) {  // the model's tensors are checked by name and shape in step 3
        } else if (pc.head.kind == HeadKind::MSE) {  // the seed's layout, worded as before the other heads
            if (pc.obs_dim != sizes.front())
                c.fail("__metadata__.obs_dim", "says " + std::to_string(pc.obs_dim) + " but net.0.weight has " + std::to_string(sizes.front()) + " inputs");
            if (static_cast<long>(pc.act_dim) * pc.chunk != sizes.back())
                c.fail("__metadata__.chunk", "act_dim·chunk = " + std::to_string(long(pc.act_dim) * pc.chunk) +
                                                 " but the last layer has " + std::to_string(sizes.back()) + " outputs");
        } else {
            const HeadWidths w = head_of(pc.head.kind).widths(pc.head, pc.obs_dim, long(pc.act_dim) * pc.chunk);
            if (w.in != sizes.front())
                c.fail(std::string("__metadata__.") + w.in_field, std::string("head ") + head_name(pc.head.kind) + " needs " + std::to_string(w.in) +
                                                         " net inputs but net.0.weight has " + std::to_string(sizes.front()));
            if (w.out != sizes.back())
                c.fail(std::string("__metadata__.") + w.out_field, std::string("head ") + head_name(pc.head.kind) + " needs " + w.out_formula + " = " +
                                                          std::to_string(w.out) + " net outputs but the last layer has " +
                                                          std::to_string(sizes.back()));
        }
        if (!own && meta(c, st, "hidden") != join_ints(pc.hidden))
            c.fail("__metadata__.hidden", "'" + meta(c, st, "hidden") + "' disagrees with the tensors (" + join_ints(pc.hidden) + ")");
        const std::string& nz = meta(c, st, "normalize");
        if (nz != "true" && nz != "false") c.fail("__metadata__.normalize", "'" + nz + "' is not true or false");
        if (nz == "true") {
            norm.enabled = true;
            norm.obs_mean = parse_row(c, "obs_mean", meta(c, st, "obs_mean"), pc.obs_dim);
            norm.obs_std = parse_row(c, "obs_std", meta(c, st, "obs_std"), pc.obs_dim);
            norm.act_mean = parse_row(c, "act_mean", meta(c, st, "act_mean"), pc.act_dim);
            norm.act_std = parse_row(c, "act_std", meta(c, st, "act_std"), pc.act_dim);
            if ((norm.obs_std.array() <= 0).any() || (norm.act_std.array() <= 0).any())
                c.fail("__metadata__.obs_std", "standard deviations must be > 0");
        }
    }

    // A model head's sizes come from the metadata alone: refuse sizes whose model would dwarf the file's tensors
    // (a corrupt d_model or chunk) before allocating it; a smaller difference is named tensor by tensor below.
    if (own && own->model_params) {
        int64_t in_file = 0;
        for (const auto& [name, t] : st.tensors) in_file += static_cast<int64_t>(t.data.size());
        const int64_t want = own->model_params(pc.head, pc.obs_dim, pc.act_dim, pc.chunk);
        if (want > in_file + (int64_t(1) << 20))
            c.fail("__metadata__", std::string("head ") + own->name + " with these sizes has " + std::to_string(want) +
                                       " parameters but the file holds " + std::to_string(in_file));
    }

    // 3. build the policy, then copy every parameter in by name: each must be in the file with its shape
    //    (the encoder of a CVAE, a head's model), and the file may hold nothing else
    Rng rng(0);
    std::optional<Policy> built;
    try {
        built.emplace(pc, rng);
    } catch (const std::invalid_argument& e) {
        c.fail("__metadata__", e.what());
    }
    Policy& p = *built;
    p.norm = norm;
    if (auto it = st.metadata.find("env"); it != st.metadata.end()) {
        const nlohmann::json j = nlohmann::json::parse(it->second, nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("id") || !j["id"].is_string())
            c.fail("__metadata__.env", "is not an environment identity (JSON with an \"id\")");
        p.env = it->second;
    }
    if (auto it = st.metadata.find("data_seeds"); it != st.metadata.end()) {
        size_t pos = 0;
        const std::string& v = it->second;
        while (pos < v.size()) {
            size_t comma = v.find(',', pos), used = 0;
            const std::string part = v.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
            try {
                p.data_seeds.push_back(std::stoull(part, &used));
                if (used != part.size() || part.empty() || part[0] == '-') throw std::invalid_argument("");
            } catch (const std::exception&) {
                c.fail("__metadata__.data_seeds", "'" + part + "' is not an unsigned integer");
            }
            if (comma == std::string::npos) break;
            pos = comma + 1;
        }
    }
    size_t used = 0;
    const std::vector<Param*> params = p.parameters();
    const size_t n_mlp = params.size() - (p.model ? p.model->parameters().size() : 0);  // the model's come last
    for (size_t i = 0; i < params.size(); ++i) {
        Param* prm = params[i];
        auto it = st.tensors.find(prm->name);
        if (it == st.tensors.end()) c.fail(prm->name, std::string("missing (head ") + head_name(pc.head.kind) + " needs it)");
        const Tensor& t = it->second;
        const bool bias = prm->value.rows() == 1 && prm->name.ends_with(".bias");
        const std::vector<int64_t> want = i >= n_mlp ? p.model->stored_shape(*prm)
                                          : bias     ? std::vector<int64_t>{prm->value.cols()}
                                                     : std::vector<int64_t>{prm->value.rows(), prm->value.cols()};
        if (t.shape != want) {
            std::string ws = "(";
            for (size_t i = 0; i < want.size(); ++i) ws += (i ? "," : "") + std::to_string(want[i]);
            c.fail(prm->name, "has the wrong shape, expected " + ws + ")");
        }
        std::copy(t.data.begin(), t.data.end(), prm->value.data());
        ++used;
    }
    if (used != st.tensors.size())
        for (const auto& [name, t] : st.tensors) {
            bool known = false;
            for (Param* prm : p.parameters()) known |= prm->name == name;
            if (!known) c.fail(name, std::string("unexpected tensor in a policy checkpoint (head ") + head_name(pc.head.kind) + ")");
        }
    return p;
}

}  // namespace imitate
