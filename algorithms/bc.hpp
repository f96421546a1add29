// Behaviour cloning: supervised regression pi(s) ≈ a (or ≈ the next H actions) with MSE and Adam on
// expert (state, action) pairs, shuffled minibatches, as the seed program trains it; or, with another
// head (algorithms/heads/), maximum likelihood of the chunk under the head's distribution.
#pragma once
#include <functional>
#include <optional>
#include <vector>

#include "algorithms/dataset.hpp"
#include "algorithms/policy.hpp"
#include "autograd/data_parallel.hpp"

namespace imitate {

struct BCConfig {
    PolicyConfig policy;                       // the policy to train: H (policy.chunk, actions predicted per
                                               //   observation), hidden widths, activation, head and its settings
                                               //   (default: MSE, the seed's; tokens/diffusion with head.low ==
                                               //   head.high take the data's range); obs_dim and act_dim are the data's
    int stride = 1;                            // window starts: 1 = every index, H = the seed's non-overlapping chunks
    int epochs = 100;                          // passes over the windows (ignored when steps > 0)
    long steps = 0;                            // if > 0: train exactly this many minibatch steps instead
    int batch = 256;                           // minibatch size
    float lr = 1e-3f;                          // Adam learning rate
    float weight_decay = 0.0f;                 // Adam's L2 penalty
    float clip_norm = 0.0f;                    // global gradient-norm clip (0 = off)
    bool normalize = false;                    // normalise observations and actions with dataset statistics
    uint64_t seed = 0;                         // weight init and shuffling (heads' noise: derive_seed(seed, 1))
};

struct BCResult {
    Policy policy;
    std::vector<float> epoch_loss;  // mean minibatch loss of each epoch (of the last, partial one too)
    long steps = 0;                 // optimizer steps taken
    long refused = 0;               // steps the finite-value guard refused
};

// Called after each epoch with its index (0-based) and mean loss; the seed prints every 20th.
using EpochCallback = std::function<void(int epoch, float loss)>;

struct Adam;

// The order a training loop (train_bc, train_dt) visits its N examples in: perm, 0..N−1 shuffled by shuffle() at
// each epoch's start (Fisher-Yates with the run's rng), and total, the optimizer steps of the run: cfg.steps if
// > 0, else cfg.epochs epochs of ceil(N / cfg.batch) minibatches.
struct EpochOrder {
    EpochOrder(const BCConfig& cfg, Eigen::Index N);
    void shuffle(Rng& rng);
    std::vector<Eigen::Index> perm;
    long total;
};

// The epoch losses a training loop records (train_bc, train_dt): step() after each minibatch's backward (or
// add() its loss alone), end() after each epoch appends their mean to res.epoch_loss and calls on_epoch.
struct EpochLosses {
    double sum = 0;
    long batches = 0;
    void add(float loss) { sum += loss, ++batches; }
    // Counts a minibatch that has had its update (BCStep::run): res.steps += 1 and add(loss).
    void count(float loss, BCResult& res) { ++res.steps, add(loss); }
    // The minibatch's update (update_step: clip the gradient's global norm to clip_norm (0 = off), opt's
    // guarded step on `loss`, zero the grads), then count(loss, res).
    void step(Adam& opt, float clip_norm, float loss, BCResult& res);
    void end(BCResult& res, int epoch, const EpochCallback& on_epoch);
};

// One minibatch's loss and gradient as train_bc computes them (bench/bench_heads times it): a minibatch of
// 256 rows or more runs as parts on both cores (autograd/data_parallel.hpp), each part's loss weighted by its
// share of the terms the head averages over, so the parts add up to the minibatch's loss and gradient; a
// smaller one (and the CVAE head, whose two terms average over different counts) on one tape. Buffers are
// allocated once, by the constructor and the first step.
struct BCStep {
    // pi's parameters and the minibatch size B that every call will use.
    BCStep(Policy& pi, Eigen::Index B);
    // The minibatch's loss and gradient, then its update: update_step(opt, clip_norm, loss) (autograd/optim.hpp),
    // which the parts run inside their parallel region. Returns the minibatch loss; x (B,S), y and mask
    // (B,H·A); opt over pi's parameters. head_rng: the heads' noise (CVAE ε, diffusion steps).
    float run(Policy& pi, const Mat& x, const Mat& y, const Mat& mask, Rng& head_rng, Adam& opt, float clip_norm);

    Tape<float> tape;                        // the one tape (small minibatches)
    std::optional<DataParallelStep> parted;  // the parts (minibatches of 256 rows or more)
    std::vector<Mat> x, y, m;                // each part's rows of the minibatch
    std::vector<Mat> w;                      // real_rows' row weights: one per part, then the minibatch's
};

// Trains a fresh policy on `data` (or continues from *warm_start, keeping its normalisation and head).
// Requires a non-empty dataset, batch >= 1, lr > 0, head settings in range (validate_head); throws
// std::invalid_argument naming the field otherwise, and std::runtime_error if training diverges (see
// Adam::guarded_step).
BCResult train_bc(const Dataset& data, const BCConfig& cfg, const EpochCallback& on_epoch = {},
                  const Policy* warm_start = nullptr);

}  // namespace imitate
