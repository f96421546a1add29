// Data-parallel training step (see data_parallel.hpp for the scheme).
#include "autograd/data_parallel.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

namespace imitate {

int batch_parts(Eigen::Index B) { return static_cast<int>(std::clamp<Eigen::Index>(B / 128, 1, 8)); }

Eigen::Index part_begin(Eigen::Index B, int P, int p) { return B * p / P; }

DataParallelStep::DataParallelStep(std::vector<Param*> ps, int parts)
    : params(std::move(ps)), tapes(static_cast<size_t>(std::max(parts, 0))), losses(tapes.size()),
      blocks(param_blocks(params)), sources(params.size()) {
    if (parts < 1) throw std::invalid_argument("data parallel step: parts must be >= 1, got " + std::to_string(parts));
    for (auto& t : tapes) t.own_param_grads = true;
    for (size_t i = 0; i < params.size(); ++i) {
        Param& q = *params[i];
        if (q.grad.rows() != q.value.rows() || q.grad.cols() != q.value.cols()) q.grad.setZero(q.value.rows(), q.value.cols());
        index[&q] = static_cast<int>(i);
    }
}

// Collects, per parameter, the gradients the tapes hold for it, parts in order.
void DataParallelStep::collect_sources() {
    for (auto& s : sources) s.clear();
    for (auto& tape : tapes)
        for (int id = 0; id < tape.n; ++id) {
            const Node<float>& nd = tape.node(id);
            if (!nd.is_param) continue;
            auto it = index.find(nd.param);
            if (it == index.end())
                throw std::invalid_argument("data parallel step: a part used parameter '" + nd.param->name +
                                            "', which is not in the list");
            sources[static_cast<size_t>(it->second)].push_back(nd.grad);
        }
}

float DataParallelStep::run(const std::function<Var<float>(Tape<float>&, int)>& part_loss) {
    const int P = parts();
    const auto nb = static_cast<long>(blocks.size());
    std::vector<std::exception_ptr> errors(static_cast<size_t>(P) + 1);  // one per part, then the collection's
    bool failed = false;
    // One parallel region per step (each region costs a fork and a join).
#pragma omp parallel if (P > 1)
    {
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
        // 2. per parameter, its gradients on the tapes, parts in order (a parameter may appear more than once)
#pragma omp single
        {
            for (auto& e : errors) failed |= e != nullptr;
            if (!failed) {
                try {
                    collect_sources();
                } catch (...) {
                    errors.back() = std::current_exception();
                    failed = true;
                }
            }
        }
        // 3. grad += Σ_p grad_p, block by block: the same additions in the same order for every element
        if (!failed) {
#pragma omp for schedule(static)
            for (long k = 0; k < nb; ++k) {
                const ParamBlock& b = blocks[static_cast<size_t>(k)];
                float* g = params[static_cast<size_t>(b.param)]->grad.data() + b.offset;
                for (const Mat* src : sources[static_cast<size_t>(b.param)]) {
                    const float* s = src->data() + b.offset;
                    for (Eigen::Index i = 0; i < b.size; ++i) g[i] += s[i];
                }
            }
        }
    }
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
    float total = 0;
    for (float l : losses) total += l;
    return total;
}

}  // namespace imitate
