// Cyclic bit-width schedules and the precision range test.
#include "bitswitch/train/bit_schedule.h"

#include <cmath>

#include <fmt/format.h>

#include "bitswitch/core/error.h"

namespace bitswitch::train {

double CyclicSchedule::period_length() const {
    // CPT's code: cyclic_period = int(args.iters / args.num_cyclic_period).
    return length == CyclicPeriod::kCpt ? double(total_steps / periods)
                                        : double(total_steps) / double(periods);
}

int cyclic_bits(const CyclicSchedule& s, int64_t step) {
    if (s.b_min > s.b_max)
        throw InputError(
            fmt::format("cyclic precision: minimum {} bits exceeds maximum {}", s.b_min, s.b_max));
    if (s.periods < 1 || s.periods > s.total_steps) {
        throw InputError(fmt::format("--num_cyclic_period {} must be between 1 and the {} training steps",
                                     s.periods, s.total_steps));
    }
    const double T     = s.period_length();
    const double t     = std::fmod(double(step), T);
    const double range = double(s.b_max - s.b_min);
    const double pi    = 3.14159265358979323846;
    double phase       = 0.0;  // 0 = b_min, 1 = b_max
    switch (s.shape) {
        case CyclicShape::kCosine:
            phase = 0.5 * (1 - std::cos(pi * t / T));
            break;
        case CyclicShape::kTriangular:
            phase = 1 - std::fabs(2 * t / T - 1);
            break;
        case CyclicShape::kCosineUpDown:
            phase = 0.5 * (1 - std::cos(2 * pi * t / T));
            break;
    }
    return int(std::nearbyint(double(s.b_min) + range * phase));  // default rounding mode: half to even
}

int precision_range_test(const std::vector<int>& bits, const std::vector<double>& losses, double threshold) {
    if (bits.empty() || bits.size() != losses.size())
        throw InputError("precision range test: one loss per candidate bit-width is needed");
    for (size_t i = 1; i < bits.size(); ++i) {
        if (bits[i] <= bits[i - 1])
            throw InputError("precision range test: candidate bit-widths must ascend");
    }
    for (size_t i = 1; i < bits.size(); ++i) {
        if ((losses[i - 1] - losses[i]) / losses[i - 1] > threshold) return bits[i];
    }
    return bits.front();
}

}  // namespace bitswitch::train
