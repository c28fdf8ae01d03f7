// What every attack command does before its first question: load the questions and the model (refusing a
// deployment file, whose packed integer weights have no gradients), resolve --craft_at and --eval_at into
// precision specs (defaults: the model's configs, evaluated where crafted, plus rpi when crafting is
// random) and the random precision they draw from; join the other ranks under torchrun.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bitswitch/attack/precision_spec.h"
#include "bitswitch/eval/qa_eval.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/parallel/process_group.h"

namespace bitswitch::attack {

struct RpiFlags {
    std::vector<std::string> levels;  // none: the model's trained levels
    std::vector<double> probabilities;
    quant::RandomGranularity granularity = quant::RandomGranularity::kLayer;
    int draws                            = 5;
    int eot_samples                      = 4;
};

/// Where an attack is crafted and evaluated, as the command line says it.
struct PrecisionFlags {
    std::vector<std::string> craft_at;  // configs, "rpi", "eot"; none = the model's default configs
    std::vector<std::string> eval_at;  // configs, "rpi"; none = craft_at's fixed configs, plus rpi if crafted
    // Seed 002's --attack_lora_idx / --eval_lora_idx: trained levels by index (0 = the highest), added
    // after craft_at / eval_at.
    std::vector<int> craft_level_idx, eval_level_idx;
    RpiFlags rpi;
};

struct AttackSetup {
    eval::QaEvalSet set;
    model::LoadedModel loaded;
    std::vector<PrecisionSpec> crafts, evaluations;
    RandomDefence defence;
    bool random = false;  // some spec draws random precisions
    // The ranks of a torchrun launch (WORLD_SIZE > 1), which split the attack's work; null in one process.
    std::unique_ptr<parallel::DataParallel> group;
    /// The rank that prints and writes: rank 0, or the one process.
    bool primary() const { return !group || group->rank() == 0; }
};

/// InputError on a bad flag, dataset, precision or level (one line naming it and the fix).
AttackSetup prepare_attack(const eval::QaEvalConfig& eval, const PrecisionFlags& precision, uint64_t seed);

/// What a report's budget records of the random precision, when one is used.
void describe_random(const AttackSetup& setup, nlohmann::ordered_json& budget);

}  // namespace bitswitch::attack
