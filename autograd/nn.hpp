// Layers: Linear with PyTorch's default initialisation and an MLP of them, parameters named like
// PyTorch's nn.Sequential (net.0.weight, net.0.bias, net.2.weight, ...) so checkpoints interoperate.
#pragma once
#include <string>
#include <vector>

#include "autograd/ops.hpp"
#include "engine/linear.hpp"
#include "engine/rng.hpp"

namespace imitate {

enum class Activation { ReLU, Tanh };
// "relu" / "tanh"; throws std::invalid_argument naming the value otherwise.
Activation parse_activation(const std::string& s);
const char* activation_name(Activation a);

// x (B,I) -> (B,O) = x·Wᵀ + b; W (O,I), b (1,O).
struct Linear {
    Param W, b;
    // Weight and bias ~ U(−1/√I, 1/√I), as torch.nn.Linear's reset_parameters.
    Linear(int in, int out, Rng& rng, const std::string& prefix = "");
    Var<float> operator()(Var<float> x) { return linear(x, x.tape->param(W), x.tape->param(b)); }
};

struct PackedMLP;

// Reused buffers for MLP::infer, one per thread that runs inference: the MLP's own, nothing else (a policy
// keeps its other buffers in a PolicyScratch, algorithms/policy.hpp).
struct MLPScratch {
    Mat h[2];  // hidden activations, alternating
    // Packed weights to read instead of W (PackedMLP below), used only by the MLP they were made from; null:
    // none. Whoever sets it promises that the MLP's weights have not changed since (DeployedPolicy does).
    const PackedMLP* packed = nullptr;
};

// sizes {I, h1, ..., O}: Linear layers with `act` between them (none after the last).
struct MLP {
    std::vector<int> sizes;
    Activation act = Activation::ReLU;
    std::vector<Linear> layers;

    // No layers: the `net` of a policy whose head owns other networks (algorithms/heads/head.hpp HeadModel).
    MLP() = default;
    // Requires sizes.size() >= 2 and every size >= 1; throws std::invalid_argument otherwise.
    MLP(std::vector<int> sizes, Activation act, Rng& rng, const std::string& prefix = "net.");
    // x (B,I) -> (B,O), recorded on x's tape for training.
    Var<float> forward(Var<float> x);
    // x (B,I) -> out (B,O) for inference: engine kernels only, no tape, no allocation once the scratch
    // and out have their shapes. Thread-safe with one scratch per thread.
    void infer(const Mat& x, Mat& out, MLPScratch& scratch) const;
    std::vector<Param*> parameters();
    int in_features() const { return sizes.front(); }
    int out_features() const { return sizes.back(); }
};

// A snapshot of an MLP's weights packed for small-batch inference, one PackedWeights per layer
// (engine/linear.hpp: a layer under 16 outputs, or a CPU level without the packed kernel, keeps W). Pointed
// at by MLPScratch::packed, it gives MLP::infer the same bytes, read as one stream (batch-1 inference is
// bound by reading the weights). `of` is the MLP it was made from: another MLP ignores it.
struct PackedMLP {
    const MLP* of = nullptr;
    std::vector<PackedWeights> layers;
    PackedMLP() = default;
    explicit PackedMLP(const MLP& net);
};

}  // namespace imitate
