// Batched, gradient-free QA evaluation: features -> start/end logits -> n-best answers -> official EM/F1.
#pragma once

#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/data/qa_features.h"
#include "bitswitch/data/squad.h"
#include "bitswitch/eval/postprocess.h"
#include "bitswitch/model/gpt2.h"

namespace bitswitch::eval {

struct EvalOptions {
    int batch_size = 16;
    PostprocessOptions postprocess;
    bool show_progress = true;
};

struct EvalResult {
    std::vector<ExamplePrediction> predictions;
    nlohmann::ordered_json metrics;  // v1.1: exact_match, f1; v2.0: exact, f1, HasAns_*, NoAns_*
    double exact_match = 0.0, f1 = 0.0;
    double seconds = 0.0;
};

/// Start and end logits of every feature, (features x max_seq_length) each, row-major; positions past a
/// feature's real length hold the lowest float. Features are run longest first so batches pad little.
std::pair<std::vector<float>, std::vector<float>> predict_logits(model::Gpt2ForQuestionAnswering& model,
                                                                 const std::vector<data::QAFeature>& features,
                                                                 int batch_size, bool show_progress);

/// The answer to one question about one context (`bitswitch predict`): the best span of the n-best list.
ExamplePrediction answer_question(model::Gpt2ForQuestionAnswering& model, const text::BpeTokenizer& tokenizer,
                                  const std::string& question, const std::string& context,
                                  const data::FeatureOptions& features,
                                  const PostprocessOptions& postprocess);

/// Writes predictions.json, nbest_predictions.json and eval_results.json (the metrics plus `extra`) into
/// `dir`, each atomically.
void write_eval_outputs(const std::filesystem::path& dir, const EvalResult& result,
                        const nlohmann::ordered_json& extra = nlohmann::ordered_json::object());

/// Runs the model in eval mode (restoring the previous mode), post-processes and scores.
EvalResult evaluate_qa(model::Gpt2ForQuestionAnswering& model, const data::SquadDataset& dataset,
                       const std::vector<data::QAFeature>& features, const EvalOptions& options);

}  // namespace bitswitch::eval
