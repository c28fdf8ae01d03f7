// Progress of long work: on a terminal one line rewritten in place, otherwise a plain line every
// `every` updates, so logs stay readable. Carries steps/s and the ETA.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace bitswitch::core {

class Progress {
  public:
    /// `what` prefixes every line ("train", "eval"); `total` units of work; plain lines every `every` units.
    Progress(std::string what, int64_t total, int64_t every = 10);
    /// Reports that `done` units are complete; `detail` ("loss 2.31 | lr 1.0e-04") is shown after the counts.
    void update(int64_t done, const std::string& detail = {});
    /// Ends the in-place line (prints a newline on a terminal).
    void finish();
    /// Seconds since construction.
    double elapsed() const;

  private:
    std::string what_;
    int64_t total_, every_, first_ = -1;
    bool tty_;
    bool open_line_ = false;
    std::chrono::steady_clock::time_point start_, first_time_;
};

/// "1h02m", "3m05s", "12s".
std::string format_duration(double seconds);

}  // namespace bitswitch::core
