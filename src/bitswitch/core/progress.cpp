#include "bitswitch/core/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace bitswitch::core {

std::string format_duration(double s) {
    const int64_t t = int64_t(s + 0.5);
    if (t >= 3600) return fmt::format("{}h{:02d}m", t / 3600, (t % 3600) / 60);
    if (t >= 60) return fmt::format("{}m{:02d}s", t / 60, t % 60);
    return fmt::format("{}s", t);
}

Progress::Progress(std::string what, int64_t total, int64_t every)
    : what_(std::move(what)),
      total_(total),
      every_(std::max<int64_t>(1, every)),
      tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

double Progress::elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(int64_t done, const std::string& detail) {
    const auto now = std::chrono::steady_clock::now();
    if (first_ < 0) {  // rates count from the first update, so set-up time does not distort them
        first_      = done;
        first_time_ = now;
    }
    if (!tty_ && done % every_ != 0 && done != total_) return;
    const double secs      = std::chrono::duration<double>(now - first_time_).count();
    const double rate      = secs > 0 ? double(done - first_) / secs : 0.0;
    const std::string eta  = rate > 0 ? format_duration(double(total_ - done) / rate) : "?";
    const std::string line = fmt::format("{} {:>6}/{} | {}{}{:.2f} it/s | eta {}", what_, done, total_,
                                         detail, detail.empty() ? "" : " | ", rate, eta);
    if (tty_) {
        std::fprintf(stderr, "\r\033[K%s", line.c_str());
        open_line_ = true;
    } else {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
}

void Progress::finish() {
    if (open_line_) std::fprintf(stderr, "\n");
    open_line_ = false;
}

}  // namespace bitswitch::core
