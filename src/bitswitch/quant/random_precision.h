// Random precision: a distribution over precision configs, drawn from afresh at every forward or step.
// Double-Win Quant (Fu et al., ICML 2021) trains with it (train --mode random) and defends with it at
// inference (random precision inference, RPI: attack/); seeds 000 and 001 do both. A draw picks, for the
// whole model, for each unit group (GPT-2: each block and the head) or for each unit, one of the levels
// with the given probabilities. Draws are a pure function of (seed, draw index), so data-parallel ranks, a
// resumed run, and a clean and an attacked evaluation that must meet the same precisions all agree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bitswitch/core/enum_names.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/units.h"

namespace bitswitch::quant {

enum class RandomGranularity { kLayer, kModel, kUnit };
inline constexpr core::EnumName<RandomGranularity> kRandomGranularityNames[] = {
    {RandomGranularity::kLayer, "layer"},
    {RandomGranularity::kModel, "model"},
    {RandomGranularity::kUnit, "unit"}};

/// For each of `slots` slots the index of a level in [0, levels), drawn with probabilities `probs` (uniform
/// when empty) from a generator seeded by (seed, draw). InputError when there are no levels or the
/// probabilities do not fit them.
std::vector<size_t> sample_levels(uint64_t seed, int64_t draw, size_t slots, size_t levels,
                                  const std::vector<double>& probs);

struct RandomPrecision {
    std::vector<PrecisionLevel> levels;  // what a draw picks from
    std::vector<double> probabilities;   // one per level (need not sum to 1); empty = uniform
    RandomGranularity granularity = RandomGranularity::kLayer;
    /// "rpi{8,4}/layer", with the probabilities when they are not uniform: "rpi{8:0.75,4:0.25}/model".
    std::string name() const;
};

/// InputError naming `where` unless there is a level, the probabilities (one per level) are non-negative
/// with a positive sum, and no level repeats.
void validate(const RandomPrecision& random, const std::string& where);

/// Draw number `draw` of `random` as a config for `units`, each unit with its level's adapter from
/// `adapters`; its source is the level's name (per model), the groups' levels joined by commas (per layer)
/// or "random#<draw>" (per unit).
PrecisionConfig sample_config(const RandomPrecision& random, const UnitList& units,
                              const AdapterSet& adapters, uint64_t seed, int64_t draw);

}  // namespace bitswitch::quant
