#include "bitswitch/train/lr_schedule.h"

#include <gtest/gtest.h>

#include <cmath>

#include "bitswitch/core/error.h"

namespace bitswitch::train {
namespace {

TEST(LrSchedule, LinearWarmupThenLinearDecayToZero) {
    const LrSchedule s{LrScheduleType::kLinear, 1.0, 10, 110};
    EXPECT_DOUBLE_EQ(lr_at(s, 0), 0.0);
    EXPECT_DOUBLE_EQ(lr_at(s, 5), 0.5);
    EXPECT_DOUBLE_EQ(lr_at(s, 10), 1.0);
    EXPECT_DOUBLE_EQ(lr_at(s, 60), 0.5);  // halfway through the 100 decay steps
    EXPECT_DOUBLE_EQ(lr_at(s, 110), 0.0);
}

TEST(LrSchedule, CosineIsHalfAPeriod) {
    const LrSchedule s{LrScheduleType::kCosine, 2.0, 0, 100};
    EXPECT_DOUBLE_EQ(lr_at(s, 0), 2.0);
    EXPECT_NEAR(lr_at(s, 50), 1.0, 1e-12);
    EXPECT_NEAR(lr_at(s, 25), 1.0 + std::cos(M_PI / 4), 1e-12);
    EXPECT_NEAR(lr_at(s, 100), 0.0, 1e-12);
}

TEST(LrSchedule, ConstantKindsAndErrors) {
    EXPECT_DOUBLE_EQ(lr_at(LrSchedule{LrScheduleType::kConstant, 3.0, 10, 100}, 0), 3.0);
    EXPECT_DOUBLE_EQ(lr_at(LrSchedule{LrScheduleType::kConstantWithWarmup, 3.0, 10, 100}, 5), 1.5);
    EXPECT_DOUBLE_EQ(lr_at(LrSchedule{LrScheduleType::kConstantWithWarmup, 3.0, 10, 100}, 50), 3.0);
    EXPECT_THROW(core::enum_from_name(kLrScheduleNames, "polynomial", "--lr_scheduler_type"), InputError);
    EXPECT_THROW(validate(LrSchedule{LrScheduleType::kLinear, 0.0, 0, 10}), InputError);
}

}  // namespace
}  // namespace bitswitch::train
