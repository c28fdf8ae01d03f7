// One attack crafted at each of a list of precisions and evaluated at each of another: seed 002's Table 5
// (transfer across bit-widths) and the RPI comparison (transfer, per-step resampling, EOT; see
// precision_spec.h) are cells of this matrix. The questions run batched, longest windows first (batches split
// across ranks under torchrun); per batch
// the clean embeddings are evaluated once per evaluation precision, then each crafting precision crafts
// its adversarial embeddings once and every evaluation precision scores them. Per cell: clean and
// adversarial EM/F1 with bootstrap intervals over questions, the paired F1 change, the F1 drop in percent
// of the clean F1 and the success rate (the share of questions whose normalised answer changed), each
// averaged over RPI's passes where the evaluation is random.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/types.h>
#include <nlohmann/json.hpp>

#include "bitswitch/attack/precision_spec.h"
#include "bitswitch/attack/threat_model.h"
#include "bitswitch/data/batch.h"
#include "bitswitch/data/qa_features.h"
#include "bitswitch/data/squad.h"
#include "bitswitch/eval/bootstrap.h"
#include "bitswitch/eval/evaluator.h"
#include "bitswitch/eval/postprocess.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/parallel/process_group.h"

namespace bitswitch::attack {

/// Adversarial token embeddings (B, T, C) of one batch crafted at `craft`; attackable (B, T) is 1 where
/// the threat model allows a change; batch_index seeds what the crafter draws.
using Crafter = std::function<torch::Tensor(const data::Batch& batch, const torch::Tensor& attackable,
                                            const PrecisionSpec& craft, int64_t batch_index)>;

struct MatrixOptions {
    int batch_size = 16;
    eval::PostprocessOptions postprocess;
    eval::BootstrapOptions bootstrap;
    ThreatModel threat;
    bool show_progress = true;
    // Under torchrun: each rank runs its share of the batches (batch_ranks) and every rank ends with the
    // whole matrix, equal to one process's. Null: one process runs everything.
    parallel::DataParallel* group = nullptr;
};

/// One question in one cell; scores in [0, 1], averaged over the evaluation's passes; answers of pass 0.
struct QuestionOutcome {
    std::string id, clean_answer, adversarial_answer;
    double clean_em = 0, clean_f1 = 0, adversarial_em = 0, adversarial_f1 = 0, changed = 0;
};

struct AttackCell {
    std::string crafted_at, evaluated_at;
    int passes = 1;
    eval::Interval clean_em, clean_f1, adversarial_em, adversarial_f1;  // percent
    eval::Interval f1_change;                                           // adversarial - clean, paired
    double f1_drop_percent = 0;  // 100 (clean F1 - adversarial F1) / clean F1; 0 when clean F1 is 0
    double success_rate    = 0;  // percent of questions whose answer changed
    std::vector<QuestionOutcome> questions;
};

struct MatrixResult {
    std::vector<AttackCell> cells;  // crafted-at major, in the order given
    int64_t questions = 0, features = 0;
    double attackable_share = 0;            // attackable tokens over real tokens, averaged over windows
    std::vector<std::string> craft_labels;  // the crafting precisions, in order
    std::vector<double> craft_seconds;      // the time each took over all questions
    std::vector<nlohmann::ordered_json> craft_stats;  // per crafting precision, what the attack measured
                                                      // of its edits (text attacks), or empty
    double seconds = 0;                               // everything
};

/// The cell of questions scored clean and adversarially at one evaluation precision (one result per pass,
/// each over the same questions in the same order).
AttackCell make_cell(const std::string& crafted_at, const std::string& evaluated_at,
                     const std::vector<eval::EvalResult>& clean,
                     const std::vector<eval::EvalResult>& adversarial,
                     const eval::BootstrapOptions& bootstrap);

MatrixResult run_attack_matrix(const model::LoadedModel& loaded, const data::SquadDataset& dataset,
                               const std::vector<data::QAFeature>& features,
                               const std::vector<PrecisionSpec>& crafts,
                               const std::vector<PrecisionSpec>& evaluations, const RandomDefence& defence,
                               const MatrixOptions& options, const Crafter& crafter);

}  // namespace bitswitch::attack
