// Cutting episodes into (observation, H-action chunk) windows with ACT-style padding masks.
#include "algorithms/chunking.hpp"

#include <stdexcept>

namespace imitate {

ChunkSet make_chunks(const Dataset& data, int H, int stride) {
    if (H < 1) throw std::invalid_argument("chunking: H must be >= 1, got " + std::to_string(H));
    if (stride < 1) throw std::invalid_argument("chunking: stride must be >= 1, got " + std::to_string(stride));
    const Eigen::Index S = data.observations.cols(), A = data.actions.cols();
    // 1. count the windows, episode by episode
    Eigen::Index n = 0, begin = 0;
    for (int64_t end : data.episode_ends) {
        n += (end - begin + stride - 1) / stride;
        begin = end;
    }
    ChunkSet c;
    c.obs.resize(n, S);
    c.targets = Mat::Zero(n, H * A);
    c.mask = Mat::Zero(n, H * A);
    // 2. fill them: window at t holds actions t..min(t+H, end)−1, the rest stays padded (mask 0)
    Eigen::Index row = 0;
    begin = 0;
    for (int64_t end : data.episode_ends) {
        for (int64_t t = begin; t < end; t += stride, ++row) {
            c.obs.row(row) = data.observations.row(t);
            for (int h = 0; h < H && t + h < end; ++h) {
                c.targets.row(row).segment(h * A, A) = data.actions.row(t + h);
                c.mask.row(row).segment(h * A, A).setOnes();
            }
        }
        begin = end;
    }
    return c;
}

}  // namespace imitate
