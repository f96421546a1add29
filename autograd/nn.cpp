// Linear and MLP. The training path records ops on a tape; infer() calls the engine kernels directly,
// which is what a control loop's batch-1 query needs (no graph, no allocation).
#include "autograd/nn.hpp"

#include <cmath>

#include "engine/elementwise.hpp"
#include "engine/linear.hpp"

namespace imitate {

Activation parse_activation(const std::string& s) {
    if (s == "relu") return Activation::ReLU;
    if (s == "tanh") return Activation::Tanh;
    throw std::invalid_argument("activation '" + s + "' is not one of relu, tanh");
}
const char* activation_name(Activation a) { return a == Activation::ReLU ? "relu" : "tanh"; }

Linear::Linear(int in, int out, Rng& rng, const std::string& prefix)
    : W(prefix + "weight", out, in), b(prefix + "bias", 1, out) {
    const double k = 1.0 / std::sqrt(static_cast<double>(in));
    for (Eigen::Index i = 0; i < W.value.size(); ++i) W.value.data()[i] = static_cast<float>(rng.uniform(-k, k));
    for (Eigen::Index i = 0; i < b.value.size(); ++i) b.value.data()[i] = static_cast<float>(rng.uniform(-k, k));
}

MLP::MLP(std::vector<int> sizes_, Activation act_, Rng& rng, const std::string& prefix) : sizes(std::move(sizes_)), act(act_) {
    if (sizes.size() < 2) throw std::invalid_argument("MLP: needs at least an input and an output size");
    for (int s : sizes)
        if (s < 1) throw std::invalid_argument("MLP: layer size " + std::to_string(s) + " must be >= 1");
    layers.reserve(sizes.size() - 1);
    // nn.Sequential numbering: Linear, activation, Linear, ... so Linear i is module 2i.
    for (size_t i = 0; i + 1 < sizes.size(); ++i)
        layers.emplace_back(sizes[i], sizes[i + 1], rng, prefix + std::to_string(2 * i) + ".");
}

Var<float> MLP::forward(Var<float> x) {
    for (size_t i = 0; i < layers.size(); ++i) {
        x = layers[i](x);
        if (i + 1 < layers.size()) x = act == Activation::ReLU ? relu(x) : tanh(x);
    }
    return x;
}

void MLP::infer(const Mat& x, Mat& out, MLPScratch& s) const {
    const PackedMLP* packed = s.packed && s.packed->of == this && s.packed->layers.size() == layers.size() ? s.packed : nullptr;
    const Mat* in = &x;
    for (size_t i = 0; i < layers.size(); ++i) {
        const bool last = i + 1 == layers.size();
        Mat& o = last ? out : s.h[i % 2];
        if (packed) linear_forward_packed(o, *in, layers[i].W.value, packed->layers[i], &layers[i].b.value);
        else linear_forward(o, *in, layers[i].W.value, &layers[i].b.value);
        if (!last) {
            if (act == Activation::ReLU) o = o.cwiseMax(0.0f);  // in place: no temporary
            else o = o.array().tanh().matrix();
        }
        in = &o;
    }
}

PackedMLP::PackedMLP(const MLP& net) : of(&net) {
    layers.reserve(net.layers.size());
    for (const Linear& l : net.layers) layers.emplace_back(l.W.value);
}

std::vector<Param*> MLP::parameters() {
    std::vector<Param*> ps;
    for (auto& l : layers) {
        ps.push_back(&l.W);
        ps.push_back(&l.b);
    }
    return ps;
}

}  // namespace imitate
