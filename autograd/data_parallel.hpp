// Both cores on one training step: data parallelism over a minibatch cut in a fixed number of parts.
//
//   parts p = 0..P−1, rows [B·p/P, B·(p+1)/P)           P = batch_parts(B): fixed by B, never by the threads
//   in parallel: loss_p = share_p · mean loss of part p   (own tape; the parameters' gradients stay on it)
//                backward(loss_p)
//   grad += Σ_p grad_p, parts in order, block by block    (the same sum for every element on any thread count)
//   loss  = Σ_p loss_p
//   then, given the optimiser: clip, guarded Adam step and zeroed grads (update_step in autograd/optim.hpp)
//   on the same blocks, each on the thread that summed it
//
// With share_p = the part's fraction of the minibatch's loss terms (elements or rows, as the loss averages),
// Σ_p loss_p is the minibatch's mean loss and the summed gradient its gradient, up to rounding. The cut does
// not depend on the thread count, so 1 and 2 threads give the same bytes. One OpenMP region per step runs the
// parts; each part's kernels run whole on its thread (no parallel region per op). Each thread sums and then
// updates a fixed share of the elements (blocks cut by element count): the update reads the gradient, the
// moments and the weights from the cache of the core that just summed them instead of pulling half of them
// across from the other core's (measured: Adam after a 2-thread step took 60 µs on one thread, 23 µs after a
// 1-thread step), and costs no second region.
#pragma once
#include <functional>
#include <unordered_map>
#include <vector>

#include "autograd/optim.hpp"
#include "autograd/tape.hpp"

namespace imitate {

// P for a minibatch of B rows: parts of 128 rows or more, at most 8 (1 below 256 rows: a smaller step
// gains less from a second core than the sum of the parts' gradients costs).
int batch_parts(Eigen::Index B);
// The first row of part p of P over B rows (p = P gives B).
Eigen::Index part_begin(Eigen::Index B, int P, int p);

struct DataParallelStep {
    std::vector<Param*> params;
    std::vector<Tape<float>> tapes;                   // one per part, reused every step (no allocation)
    std::vector<float> losses;                        // each part's loss, as its part_loss returned it
    std::vector<ParamBlock> blocks;                   // the parameters' elements, cut for the sum
    std::unordered_map<const Param*, int> index;      // parameter -> its index in params
    using Sources = std::vector<std::vector<const Mat*>>;  // per parameter: its gradients on the tapes, in order
    std::vector<Sources> thread_sources;              // each thread's own (no barrier to share one)
    std::vector<Eigen::Index> block_start;            // elements before block k (and the total at the end)
    std::vector<char> block_finite;                   // per block: the summed gradient is finite
    std::vector<double> block_squares;                // per block: its sum of squares (clipping)

    // Requires parts >= 1; `params` are the parameters the parts' losses use (each part's tape may use a
    // parameter more than once).
    DataParallelStep(std::vector<Param*> params, int parts);
    int parts() const { return static_cast<int>(tapes.size()); }

    // Runs part_loss(tape, p) on each part's freshly reset tape (parts in parallel: it must only read shared
    // state), then backward from each returned (1,1) loss, then adds the parts' gradients into every
    // parameter's grad (+=, parts in order). Returns Σ_p losses (in part order). An exception thrown by a
    // part is rethrown after all parts ran (the lowest part's).
    // With opt (whose parameters must be `params`, in order): then update_step(*opt, clip_norm, loss) as
    // autograd/optim.hpp defines it, byte for byte, inside the same region (opt->record counts the step).
    float run(const std::function<Var<float>(Tape<float>&, int part)>& part_loss, Adam* opt = nullptr,
              float clip_norm = 0.0f);

   private:
    void collect_sources(Sources& sources) const;
    // The blocks [first, last) thread `t` of `T` sums and updates: a share of the elements by count.
    std::pair<long, long> share(int t, int T) const;
};

}  // namespace imitate
