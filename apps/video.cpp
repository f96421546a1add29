// Evaluation videos: replay each episode's recorded states, draw them (envs/render.hpp), encode with giflib
// (algorithms/video.hpp). Each file is written atomically; a failure leaves the files already finished.
#include "video.hpp"

#include <filesystem>
#include <stdexcept>

#if IMITATE_HAVE_GIF
#include "algorithms/video.hpp"
#include "envs/render.hpp"
#endif

namespace imitate::cli {

namespace {
constexpr int kFrameSize = 240;      // pixels: the longer side of every frame
constexpr int kDelayCentiseconds = 5;  // 20 frames per second
}  // namespace

void check_video_dir(const std::string& dir) {
#if IMITATE_HAVE_GIF
    if (!std::filesystem::is_directory(dir))
        throw std::invalid_argument("--video " + dir + ": not an existing directory");
#else
    throw std::invalid_argument("--video " + dir + ": this build has no GIF encoder (install libgif-dev and "
                                "reconfigure with -Dgif=enabled)");
#endif
}

int write_videos(const std::string& dir, const Env& env, const std::vector<Episode>& episodes) {
#if IMITATE_HAVE_GIF
    std::unique_ptr<Env> replay = env.clone();
    int written = 0;
    for (size_t i = 0; i < episodes.size(); ++i) {
        const Episode& e = episodes[i];
        std::vector<Image> frames;
        frames.reserve(size_t(e.length()) + 1);
        auto frame = [&](const double* state) {
            replay->reset_to(state);
            Scene scene;
            replay->draw(scene);
            const double w = scene.xmax - scene.xmin, h = scene.ymax - scene.ymin;
            const int W = w >= h ? kFrameSize : std::max(1, int(kFrameSize * w / h));
            const int H = h >= w ? kFrameSize : std::max(1, int(kFrameSize * h / w));
            frames.push_back(render(scene, W, H));
        };
        for (int t = 0; t < e.length(); ++t) frame(e.states.row(t).data());
        frame(e.final_state.data());
        write_gif(dir + "/episode_" + std::to_string(i) + ".gif", frames, kDelayCentiseconds);
        ++written;
    }
    return written;
#else
    (void)dir, (void)env, (void)episodes;
    throw std::invalid_argument("--video: this build has no GIF encoder");
#endif
}

}  // namespace imitate::cli
