// Cyclic schedules against hand-written sequences of their formulas, and the precision range test.
#include "bitswitch/train/bit_schedule.h"

#include <gtest/gtest.h>

#include <cmath>

#include "bitswitch/core/error.h"

namespace bitswitch::train {
namespace {

std::vector<int> sequence(CyclicSchedule s) {
    std::vector<int> out;
    for (int64_t t = 0; t < s.total_steps; ++t) out.push_back(cyclic_bits(s, t));
    return out;
}

TEST(BitSchedule, CyclicShapesFollowTheirFormulas) {
    // 8 steps, 2 periods: T = 4. cosine: 4 + 2(1 - cos(πt/4)) = 4, 4.59, 6, 7.41 -> 4, 5, 6, 7.
    EXPECT_EQ(sequence({4, 8, 8, 2, CyclicShape::kCosine}), (std::vector<int>{4, 5, 6, 7, 4, 5, 6, 7}));
    // triangular: 4 + 4(1 - |t/2 - 1|) = 4, 6, 8, 6.
    EXPECT_EQ(sequence({4, 8, 8, 2, CyclicShape::kTriangular}), (std::vector<int>{4, 6, 8, 6, 4, 6, 8, 6}));
    // cosine up-down: 4 + 2(1 - cos(πt/2)) = 4, 6, 8, 6.
    EXPECT_EQ(sequence({4, 8, 8, 2, CyclicShape::kCosineUpDown}), (std::vector<int>{4, 6, 8, 6, 4, 6, 8, 6}));
}

TEST(BitSchedule, RintRoundsHalfToEven) {
    // t = 2 of T = 4 is the midpoint: 4.5 -> 4 and 5.5 -> 6.
    EXPECT_EQ(cyclic_bits({4, 5, 8, 2, CyclicShape::kCosine}, 2), 4);
    EXPECT_EQ(cyclic_bits({5, 6, 8, 2, CyclicShape::kCosine}, 2), 6);
}

TEST(BitSchedule, PeriodsAreCountedInOptimizerStepsWithFractionalLength) {
    // 10 steps, 4 periods: T = 2.5, so step 5 starts the third period exactly.
    const CyclicSchedule s{2, 8, 10, 4, CyclicShape::kCosine, CyclicPeriod::kExact};
    EXPECT_EQ(cyclic_bits(s, 0), 2);
    EXPECT_EQ(cyclic_bits(s, 5), 2);
    EXPECT_EQ(cyclic_bits(s, 2), 7);  // 2 + 3(1 - cos(0.8π)) = 7.43
    EXPECT_EQ(cyclic_bits(s, 7), 7);  // 7 mod 2.5 = 2
}

// CPT's code (cyclic_precision_training, cyclic_adjust_precision), transcribed: cyclic_period =
// int(iters / num_cyclic_period); bits = rint(min + 0.5 (max - min) (1 + cos(pi (i % T) / T + pi))).
int cpt_code_bits(int b_min, int b_max, int64_t iters, int num_cyclic_period, int64_t i) {
    const int64_t period = iters / num_cyclic_period;
    const double pi      = 3.14159265358979323846;
    return int(std::nearbyint(b_min + 0.5 * (b_max - b_min) *
                                          (1 + std::cos(pi * double(i % period) / double(period) + pi))));
}

TEST(BitSchedule, TheDefaultPeriodIsCptCodesIntegerOne) {
    // 1000 steps and 32 periods (seed 000's CPT line): T = 31, not 31.25.
    const CyclicSchedule cpt{4, 8, 1000, 32, CyclicShape::kCosine};
    int differs_from_exact = 0;
    for (int64_t i = 0; i < 1000; ++i) {
        ASSERT_EQ(cyclic_bits(cpt, i), cpt_code_bits(4, 8, 1000, 32, i)) << i;
        auto exact   = cpt;
        exact.length = CyclicPeriod::kExact;
        differs_from_exact += cyclic_bits(exact, i) != cyclic_bits(cpt, i);
    }
    EXPECT_GT(differs_from_exact, 300);   // the fraction drifts out of phase with CPT's periods
    EXPECT_EQ(cyclic_bits(cpt, 31), 4);   // step 31 starts the second period
    EXPECT_EQ(cyclic_bits(cpt, 992), 4);  // 992 = 32 x 31: a 33rd period of 8 steps
}

TEST(BitSchedule, BadCyclicSettingsAreInputErrors) {
    EXPECT_THROW(cyclic_bits({8, 4, 10, 2, CyclicShape::kCosine}, 0), InputError);
    EXPECT_THROW(cyclic_bits({4, 8, 10, 11, CyclicShape::kCosine}, 0), InputError);
    EXPECT_THROW(core::enum_from_name(kCyclicShapeNames, "square", "--cyclic_schedule"), InputError);
}

TEST(BitSchedule, PrecisionRangeTestPicksTheFirstBitWidthThatHelps) {
    // Losses stay broken at 2 and 3 bits, drop by half at 4: PRT picks 4.
    EXPECT_EQ(precision_range_test({2, 3, 4, 5, 6}, {5.0, 4.9, 2.4, 2.3, 2.3}, 0.2), 4);
    // Training works from the start: the lowest candidate.
    EXPECT_EQ(precision_range_test({2, 3, 4}, {1.0, 0.98, 0.97}, 0.2), 2);
    EXPECT_THROW(precision_range_test({4, 3}, {1.0, 1.0}, 0.2), InputError);
}

}  // namespace
}  // namespace bitswitch::train
