// Action chunking's training pairs: an observation and the next H actions of the same episode.
// Windows never cross an episode boundary (the seed's obs[::H] slicing does, when H does not divide the
// episode length); targets that run past an episode's end are padded and masked out of the loss, as ACT's
// action_is_pad does.
#pragma once
#include "algorithms/dataset.hpp"

namespace imitate {

struct ChunkSet {
    Mat obs;      // (N,S) the observation at each window's start
    Mat targets;  // (N,H·A) actions t..t+H−1 of the same episode, row-major by step; padding is 0
    Mat mask;     // (N,H·A) 1 for a real action, 0 for padding past the episode's end
};

// Windows start at every index (stride 1) or at 0, H, 2H, ... of each episode (stride H, the seed's
// non-overlapping chunks). Requires H >= 1 and stride >= 1; throws std::invalid_argument otherwise.
ChunkSet make_chunks(const Dataset& data, int H, int stride);

}  // namespace imitate
