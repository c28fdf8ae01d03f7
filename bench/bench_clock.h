// The benchmarks' clock: seconds since a steady-clock time point.
#pragma once

#include <chrono>

namespace bitswitch::bench {

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace bitswitch::bench
