// A progress indicator for anything longer than a second: a redrawn bar on a terminal, plain periodic
// lines when stderr is not a TTY, nothing with --quiet.
#pragma once
#include <chrono>
#include <string>

namespace imitate::cli {

class Progress {
  public:
    Progress(std::string label, long total, bool quiet);
    ~Progress();
    void update(long done);  // cheap: redraws at most 10×/s on a TTY, a line every 5 s otherwise
    void finish();

  private:
    std::string label_;
    long total_;
    bool quiet_, tty_, drawn_ = false, finished_ = false;
    std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace imitate::cli
