// Learning-rate schedules as pure functions of the optimizer step (llm.c's schedulers), named as
// transformers' --lr_scheduler_type: linear, cosine, constant, constant_with_warmup. Warmup is linear
// from 0. A pure function means a resumed run sees exactly the same rates.
#pragma once

#include <cstdint>
#include <string>

#include "bitswitch/core/enum_names.h"

namespace bitswitch::train {

enum class LrScheduleType { kLinear, kCosine, kConstant, kConstantWithWarmup };
inline constexpr core::EnumName<LrScheduleType> kLrScheduleNames[] = {
    {LrScheduleType::kLinear, "linear"},
    {LrScheduleType::kCosine, "cosine"},
    {LrScheduleType::kConstant, "constant"},
    {LrScheduleType::kConstantWithWarmup, "constant_with_warmup"}};

struct LrSchedule {
    LrScheduleType type = LrScheduleType::kLinear;
    double peak         = 5e-4;
    int64_t warmup      = 0;     // steps
    int64_t total       = 1000;  // steps
};

/// InputError naming the flag for a non-positive peak or a negative warmup.
void validate(const LrSchedule& schedule);

/// The rate for optimizer step `step` (0-based), as transformers' schedulers compute it.
double lr_at(const LrSchedule& schedule, int64_t step);

}  // namespace bitswitch::train
