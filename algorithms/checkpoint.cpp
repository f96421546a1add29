// Policy <-> safetensors. Metadata values are strings (the format's rule); floats are printed with %.9g,
// which round-trips a float32 exactly.
#include "algorithms/checkpoint.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "algorithms/safetensors.hpp"

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

void save_policy(const std::string& path, const Policy& p) {
    SafeTensors st;
    for (const Linear& l : p.net.layers) {
        st.tensors[l.W.name] = {{l.W.value.rows(), l.W.value.cols()}, {l.W.value.data(), l.W.value.data() + l.W.value.size()}};
        st.tensors[l.b.name] = {{l.b.value.cols()}, {l.b.value.data(), l.b.value.data() + l.b.value.size()}};
    }
    auto& m = st.metadata;
    m["format"] = "imitate-policy-1";
    m["obs_dim"] = std::to_string(p.cfg.obs_dim);
    m["act_dim"] = std::to_string(p.cfg.act_dim);
    m["chunk"] = std::to_string(p.cfg.chunk);
    m["hidden"] = join_ints(p.cfg.hidden);
    m["activation"] = activation_name(p.cfg.activation);
    m["head"] = "mse";
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

Policy load_policy(const std::string& path) {
    const Ctx c{path};
    SafeTensors st = load_safetensors(path);
    // 1. the layer chain net.0, net.2, ... from the tensors themselves
    std::vector<int> sizes;
    size_t layers = 0;
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
    if (st.tensors.size() != 2 * layers) {
        for (const auto& [name, t] : st.tensors)
            if (name.rfind("net.", 0) != 0 || !(name.ends_with(".weight") || name.ends_with(".bias")))
                c.fail(name, "unexpected tensor in a policy checkpoint");
        c.fail("net", "the layers are not numbered net.0, net.2, net.4, ... without gaps");
    }

    // 2. the configuration: from the metadata, or inferred as the seed's BCPolicy
    PolicyConfig pc;
    pc.obs_dim = sizes.front();
    pc.hidden.assign(sizes.begin() + 1, sizes.end() - 1);
    pc.act_dim = 1;
    pc.chunk = sizes.back();
    pc.activation = Activation::ReLU;
    Normalizer norm;
    if (!st.metadata.empty()) {
        const std::string& head = meta(c, st, "head");
        if (head != "mse") c.fail("__metadata__.head", "'" + head + "' is not supported by this loader (expected mse)");
        pc.obs_dim = static_cast<int>(parse_int(c, "obs_dim", meta(c, st, "obs_dim"), 1, 1 << 20));
        pc.act_dim = static_cast<int>(parse_int(c, "act_dim", meta(c, st, "act_dim"), 1, 1 << 20));
        pc.chunk = static_cast<int>(parse_int(c, "chunk", meta(c, st, "chunk"), 1, 1 << 20));
        try {
            pc.activation = parse_activation(meta(c, st, "activation"));
        } catch (const std::invalid_argument& e) {
            c.fail("__metadata__.activation", e.what());
        }
        if (pc.obs_dim != sizes.front())
            c.fail("__metadata__.obs_dim", "says " + std::to_string(pc.obs_dim) + " but net.0.weight has " + std::to_string(sizes.front()) + " inputs");
        if (static_cast<long>(pc.act_dim) * pc.chunk != sizes.back())
            c.fail("__metadata__.chunk", "act_dim·chunk = " + std::to_string(long(pc.act_dim) * pc.chunk) +
                                             " but the last layer has " + std::to_string(sizes.back()) + " outputs");
        if (meta(c, st, "hidden") != join_ints(pc.hidden))
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

    // 3. build the policy and copy the weights in
    Rng rng(0);
    Policy p(pc, rng);
    p.norm = norm;
    for (Linear& l : p.net.layers) {
        const Tensor& W = st.tensors.at(l.W.name);
        const Tensor& b = st.tensors.at(l.b.name);
        std::copy(W.data.begin(), W.data.end(), l.W.value.data());
        std::copy(b.data.begin(), b.data.end(), l.b.value.data());
    }
    return p;
}

}  // namespace imitate
