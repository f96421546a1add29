// Optimisation: Adam (PyTorch semantics), global-norm gradient clipping, and a guard that refuses a step
// when the loss or a gradient is not finite.
#pragma once
#include <vector>

#include "autograd/tape.hpp"

namespace imitate {

struct AdamConfig {
    float lr = 1e-3f;           // learning rate
    float beta1 = 0.9f;         // first-moment decay
    float beta2 = 0.999f;       // second-moment decay
    float eps = 1e-8f;          // added to the bias-corrected sqrt(v)
    float weight_decay = 0.0f;  // L2 penalty added to the gradient (torch.optim.Adam's, not AdamW's)
    int max_refusals = 10;      // guarded_step throws after this many consecutive refused steps
};

// A run of at most `size` elements of parameter `param` (an index into a parameter list), from `offset` in
// its storage: the unit of work when a data-parallel step's gradient sum is spread over threads. The cut
// is a pure function of the shapes, so every element is updated by the same arithmetic on any thread count.
struct ParamBlock {
    int param = 0;
    Eigen::Index offset = 0, size = 0;
};
// Every element of `params`, in order, cut into blocks of at most max_size elements.
std::vector<ParamBlock> param_blocks(const std::vector<Param*>& params, Eigen::Index max_size = 16384);

struct Adam {
    AdamConfig cfg;
    std::vector<Param*> params;
    std::vector<Mat> m, v;  // moment estimates, one per parameter
    long t = 0;             // steps taken
    long refused = 0;       // steps refused by guarded_step, in total
    int refused_in_a_row = 0;

    Adam(std::vector<Param*> params, AdamConfig cfg = {});
    // One update of every parameter from its accumulated gradient.
    void step();
    // step() only if `loss` and every gradient are finite; otherwise counts the refusal, leaves the
    // parameters untouched and returns false. Throws std::runtime_error after cfg.max_refusals refusals
    // in a row ("training diverged: N consecutive non-finite steps").
    bool guarded_step(float loss);
    // Sets every parameter's gradient to zero.
    void zero_grad();
};

// Scales all gradients so their global L2 norm is at most max_norm (torch.nn.utils.clip_grad_norm_:
// factor max_norm / (norm + 1e-6) when below 1). Returns the norm before clipping.
float clip_grad_norm(const std::vector<Param*>& params, float max_norm);

}  // namespace imitate
