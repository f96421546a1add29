// The environment contract's few shared pieces: the identity recorded in files, Gymnasium's reset(seed).
#include "envs/env.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace imitate {

namespace {
// A JSON string literal; ids and settings are plain ASCII, but quote and escape anyway.
std::string quoted(const std::string& s) {
    std::string q = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') q += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            q += b;
        } else {
            q += c;
        }
    }
    return q += '"';
}
}  // namespace

std::string EnvSpec::identity() const {
    std::string s = "{\"id\": " + quoted(id) + ", \"obs_dim\": " + std::to_string(obs_dim) +
                    ", \"act_dim\": " + std::to_string(act_dim) + ", \"state_dim\": " + std::to_string(state_dim) +
                    ", \"max_steps\": " + std::to_string(max_steps) + ", \"settings\": {";
    for (size_t i = 0; i < settings.size(); ++i)
        s += (i ? ", " : "") + quoted(settings[i].first) + ": " + quoted(settings[i].second);
    return s + "}}";
}

std::string setting_text(double v) {
    char b[32];
    const auto r = std::to_chars(b, b + sizeof b, v);  // the shortest text that reads back as v
    return std::string(b, r.ptr);
}

double Env::state_distance(const double* a, const double* b) const {
    double sq = 0;
    for (int i = 0; i < spec().state_dim; ++i) sq += (a[i] - b[i]) * (a[i] - b[i]);
    return std::sqrt(sq);
}

std::vector<float> Env::reset(uint64_t seed) {
    Rng rng(seed);
    reset(rng);
    std::vector<float> obs(static_cast<size_t>(spec().obs_dim));
    observe(obs.data());
    return obs;
}

}  // namespace imitate
