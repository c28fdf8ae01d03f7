// Bit-width schedules of the multi-precision training modes: cyclic precision (CPT); random sampling is
// quant/random_precision.h, which attacks share.
// Everything here is a pure function of (step, seed, settings), so every data-parallel rank computes the
// same bits for the same step without communicating, and a resumed run replays the same schedule.
//
// Cyclic shapes over periods of T optimizer steps (t = step mod T, rint = round half to even). T is
// CPT's code's int(total_steps / periods) by default (the last total_steps mod periods steps start one more
// period), or the exact fraction total_steps / periods:
//   cosine (CPT paper, default)  bits = rint(b_min + ½(b_max − b_min)(1 − cos(π·t/T)))    low → high, reset
//   triangular (seed 001)        bits = rint(b_min + (b_max − b_min)(1 − |2t/T − 1|))      low → high → low
//   cosine-updown                bits = rint(b_min + ½(b_max − b_min)(1 − cos(2π·t/T)))   low → high → low
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bitswitch/core/enum_names.h"

namespace bitswitch::train {

enum class CyclicShape { kCosine, kTriangular, kCosineUpDown };
inline constexpr core::EnumName<CyclicShape> kCyclicShapeNames[] = {
    {CyclicShape::kCosine, "cosine"},
    {CyclicShape::kTriangular, "triangular"},
    {CyclicShape::kCosineUpDown, "cosine-updown"}};

enum class CyclicPeriod { kCpt, kExact };
inline constexpr core::EnumName<CyclicPeriod> kCyclicPeriodNames[] = {{CyclicPeriod::kCpt, "cpt"},
                                                                      {CyclicPeriod::kExact, "exact"}};

struct CyclicSchedule {
    int b_min = 4, b_max = 8;
    int64_t total_steps = 1;   // optimizer steps of the run
    int periods         = 32;  // the CPT paper's default
    CyclicShape shape   = CyclicShape::kCosine;
    CyclicPeriod length = CyclicPeriod::kCpt;

    /// T, in optimizer steps.
    double period_length() const;
};

/// Bits at optimizer step `step` (0-based). InputError when periods exceed the steps or b_min > b_max.
int cyclic_bits(const CyclicSchedule& s, int64_t step);

/// Precision Range Test (named by the CPT paper, implemented in none of the seeds). The CPT paper raises the
/// precision from the lowest until training "starts to work"; here: given the mean training loss of a short
/// window at each candidate bit-width (bits ascending), the result is the first bit-width whose loss is lower
/// than the previous one's by more than `threshold` (relative: (L_prev − L)/L_prev > threshold); if no step
/// up helps that much, training already works at the lowest candidate, which is returned. InputError on
/// empty or unequal lists or bits not ascending. The result is the cyclic schedule's b_min.
int precision_range_test(const std::vector<int>& bits, const std::vector<double>& losses, double threshold);

}  // namespace bitswitch::train
