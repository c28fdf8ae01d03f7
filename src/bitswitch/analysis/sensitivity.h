// `bitswitch sensitivity`: seed 000's protocol. From a uniform base config, each unit (or each block) in turn
// goes to each test level while the rest stays at the base; the measured cost is the F1 drop on the
// evaluation set, with a paired bootstrap interval. Beside it, two proxies that need far less:
//   kl      mean KL divergence of the start and end distributions from the base config's, on a calibration
//           set (the first calibration_samples windows; no answers needed), one forward per config
//   fisher  ½ Σ (∂L/∂y ⊙ (y_q − y))² over a unit's outputs y on the calibration set: a second-order Taylor
//           estimate of the loss increase with the Fisher diagonal from one backward pass at the base
//           (ModelOpt's auto_quantize score); y_q is the unit's output at the test level on the same input.
//           Linear and head units only (a K/V unit has no such output; its row shows none); a block sums
//           its units'.
// and each proxy's Spearman rank correlation with the measured drops.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bitswitch/analysis/sweep.h"
#include "bitswitch/eval/bootstrap.h"
#include "bitswitch/eval/qa_eval.h"
#include "bitswitch/model/loaded_model.h"

namespace bitswitch::analysis {

struct SensitivityConfig {
    eval::QaEvalConfig eval;               // model, data, windows, batch size
    std::string base = "8";                // the uniform base config
    std::vector<std::string> test_levels;  // levels each unit (or block) takes in turn
    VaryGranularity granularity = VaryGranularity::kUnit;
    int64_t calibration_samples = 128;    // windows for the proxies
    bool proxies_only           = false;  // skip the measured drops (no evaluation of every config)
    bool share_prefixes         = true;   // configs share the blocks before their change (eval/logits.h)
    eval::BootstrapOptions bootstrap;
    std::string output_dir;  // when given: sensitivity.md, .csv, .jsonl
};

struct SensitivityRow {
    std::string target;  // a unit ("h.3.mlp.c_fc") or a block ("h.3")
    std::string level;
    std::optional<eval::Interval> f1, f1_drop;  // measured (percent); drop = base F1 − this F1, paired
    double kl = 0;                              // mean KL(base ‖ config) of start and end distributions
    std::optional<double> fisher;               // none for K/V units
};

struct SensitivityResult {
    std::string base;
    std::optional<eval::Interval> base_f1;
    int64_t questions = 0, calibration_windows = 0;
    std::vector<SensitivityRow> rows;                    // target by target, each at every level
    std::optional<double> kl_spearman, fisher_spearman;  // with the measured drops
    bool primary = true;  // false on torchrun ranks other than 0: they neither print nor write
};

SensitivityResult run_sensitivity(const SensitivityConfig& config);

/// The Fisher proxy ½ Σ (∂L/∂y ⊙ (y_q − y))² of every target at each of its configs (configs[t][l]: the
/// base with target t at level l) on the calibration windows; none for a target without a linear unit.
std::vector<std::vector<std::optional<double>>> fisher_scores(
    model::QuantModel& model, const std::vector<data::QAFeature>& calibration, int batch_size,
    const quant::PrecisionConfig& base, const std::vector<VaryTarget>& targets,
    const std::vector<std::vector<quant::PrecisionConfig>>& configs);

/// The same analysis on a model already loaded and questions already windowed (tests, other analyses).
SensitivityResult sensitivity_of(const model::LoadedModel& loaded, const eval::QaEvalSet& set,
                                 const SensitivityConfig& config);

/// The rows of a sensitivity.jsonl (base_f1 and the correlations are not in it). InputError naming the file
/// and line when it is not one.
SensitivityResult read_sensitivity(const std::string& path);

std::string format_sensitivity(const SensitivityResult& result, eval::OutputFormat format);

}  // namespace bitswitch::analysis
