// The crafted-at x evaluated-at matrix of a text attack (GBDA, the word-level QA attack). Unlike PGD's
// embeddings, a text attack's result is text: each crafting precision turns every question into an
// adversarial question (adversarial_text.h), which is tokenized and windowed like any SQuAD file and scored
// at each evaluation precision next to the clean questions. The cells are attack_matrix.h's, so the tables,
// files and the report's heatmap are the same for every attack.
#pragma once

#include <functional>
#include <vector>

#include "bitswitch/attack/adversarial_text.h"
#include "bitswitch/attack/attack_matrix.h"
#include "bitswitch/eval/qa_eval.h"
#include "bitswitch/text/bpe_tokenizer.h"

namespace bitswitch::attack {

/// The adversarial version of question `example` crafted at `craft`.
using TextCrafter = std::function<AdversarialQuestion(size_t example, const PrecisionSpec& craft)>;

struct TextAttackResult {
    MatrixResult matrix;
    std::vector<std::vector<AdversarialQuestion>> crafted;  // per crafting precision, every question
};

/// Scores every question of `dataset` at `spec`'s pass `pass`: batches of options.batch_size questions in
/// dataset order (all their windows), batch b at evaluation_config(spec, defence, loaded, b, pass), so that
/// a clean and an adversarial dataset of the same questions meet the same draws.
eval::EvalResult evaluate_at(const model::LoadedModel& loaded, const data::SquadDataset& dataset,
                             const std::vector<data::QAFeature>& features, const PrecisionSpec& spec,
                             const RandomDefence& defence, int pass, const MatrixOptions& options);

/// `clean` holds the questions and their features (built with `tokenizer` and `feature_options`, which the
/// adversarial questions are windowed with too).
TextAttackResult run_text_attack_matrix(const model::LoadedModel& loaded, const text::BpeTokenizer& tokenizer,
                                        const data::FeatureOptions& feature_options,
                                        const eval::QaEvalSet& clean,
                                        const std::vector<PrecisionSpec>& crafts,
                                        const std::vector<PrecisionSpec>& evaluations,
                                        const RandomDefence& defence, const MatrixOptions& options,
                                        const TextCrafter& crafter);

}  // namespace bitswitch::attack
