// PGD against the language-model loss (`bitswitch attack lm`; seed 001's LM objective, what `bitswitch
// score` measures): window by window as score_tokens reads a text, every token's embedding may move within
// the eps ball (there is no answer to protect) to raise the mean next-token negative log-likelihood of the
// tokens the window scores. Reported: the clean and the adversarial perplexity at each precision.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/attack/pgd.h"
#include "bitswitch/eval/lm_score.h"
#include "bitswitch/eval/result_files.h"

namespace bitswitch::attack {

/// The text's score at `config` after PGD on each window's embeddings (budget in absolute units).
eval::LmScore pgd_lm_score(model::QuantModel& model, const std::vector<int32_t>& ids, int64_t width,
                           int64_t stride, const PgdOptions& options, double eps_abs, double alpha_abs,
                           const quant::PrecisionConfig& config, uint64_t seed);

struct LmAttackConfig {
    eval::ScoreConfig score;  // model, text file, tokenizer, stride, quantizer; precision: any number here
    PgdOptions pgd;
    std::string preset;  // replaces pgd when given
    uint64_t seed = 0;
};

struct LmAttackRow {
    std::string precision;
    eval::LmScore clean, adversarial;
    double seconds = 0;  // the attack at this precision
};

struct LmAttackReport {
    std::string model, file;
    nlohmann::ordered_json budget;
    std::vector<LmAttackRow> rows;
};

LmAttackReport run_lm_attack(const LmAttackConfig& config);

/// A markdown table or JSON lines (one per precision).
std::string format_lm_attack(const LmAttackReport& report, eval::OutputFormat format);

}  // namespace bitswitch::attack
