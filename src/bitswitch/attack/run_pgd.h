// `bitswitch attack pgd` as a library call: load the model and questions once, craft PGD perturbations of
// the context embeddings at each --craft_at precision, evaluate them at each --eval_at precision, print and
// write the matrix (attack_table.h).
#pragma once

#include <string>
#include <vector>

#include "bitswitch/attack/attack_setup.h"
#include "bitswitch/attack/attack_table.h"
#include "bitswitch/attack/pgd.h"
#include "bitswitch/attack/precision_spec.h"
#include "bitswitch/attack/threat_model.h"
#include "bitswitch/eval/qa_eval.h"

namespace bitswitch::attack {

struct PgdAttackConfig {
    eval::QaEvalConfig eval;  // model, questions, windows, batch size (eval.precision is unused)
    PgdOptions pgd;
    std::string preset;  // replaces pgd when given
    ThreatModel threat;
    PrecisionFlags precision;  // --craft_at, --eval_at, the levels rpi draws from
    uint64_t seed = 0;         // random starts and precision draws
    eval::BootstrapOptions bootstrap;
    std::string output_dir;  // attack.{md,csv,jsonl}, questions.jsonl, attack.json
};

/// The whole run; InputError on a bad budget, precision, level or dataset.
AttackReport run_pgd_attack(const PgdAttackConfig& config);

}  // namespace bitswitch::attack
