// `bitswitch eval` and `bitswitch predict` as library calls: load a model or run once, resolve the precision
// configs asked for, evaluate each on a SQuAD file (or answer one question), write the official output files.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/data/qa_features.h"
#include "bitswitch/eval/evaluator.h"
#include "bitswitch/eval/postprocess.h"
#include "bitswitch/quant/quant_settings.h"

namespace bitswitch::eval {

/// What eval and predict share: the model, its tokenizer, windows, answer selection, precision.
struct QaModelConfig {
    std::string model_dir;
    std::string tokenizer_dir;  // default: the model's, else the shipped GPT-2 files
    data::FeatureOptions features;
    PostprocessOptions postprocess;
    std::optional<quant::QuantSettings> quant_override;  // the --quant_* flags, when given
    quant::Engine engine = quant::Engine::kAuto;         // --engine
    std::vector<std::string> precision;  // configs as written; none = each trained level, or fp
    std::vector<int> activate_lora_idx;  // seed 002's form
};

struct QaEvalConfig : QaModelConfig {
    std::string validation_file;
    std::string task;        // "squad" or a GLUE task; empty: the run's recorded task (eval/glue_eval.h)
    std::string output_dir;  // empty: write nothing
    int batch_size           = EvalOptions{}.batch_size;
    int64_t max_eval_samples = -1;
    bool skip_invalid        = false;
};

/// The questions of an evaluation, loaded and windowed once.
struct QaEvalSet {
    data::SquadDataset dataset;
    std::vector<data::QAFeature> features;
};

/// Loads validation_file (first max_eval_samples questions) and builds its features with the model's
/// tokenizer. InputError when the file has no questions.
QaEvalSet load_eval_set(const QaEvalConfig& config);

/// One row per config: the metrics plus precision, avg_weight_bits, model_bytes, eval_samples, eval_seconds.
/// With output_dir: predictions, n-best and eval_results.json per config (in output_dir itself for one
/// config, in a subfolder named after it for several, plus a combined eval_results.json list).
std::vector<nlohmann::ordered_json> run_qa_eval(const QaEvalConfig& config);

struct PredictConfig : QaModelConfig {
    std::string question, context;
};

/// {"answer", "score", "probability", "start", "end"} of a prediction's best span (code point offsets into
/// its context): what `predict` prints and the server answers.
nlohmann::ordered_json answer_json(const ExamplePrediction& prediction);

/// answer_json of the one question's prediction.
nlohmann::ordered_json run_predict(const PredictConfig& config);

/// A folder name for a config: its text (a file's stem) with path separators and odd characters replaced.
std::string config_folder_name(const std::string& source);

}  // namespace bitswitch::eval
