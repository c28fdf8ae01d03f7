// Learning-rate schedules as pure functions of the optimizer step (llm.c's schedulers), named as
// transformers' --lr_scheduler_type: linear, cosine, constant, constant_with_warmup. Warmup is linear
// from 0. A pure function means a resumed run sees exactly the same rates.
#pragma once

#include <cstdint>
#include <string>

namespace bitswitch::train {

struct LrSchedule {
    std::string type = "linear";
    double peak      = 5e-4;
    int64_t warmup   = 0;     // steps
    int64_t total    = 1000;  // steps
};

/// InputError naming the flag for unknown types or negative lengths.
void validate(const LrSchedule& schedule);

/// The rate for optimizer step `step` (0-based), as transformers' schedulers compute it.
double lr_at(const LrSchedule& schedule, int64_t step);

}  // namespace bitswitch::train
