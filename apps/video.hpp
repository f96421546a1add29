// `imitate eval --video DIR`: one animated GIF per evaluated episode, drawn from the environment's own
// picture of each recorded state (Env::draw after Env::reset_to: the episode is replayed, not re-run).
#pragma once
#include <string>
#include <vector>

#include "envs/env.hpp"
#include "envs/rollout.hpp"

namespace imitate::cli {

// Throws std::invalid_argument if `dir` is not an existing directory, or if this build has no GIF encoder.
void check_video_dir(const std::string& dir);

// Writes dir/episode_<i>.gif for each episode: one frame per recorded state (before each step) plus the final
// state, so T_i + 1 frames, at the env's pace of 20 frames per second. Returns the number of files written.
int write_videos(const std::string& dir, const Env& env, const std::vector<Episode>& episodes);

}  // namespace imitate::cli
