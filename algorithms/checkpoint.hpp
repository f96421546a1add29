// Policy checkpoints in safetensors. Tensors are named and laid out like the seed's PyTorch BCPolicy
// (self.net = nn.Sequential(Linear, ReLU, Linear, ReLU, Linear)): net.0.weight (256,3), net.0.bias (256),
// net.2.weight, net.2.bias, net.4.weight, net.4.bias, weights (out, in) — so `load_state_dict` works in
// PyTorch. The configuration goes in __metadata__ as strings. A file without metadata (e.g. written from
// PyTorch) loads with the MLP inferred from the shapes: ReLU, act_dim 1, chunk H = the last layer's width.
#pragma once
#include <string>

#include "algorithms/policy.hpp"

namespace imitate {

// Writes atomically. Throws std::runtime_error("<path>: ...") on I/O failure or non-finite weights.
void save_policy(const std::string& path, const Policy& policy);

// Throws std::runtime_error("<path>: <field>: <problem>") for a file that is not a valid safetensors file,
// has missing/extra/misshapen tensors, or metadata that does not parse or disagrees with the tensors.
Policy load_policy(const std::string& path);

}  // namespace imitate
