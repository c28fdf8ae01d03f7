// LR schedules (transformers' get_*_schedule_with_warmup as closed forms).
#include "bitswitch/train/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "bitswitch/core/error.h"

namespace bitswitch::train {

void validate(const LrSchedule& s) {
    if (s.warmup < 0) throw InputError(fmt::format("--warmup_steps {} must not be negative", s.warmup));
    if (!(s.peak > 0.0)) throw InputError(fmt::format("--learning_rate {} must be positive", s.peak));
}

double lr_at(const LrSchedule& s, int64_t step) {
    if (s.type == LrScheduleType::kConstant) return s.peak;
    if (step < s.warmup) return s.peak * double(step) / double(std::max<int64_t>(1, s.warmup));
    if (s.type == LrScheduleType::kConstantWithWarmup) return s.peak;
    const double progress = double(step - s.warmup) / double(std::max<int64_t>(1, s.total - s.warmup));
    if (s.type == LrScheduleType::kLinear) return s.peak * std::max(0.0, 1.0 - progress);
    return s.peak * std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));  // cosine, half a period
}

}  // namespace bitswitch::train
