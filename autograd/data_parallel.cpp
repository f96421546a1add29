// Data-parallel training step (see data_parallel.hpp for the scheme).
#include "autograd/data_parallel.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <stdexcept>

#include "engine/threads.hpp"

namespace imitate {

int batch_parts(Eigen::Index B) { return static_cast<int>(std::clamp<Eigen::Index>(B / 128, 1, 8)); }

Eigen::Index part_begin(Eigen::Index B, int P, int p) { return B * p / P; }

DataParallelStep::DataParallelStep(std::vector<Param*> ps, int parts)
    : params(std::move(ps)), tapes(static_cast<size_t>(std::max(parts, 0))), losses(tapes.size()),
      blocks(param_blocks(params)) {
    if (parts < 1) throw std::invalid_argument("data parallel step: parts must be >= 1, got " + std::to_string(parts));
    for (auto& t : tapes) t.own_param_grads = true;
    for (size_t i = 0; i < params.size(); ++i) {
        Param& q = *params[i];
        if (q.grad.rows() != q.value.rows() || q.grad.cols() != q.value.cols()) q.grad.setZero(q.value.rows(), q.value.cols());
        index[&q] = static_cast<int>(i);
    }
    block_start.push_back(0);
    for (const ParamBlock& b : blocks) block_start.push_back(block_start.back() + b.size);
    block_finite.resize(blocks.size()), block_squares.resize(blocks.size());
}

// Collects, per parameter, the gradients the tapes hold for it, parts in order.
void DataParallelStep::collect_sources(Sources& sources) const {
    sources.resize(params.size());
    for (auto& s : sources) s.clear();
    for (const auto& tape : tapes)
        for (int id = 0; id < tape.n; ++id) {
            const Node<float>& nd = tape.nodes[static_cast<size_t>(id)];
            if (!nd.is_param) continue;
            auto it = index.find(nd.param);
            if (it == index.end())
                throw std::invalid_argument("data parallel step: a part used parameter '" + nd.param->name +
                                            "', which is not in the list");
            sources[static_cast<size_t>(it->second)].push_back(nd.grad);
        }
}

std::pair<long, long> DataParallelStep::share(int t, int T) const {
    // thread t takes the blocks that start in its 1/T of the elements
    const Eigen::Index total = block_start.back();
    auto first_at = [&](int u) {
        const Eigen::Index e = total * u / T;
        return static_cast<long>(std::lower_bound(block_start.begin(), block_start.end() - 1, e) - block_start.begin());
    };
    return {first_at(t), t + 1 == T ? static_cast<long>(blocks.size()) : first_at(t + 1)};
}

float DataParallelStep::run(const std::function<Var<float>(Tape<float>&, int)>& part_loss, Adam* opt, float clip_norm) {
    const int P = parts();
    if (opt && opt->params != params) throw std::invalid_argument("data parallel step: the optimiser's parameters are not the step's");
    const int most = std::max(get_threads(), 1);
    if (static_cast<int>(thread_sources.size()) < most) thread_sources.resize(static_cast<size_t>(most));
    // one slot per part, then one per thread (collecting the sources)
    std::vector<std::exception_ptr> errors(static_cast<size_t>(P + most));
    float total = 0;
    bool taken = false;
    // One parallel region per step (each region costs a fork and a join, and a wake-up when the waiting
    // thread has gone to sleep: engine/threads.hpp spin_then_sleep).
#pragma omp parallel if (P > 1)
    {
        const int T = team_size(), me = team_index();
        // 1. every part forward and backward on its own tape
#pragma omp for schedule(static)
        for (int p = 0; p < P; ++p) {
            try {
                Tape<float>& tape = tapes[static_cast<size_t>(p)];
                tape.reset();
                Var<float> l = part_loss(tape, p);
                losses[static_cast<size_t>(p)] = l.value()(0, 0);
                tape.backward(l);
            } catch (...) {
                errors[static_cast<size_t>(p)] = std::current_exception();
            }
        }
        // (implicit barrier: every part is done)
        bool failed = false;
        for (int p = 0; p < P; ++p) failed |= errors[static_cast<size_t>(p)] != nullptr;
        // 2. per parameter, its gradients on the tapes, parts in order (a parameter may appear more than once)
        Sources& sources = thread_sources[static_cast<size_t>(me)];
        if (!failed) {
            try {
                collect_sources(sources);
            } catch (...) {
                errors[static_cast<size_t>(P + me)] = std::current_exception();
                failed = true;
            }
        }
        // 3. grad += Σ_p grad_p on this thread's blocks: the same additions in the same order for every element
        const auto [first, last] = share(me, T);
        if (!failed) {
            for (long k = first; k < last; ++k) {
                const ParamBlock& b = blocks[static_cast<size_t>(k)];
                float* g = params[static_cast<size_t>(b.param)]->grad.data() + b.offset;
                for (const Mat* src : sources[static_cast<size_t>(b.param)]) {
                    const float* s = src->data() + b.offset;
                    for (Eigen::Index i = 0; i < b.size; ++i) g[i] += s[i];
                }
                if (opt) {
                    block_finite[static_cast<size_t>(k)] = all_finite(g, b.size);
                    if (clip_norm > 0) block_squares[static_cast<size_t>(k)] = sum_squares(g, b.size);
                }
            }
        }
        // 4. the update on the same blocks: update_step's arithmetic (clip, guarded Adam, zero)
        if (opt && !failed) {
#pragma omp barrier
            float loss = 0;
            for (float l : losses) loss += l;
            bool finite = std::isfinite(loss);
            double squares = 0;
            for (size_t k = 0; k < blocks.size(); ++k) finite &= block_finite[k] != 0, squares += block_squares[k];
            const float coef = clip_norm > 0 ? clip_coefficient(std::sqrt(squares), clip_norm) : 1.0f;
            for (long k = first; k < last; ++k) {
                const ParamBlock& b = blocks[static_cast<size_t>(k)];
                float* g = params[static_cast<size_t>(b.param)]->grad.data() + b.offset;
                if (finite) {
                    if (coef < 1.0f)
                        for (Eigen::Index i = 0; i < b.size; ++i) g[i] *= coef;
                    opt->update_block(b.param, b.offset, b.size);
                }
                std::fill(g, g + b.size, 0.0f);
            }
            if (me == 0) taken = finite;
        }
    }
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
    for (float l : losses) total += l;
    if (opt) opt->record(taken);
    return total;
}

}  // namespace imitate
