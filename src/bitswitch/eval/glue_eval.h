// `bitswitch eval` on a GLUE task: load a classifier (a fine-tuned encoder folder, a GLUE training run, full
// or LoRA), frame the task's file with the encoder's tokenizer, evaluate each precision config asked for
// (eval/classification_eval.h) and write the result files. The task comes from --task or from what the
// training run recorded.
#pragma once

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/data/glue.h"
#include "bitswitch/data/glue_features.h"
#include "bitswitch/eval/qa_eval.h"
#include "bitswitch/model/loaded_model.h"

namespace bitswitch::eval {

/// The GLUE task an evaluation is for: `task_flag` when given ("squad": none), else the task the model's
/// training run recorded in bitswitch.json; nullopt for extractive QA.
std::optional<data::GlueTask> glue_task_for(const std::string& task_flag, const std::string& model_dir);

/// A GLUE task's evaluation file (config.validation_file, its first max_eval_samples rows) framed for
/// `loaded`'s encoder (data::EncoderFraming). InputError when the model is not an encoder with a
/// classification head or the file has no rows; a warning when its classifier was never trained.
struct GlueEvalSet {
    data::GlueDataset dataset;
    data::GlueFeatures features;
};
GlueEvalSet load_glue_eval_set(const QaEvalConfig& config, const model::LoadedModel& loaded,
                               data::GlueTask task);

/// One row per config: the task's metrics with their intervals (metric, metric_low, metric_high, in
/// percent) plus precision, avg_weight_bits, model_bytes, eval_samples, eval_seconds. With output_dir:
/// eval_results.json and predictions.json per config (in output_dir for one config, in a subfolder named
/// after it for several, plus a combined eval_results.json list).
std::vector<nlohmann::ordered_json> run_glue_eval(const QaEvalConfig& config, data::GlueTask task);

}  // namespace bitswitch::eval
