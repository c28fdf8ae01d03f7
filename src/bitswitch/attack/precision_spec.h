// The precision an attack is crafted at and the precision its result is evaluated at, side by side, because
// against a randomised defence the attacker's choice decides the number (docs/ROBUSTNESS.md):
//   crafted at   a fixed config       the transfer attack of seed 000 when evaluated under RPI
//                "rpi"                one fresh draw of the random precision per step (seed 001)
//                "eot"                the gradient averaged over K draws per step: expectation over
//                                     transformation, the adaptive attack and the honest number
//   evaluated at a fixed config
//                "rpi"                random precision inference: a fresh draw per forward (per batch),
//                                     repeated over `draws` passes; the scores are their expectation
// Draws come from quant/random_precision.h with separate seed streams for crafting and evaluating, so the
// attacker never sees the draws it is evaluated at; clean and adversarial evaluations meet the same draws.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bitswitch/model/loaded_model.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/random_precision.h"

namespace bitswitch::attack {

enum class SpecKind { kFixed, kRandom, kExpectation };

struct PrecisionSpec {
    SpecKind kind = SpecKind::kFixed;
    std::string label;             // the config as written, "rpi" or "eot"
    quant::PrecisionConfig fixed;  // kFixed only
};

/// The random precision of "rpi" and "eot" and how often they draw.
struct RandomDefence {
    quant::RandomPrecision random;
    int draws       = 5;  // evaluation passes under RPI
    int eot_samples = 4;  // K: draws per attack step of "eot"
    uint64_t seed   = 0;
};

/// Each text as a spec: "rpi", "eot" (only when `crafting`) or any precision config of `loaded`. InputError
/// naming `flag` and the text otherwise.
std::vector<PrecisionSpec> parse_specs(const std::vector<std::string>& texts,
                                       const model::LoadedModel& loaded, bool crafting,
                                       const std::string& flag);

/// The levels "rpi" draws from, each written like a config ("8", "w4a8"); none = the model's trained
/// levels. InputError when there are none to draw from, or a level is not one the model has.
/// The names of the model's trained levels at `indices` (0 = the highest precision), for seed 002's
/// --attack_lora_idx / --eval_lora_idx. InputError naming `flag` for a model without trained levels or an
/// index out of range.
std::vector<std::string> trained_level_names(const std::vector<int>& indices,
                                             const model::LoadedModel& loaded, const std::string& flag);

std::vector<quant::PrecisionLevel> rpi_levels(const std::vector<std::string>& texts,
                                              const model::LoadedModel& loaded);

/// The configs step `step` of restart `restart` averages its gradient over, crafting at `spec` for batch
/// `batch`: the fixed config, one draw (rpi) or eot_samples draws (eot).
std::vector<quant::PrecisionConfig> crafting_configs(const PrecisionSpec& spec, const RandomDefence& defence,
                                                     const model::LoadedModel& loaded, int64_t batch,
                                                     int restart, int step);

/// Evaluation passes of `spec`: 1 for a fixed config, defence.draws for rpi.
int evaluation_passes(const PrecisionSpec& spec, const RandomDefence& defence);

/// The config pass `pass` of `spec` runs batch `batch` at.
quant::PrecisionConfig evaluation_config(const PrecisionSpec& spec, const RandomDefence& defence,
                                         const model::LoadedModel& loaded, int64_t batch, int pass);

}  // namespace bitswitch::attack
