// Policy checkpoints in safetensors. Tensors are named and laid out like the seed's PyTorch BCPolicy
// (self.net = nn.Sequential(Linear, ReLU, Linear, ReLU, Linear)): net.0.weight (256,3), net.0.bias (256),
// net.2.weight, net.2.bias, net.4.weight, net.4.bias, weights (out, in) — so `load_state_dict` works in
// PyTorch. The configuration goes in __metadata__ as strings. A file without metadata (e.g. written from
// PyTorch) loads with the MLP inferred from the shapes: ReLU, act_dim 1, chunk H = the last layer's width.
// Other heads (algorithms/heads/) keep net.* for the acting network (its widths depend on the head, see
// policy.hpp), add encoder.* (CVAE), and store the head and its settings in the metadata, as the head's
// row declares them (heads/<name>.cpp, `<name>_settings`; integers in decimal, floats as %.9g, flags as
// true|false), plus action_low and action_high for a head that uses the action range:
//   head       mse | gmm | tokens | cvae | diffusion | act
//   gmm        components, min_std
//   tokens     bins, offsets, temperature, action_low, action_high
//   cvae       latent, beta
//   diffusion  diffusion_steps, ddim_steps, embed, sampler (ddpm|ddim), action_low, action_high
//   dt         context, d_model, nhead, ff, dt_layers, max_timestep, return_scale, target_return
//   act        latent, beta, d_model, nhead, dim_ff, enc_layers, layers, dec_layers (tensors: heads/act.hpp)
// The MSE head writes exactly the keys it always wrote (no head settings). A head whose row builds its own
// model (heads/head.hpp HeadModel, e.g. a transformer) has no net.*: its tensors are the model's parameters under
// their state_dict names and PyTorch shapes (HeadModel::stored_shape); the reader rebuilds the model from the
// metadata (obs_dim, act_dim, chunk, the head's settings) and checks every tensor's name and shape.
#pragma once
#include <string>

#include "algorithms/policy.hpp"

namespace imitate {

// Writes atomically. Throws std::runtime_error("<path>: ...") on I/O failure or non-finite weights.
void save_policy(const std::string& path, const Policy& policy);

// Throws std::runtime_error("<path>: <field>: <problem>") for a file that is not a valid safetensors file,
// has missing/extra/misshapen tensors, or metadata that does not parse, is out of range (e.g. an unknown
// head, components < 1) or disagrees with the tensors (e.g. K components need 2·K·D+K outputs).
Policy load_policy(const std::string& path);

}  // namespace imitate
