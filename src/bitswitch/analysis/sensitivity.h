// `bitswitch sensitivity`: seed 000's protocol. From a uniform base config, each unit (or each block) in turn
// goes to each test level while the rest stays at the base; the measured cost is the drop of the task's
// metric on the evaluation set (SQuAD: F1; a GLUE task: its main metric, analysis/glue_sensitivity.h), with
// a paired bootstrap interval. Beside it, two proxies that need far less:
//   kl      mean KL divergence of the head's distributions from the base config's (QA: start and end; a
//           classifier: its classes; a one-output head, STS-B: the squared change of its score), on a
//           calibration set (the first calibration_samples windows or rows), one forward per config
//   fisher  ½ Σ (∂L/∂y ⊙ (y_q − y))² over a unit's outputs y on the calibration set: a second-order Taylor
//           estimate of the increase of the task loss (eval/task_loss.h) with the Fisher diagonal from one
//           backward pass at the base
//           (ModelOpt's auto_quantize score); y_q is the unit's output at the test level on the same input.
//           Linear and head units only (a K/V unit has no such output; its row shows none); a block sums
//           its units'.
// and each proxy's Spearman rank correlation with the measured drops.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bitswitch/analysis/sweep.h"
#include "bitswitch/data/batch.h"
#include "bitswitch/eval/bootstrap.h"
#include "bitswitch/eval/qa_eval.h"
#include "bitswitch/model/loaded_model.h"

namespace bitswitch::analysis {

struct SensitivityConfig {
    eval::QaEvalConfig eval;               // model, data (SQuAD or a GLUE task), windows, batch size
    std::string base = "8";                // the uniform base config
    std::vector<std::string> test_levels;  // levels each unit (or block) takes in turn
    VaryGranularity granularity = VaryGranularity::kUnit;
    int64_t calibration_samples = 128;    // windows (GLUE: rows) for the proxies
    bool proxies_only           = false;  // skip the measured drops (no evaluation of every config)
    bool share_prefixes         = true;   // configs share the blocks before their change (eval/logits.h)
    eval::BootstrapOptions bootstrap;
    std::string output_dir;  // when given: sensitivity.md, .csv, .jsonl
};

struct SensitivityRow {
    std::string target;  // a unit ("h.3.mlp.c_fc") or a block ("h.3")
    std::string level;
    // Measured (percent): the result's metric, and drop = base − this, paired over the same examples.
    std::optional<eval::Interval> score, drop;
    double kl = 0;                 // mean KL(base ‖ config) of the head's distributions (see above)
    std::optional<double> fisher;  // none for K/V units
};

struct SensitivityResult {
    std::string base;
    std::string metric = "f1";  // what was measured: QA's F1, or the GLUE task's main metric
    std::optional<eval::Interval> base_score;
    int64_t examples = 0, calibration_windows = 0;       // questions or GLUE rows; windows or rows
    std::vector<SensitivityRow> rows;                    // target by target, each at every level
    std::optional<double> kl_spearman, fisher_spearman;  // with the measured drops
    bool primary = true;  // false on torchrun ranks other than 0: they neither print nor write
};

/// Loads the model and the evaluation set (SQuAD, or the GLUE task of eval.task or of the run), analyses,
/// writes output_dir when given.
SensitivityResult run_sensitivity(const SensitivityConfig& config);

/// What an analysis runs: the base, the targets, and configs[t][l], the base with target t at test level l,
/// each checked against the model. InputError when there are no test levels or no calibration samples.
struct SensitivityPlan {
    quant::PrecisionConfig base;
    std::vector<VaryTarget> targets;
    std::vector<std::vector<quant::PrecisionConfig>> configs;
};
SensitivityPlan plan_sensitivity(const model::LoadedModel& loaded, const SensitivityConfig& config);

/// The Fisher proxy ½ Σ (∂L/∂y ⊙ (y_q − y))² of every target at each of its configs on the calibration
/// batches (QA windows or GLUE rows, with their labels); none for a target without a linear unit.
std::vector<std::vector<std::optional<double>>> fisher_scores(model::QuantModel& model,
                                                              const std::vector<data::Batch>& calibration,
                                                              const SensitivityPlan& plan);

/// QA windows as the Fisher proxy's batches: longest first, as evaluations run, so that batches pad little.
std::vector<data::Batch> qa_calibration_batches(const std::vector<data::QAFeature>& calibration,
                                                int batch_size);

/// KL(softmax(p_logits) ‖ softmax(q_logits)) over n logits, in float64.
double kl_divergence(const float* p_logits, const float* q_logits, int64_t n);

/// The Spearman correlations of each proxy with the measured drops, when the rows have drops.
void add_rank_correlations(SensitivityResult& result);

/// The same analysis on a model already loaded and questions already windowed (tests, other analyses).
SensitivityResult sensitivity_of(const model::LoadedModel& loaded, const eval::QaEvalSet& set,
                                 const SensitivityConfig& config);

/// The rows of a sensitivity.jsonl (base_score and the correlations are not in it). InputError naming the
/// file and line when it is not one.
SensitivityResult read_sensitivity(const std::string& path);

std::string format_sensitivity(const SensitivityResult& result, eval::OutputFormat format);

}  // namespace bitswitch::analysis
