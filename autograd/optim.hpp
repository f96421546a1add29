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
std::vector<ParamBlock> param_blocks(const std::vector<Param*>& params, Eigen::Index max_size = 2048);

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

    // The pieces of guarded_step, for a caller that spreads one update over threads (DataParallelStep::run
    // updates each block of the gradient on the thread that summed it): update_block runs step t+1's
    // arithmetic on elements [offset, offset+n) of parameter i (any cut gives the same bytes: the update is
    // elementwise); record then counts the step taken (t += 1) or refused, throwing as guarded_step does.
    void update_block(int i, Eigen::Index offset, Eigen::Index n);
    void record(bool taken);
};

// True when none of the n floats is inf or NaN (one pass over the exponent bits: it vectorises, unlike
// Eigen's allFinite).
bool all_finite(const float* g, Eigen::Index n);
// Sum of squares of n floats, in double, in a fixed order whatever the caller's cut (8 running sums over
// i mod 8, added pairwise at the end): the norm's part of one ParamBlock.
double sum_squares(const float* g, Eigen::Index n);
// The coefficient clip_grad_norm scales by: max_norm / (norm + 1e-6) when that is below 1, else 1.
float clip_coefficient(double norm, float max_norm);

// Scales all gradients so their global L2 norm is at most max_norm (torch.nn.utils.clip_grad_norm_:
// factor max_norm / (norm + 1e-6) when below 1). Returns the norm before clipping. The squares are summed per
// ParamBlock of param_blocks(params) and the blocks in order, as DataParallelStep::run does: the same bytes.
float clip_grad_norm(const std::vector<Param*>& params, float max_norm);

// What a training loop does after a minibatch's backward: clip the global norm to clip_norm (0 = off), Adam's
// guarded step on `loss`, zero the gradients. Returns whether the step was taken. DataParallelStep::run does
// the same inside its parallel region when given the optimiser.
bool update_step(Adam& opt, float clip_norm, float loss);

}  // namespace imitate
