// Batched, gradient-free evaluation of a sequence classifier on a GLUE task (eval/glue_metric.h), at one
// precision config or several: logits -> a class per example (the arg-max), or for STS-B the one output as
// the similarity score -> the task's GLUE metrics, each with its bootstrap interval over examples.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/data/glue.h"
#include "bitswitch/data/glue_features.h"
#include "bitswitch/eval/bootstrap.h"
#include "bitswitch/eval/glue_metric.h"
#include "bitswitch/model/quant_model.h"

namespace bitswitch::eval {

struct ClassificationEvalOptions {
    int batch_size     = 32;
    bool show_progress = true;
    BootstrapOptions bootstrap;
};

struct ClassificationEvalResult {
    GluePredictions predictions;
    std::vector<float> logits;               // the head's outputs, examples x outputs, in file order
    std::map<std::string, Interval> scores;  // per metric of the task, in percent
    /// {"accuracy": 91.2, "accuracy_low": 89.0, "accuracy_high": 93.1, ...} in the task's metric order.
    nlohmann::ordered_json metrics;
    double seconds = 0.0;
};

/// The classifier's predictions on `features` (built from `dataset`) at each config, scored. InputError
/// when the model has no classification head, its number of outputs does not fit the task (STS-B: 1), or
/// the dataset is unlabeled.
std::vector<ClassificationEvalResult> evaluate_classifier(model::QuantModel& model,
                                                          const data::GlueDataset& dataset,
                                                          const data::GlueFeatures& features,
                                                          const std::vector<quant::PrecisionConfig>& configs,
                                                          const ClassificationEvalOptions& options = {});

/// `dir`/eval_results.json (the metrics and `extra`) and `dir`/predictions.json (per example in file order:
/// its line, the predicted label name, or the score for STS-B), each written atomically.
void write_classification_outputs(const std::filesystem::path& dir, const data::GlueDataset& dataset,
                                  const ClassificationEvalResult& result,
                                  const nlohmann::ordered_json& extra = nlohmann::ordered_json::object());

}  // namespace bitswitch::eval
