// What every attack command prints and writes: the crafted-at x evaluated-at cells as a markdown table, CSV
// or JSON lines (one line per cell, with the attack and its budget), and with --output_dir also one JSON
// line per question and cell (questions.jsonl) and the whole run (attack.json).
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "bitswitch/attack/attack_matrix.h"
#include "bitswitch/eval/result_files.h"

namespace bitswitch::attack {

struct AttackReport {
    std::string attack;             // "pgd"
    nlohmann::ordered_json budget;  // the attack's settings, as the user gave them and as applied
    std::string model;
    eval::BootstrapOptions bootstrap;
    MatrixResult matrix;
    bool primary = true;  // false on the ranks of a torchrun launch that neither print nor write
};

std::string format_attack(const AttackReport& report, eval::OutputFormat format);

/// attack.md, attack.csv, attack.jsonl, questions.jsonl and attack.json in `dir`, each written atomically.
void write_attack_outputs(const std::filesystem::path& dir, const AttackReport& report);

}  // namespace bitswitch::attack
