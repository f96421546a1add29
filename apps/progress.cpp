// Progress output on stderr (see progress.hpp). The first second prints nothing, so quick commands stay
// quiet.
#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace imitate::cli {

Progress::Progress(std::string label, long total, bool quiet)
    : label_(std::move(label)), total_(total), quiet_(quiet), tty_(::isatty(2)), start_(std::chrono::steady_clock::now()), last_(start_) {}

Progress::~Progress() { finish(); }

void Progress::update(long done) {
    if (quiet_ || finished_) return;
    auto now = std::chrono::steady_clock::now();
    double since_start = std::chrono::duration<double>(now - start_).count();
    double since_last = std::chrono::duration<double>(now - last_).count();
    if (since_start < 1.0 || since_last < (tty_ ? 0.1 : 5.0)) return;
    last_ = now;
    double frac = total_ > 0 ? double(done) / total_ : 0.0;
    if (tty_) {
        int w = 30, fill = static_cast<int>(frac * w);
        std::fprintf(stderr, "\r%s [%s%s] %3.0f%% %5.1fs", label_.c_str(), std::string(fill, '#').c_str(),
                     std::string(w - fill, '.').c_str(), 100 * frac, since_start);
    } else {
        std::fprintf(stderr, "%s: %ld/%ld (%.0f%%) %.1fs\n", label_.c_str(), done, total_, 100 * frac, since_start);
    }
    std::fflush(stderr);
    drawn_ = true;
}

void Progress::finish() {
    if (finished_) return;
    finished_ = true;
    if (drawn_ && tty_) std::fprintf(stderr, "\r\033[K");
}

}  // namespace imitate::cli
