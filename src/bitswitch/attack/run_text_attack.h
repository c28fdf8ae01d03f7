// `bitswitch attack gbda` and `attack word` as library calls: load the model and questions once, turn every
// question into an adversarial one at each --craft_at precision, evaluate the adversarial questions next to
// the clean ones at each --eval_at precision, print and write the matrix (attack_table.h) and, with
// --output_dir, each crafting precision's adversarial questions as a SQuAD file (adversarial_text.h).
#pragma once

#include <string>
#include <vector>

#include "bitswitch/attack/attack_setup.h"
#include "bitswitch/attack/attack_table.h"
#include "bitswitch/attack/gbda.h"
#include "bitswitch/attack/text_attack_matrix.h"
#include "bitswitch/attack/word_attack.h"

namespace bitswitch::attack {

struct TextAttackConfig {
    eval::QaEvalConfig eval;   // model, questions, windows, batch size (eval.precision is unused)
    PrecisionFlags precision;  // --craft_at, --eval_at, the levels rpi draws from
    uint64_t seed = 0;
    eval::BootstrapOptions bootstrap;
    std::string output_dir;  // attack.{md,csv,jsonl}, questions.jsonl, attack.json, adversarial-<craft>.json
};

struct GbdaAttackConfig : TextAttackConfig {
    GbdaOptions gbda;
};

AttackReport run_gbda_attack(const GbdaAttackConfig& config);

struct WordAttackConfig : TextAttackConfig {
    WordAttackOptions word;
    std::string wordnet_dir;  // default: text::WordNet::default_dir()
};

AttackReport run_word_attack(const WordAttackConfig& config);

/// The file a crafting precision's adversarial questions go to in the output folder.
std::string adversarial_file_name(const std::string& craft_label);

/// Means over questions of each number and flag of the attack's per-question records ("mean_<key>").
nlohmann::ordered_json record_means(const std::vector<AdversarialQuestion>& questions);

}  // namespace bitswitch::attack
