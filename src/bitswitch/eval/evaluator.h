// Batched, gradient-free QA evaluation of any QuantModel: features -> start/end logits -> n-best answers ->
// official EM/F1, at one precision config or a list of them (the one sweep loop every command and the
// trainer's evaluations use).
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/data/qa_features.h"
#include "bitswitch/data/squad.h"
#include "bitswitch/eval/logits.h"
#include "bitswitch/eval/postprocess.h"
#include "bitswitch/eval/squad_metric.h"
#include "bitswitch/model/quant_model.h"
#include "bitswitch/text/bpe_tokenizer.h"

namespace bitswitch::eval {

struct EvalOptions {
    int batch_size = 16;
    PostprocessOptions postprocess;
    bool show_progress = true;
    /// evaluate_configs: configs that agree on the first stages (GPT-2: blocks) share them, per batch.
    bool share_prefixes = true;
};

struct EvalResult {
    std::vector<ExamplePrediction> predictions;
    nlohmann::ordered_json metrics;  // v1.1: exact_match, f1; v2.0: exact, f1, HasAns_*, NoAns_*
    double exact_match = 0.0, f1 = 0.0;
    std::vector<double> question_em, question_f1;  // each question's score in [0, 1], dataset order
    double seconds = 0.0;
};

/// The answer to one question about one context (`bitswitch predict`): the best span of the n-best list.
ExamplePrediction answer_question(model::QuantModel& model, const text::BpeTokenizer& tokenizer,
                                  const std::string& question, const std::string& context,
                                  const data::FeatureOptions& features, const PostprocessOptions& postprocess,
                                  const quant::PrecisionConfig* precision = nullptr);

/// One question about one context, for answer_questions.
struct QuestionContext {
    std::string question, context;
};

/// The answers to several questions (each about its own context) in one forward at `precision`, in order:
/// what a server's batch runs. Each equals answer_question's for the same inputs up to float rounding of
/// the batch's padding.
std::vector<ExamplePrediction> answer_questions(model::QuantModel& model, const text::BpeTokenizer& tokenizer,
                                                const std::vector<QuestionContext>& questions,
                                                const data::FeatureOptions& features,
                                                const PostprocessOptions& postprocess,
                                                const quant::PrecisionConfig* precision = nullptr);

/// Writes predictions.json, nbest_predictions.json and eval_results.json (the metrics plus `extra`) into
/// `dir`, each atomically.
void write_eval_outputs(const std::filesystem::path& dir, const EvalResult& result,
                        const nlohmann::ordered_json& extra = nlohmann::ordered_json::object());

/// The official EM/F1 of `answers` (v2.0's script when `v2`, else v1.1's): metrics, overall figures and each
/// question's scores; no predictions, no time.
EvalResult score_answers(const data::SquadDataset& dataset, const Predictions& answers, bool v2,
                         const WarnFn& warn = {});

/// Post-processes logits (as predict_logits returns them) into answers and scores them; `seconds` is this
/// step's time only.
EvalResult score_logits(const data::SquadDataset& dataset, const std::vector<data::QAFeature>& features,
                        const std::vector<float>& start_logits, const std::vector<float>& end_logits,
                        const PostprocessOptions& postprocess);

/// Runs the model without gradients at `precision` (the default when null), post-processes and scores.
EvalResult evaluate_qa(model::QuantModel& model, const data::SquadDataset& dataset,
                       const std::vector<data::QAFeature>& features, const EvalOptions& options,
                       const quant::PrecisionConfig* precision = nullptr);

/// evaluate_qa at each config: the configs run together over the batches (eval/logits.h: sharing their
/// common stages with options.share_prefixes, as many at a time as hold their logits in about 1 GiB);
/// `on_result` (optional) sees each result as soon as it is scored (for logs and files).
std::vector<EvalResult> evaluate_configs(
    model::QuantModel& model, const data::SquadDataset& dataset, const std::vector<data::QAFeature>& features,
    const std::vector<quant::PrecisionConfig>& configs, const EvalOptions& options,
    const std::function<void(const quant::PrecisionConfig&, const EvalResult&)>& on_result = {});

}  // namespace bitswitch::eval
