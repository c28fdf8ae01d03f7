// bitswitch eval / predict: EM/F1 of a model on a SQuAD file; the answer to one question.
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bitswitch/core/io.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/data/squad.h"
#include "bitswitch/eval/evaluator.h"
#include "bitswitch/model/adapters.h"
#include "cli/commands.h"
#include "cli/flags.h"

namespace bitswitch::cli {
namespace {

struct EvalConfig {
    std::string model_dir;
    std::string validation_file;
    std::string output_dir;
    std::string tokenizer_dir;
    std::string question, context;
    int batch_size           = 16;
    int64_t max_eval_samples = -1;
    bool skip_invalid        = false;
    data::FeatureOptions features;
    eval::PostprocessOptions postprocess;
    QuantFlags quant;
    PrecisionFlags precision;
    int threads = 0;
};

text::BpeTokenizer tokenizer_for(const EvalConfig& c) {
    return text::BpeTokenizer::load(core::tokenizer_dir_for(c.tokenizer_dir, c.model_dir));
}

// The flags eval and predict share: the model, its tokenizer, windows, answer selection, threads.
void add_model_flags(CLI::App* cmd, EvalConfig& c) {
    cmd->add_option("--model,--model_name_or_path", c.model_dir, "Model folder (HF) or training run folder")
        ->required();
    cmd->add_option("--tokenizer", c.tokenizer_dir,
                    "Tokenizer folder (default: the model's, else the shipped GPT-2)");
    add_feature_flags(cmd, c.features);
    add_postprocess_flags(cmd, c.postprocess);
    add_quant_flags(cmd, c.quant);
    cmd->add_option("--threads", c.threads, "Compute threads (0 = all cores)")->capture_default_str();
}

// The model with the command line's quantization settings, when given, replacing the run's.
model::LoadedModel load_for_eval(const EvalConfig& c) {
    auto loaded = model::load_model(c.model_dir);
    if (c.quant.given()) model::set_quant_settings(loaded, c.quant.settings());
    return loaded;
}

// A folder name for a config: its text with path separators and odd characters replaced.
std::string folder_name(const std::string& source) {
    std::string s = std::filesystem::path(source).has_extension()
                        ? std::filesystem::path(source).stem().string()
                        : source;
    for (auto& ch : s) {
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-' && ch != '_') ch = '_';
    }
    return s;
}

void run_eval(const EvalConfig& c) {
    data::SquadLoadOptions load;
    load.skip_invalid   = c.skip_invalid;
    load.max_examples   = c.max_eval_samples;
    const auto ds       = data::load_squad(c.validation_file, load);
    const auto tok      = tokenizer_for(c);
    const auto features = data::build_features(ds, tok, c.features);
    auto loaded         = load_for_eval(c);
    if (loaded.qa_head_initialized) {
        std::fprintf(stderr, "warning: %s has no trained qa_outputs head; its answers are random\n",
                     c.model_dir.c_str());
    }
    const auto configs =
        model::precision_configs(loaded, c.precision.precision, c.precision.activate_lora_idx);
    eval::EvalOptions options;
    options.batch_size             = c.batch_size;
    options.postprocess            = c.postprocess;
    nlohmann::ordered_json summary = nlohmann::ordered_json::array();
    for (const auto& config : configs) {
        loaded.model->set_precision(config);
        const auto r    = eval::evaluate_qa(loaded.model, ds, features, options);
        const auto size = model::model_size_of(loaded, config);
        const nlohmann::ordered_json extra{{"precision", config.source},
                                           {"avg_weight_bits", size.avg_weight_bits},
                                           {"model_bytes", size.bytes},
                                           {"eval_samples", ds.examples.size()},
                                           {"eval_seconds", r.seconds}};
        if (!c.output_dir.empty()) {
            const auto dir = configs.size() == 1
                                 ? std::filesystem::path(c.output_dir)
                                 : std::filesystem::path(c.output_dir) / folder_name(config.source);
            eval::write_eval_outputs(dir, r, extra);
        }
        auto row = r.metrics;
        row.update(extra);
        summary.push_back(row);
        if (configs.size() > 1)
            std::fprintf(stderr, "%s: %s\n", config.source.c_str(), r.metrics.dump().c_str());
    }
    if (configs.size() == 1) {
        std::printf("%s\n", summary[0].dump().c_str());
        return;
    }
    if (!c.output_dir.empty()) {
        core::write_file_atomic(std::filesystem::path(c.output_dir) / "eval_results.json",
                                summary.dump(2) + "\n");
    }
    std::printf("| precision | avg w bits | MB | EM | F1 |\n|---|---:|---:|---:|---:|\n");
    for (const auto& row : summary) {
        std::printf("| %s | %.2f | %.1f | %.2f | %.2f |\n", row["precision"].get<std::string>().c_str(),
                    row["avg_weight_bits"].get<double>(), row["model_bytes"].get<double>() / 1e6,
                    row.value("exact_match", row.value("exact", 0.0)), row["f1"].get<double>());
    }
}

void run_predict(const EvalConfig& c) {
    auto loaded = load_for_eval(c);
    loaded.model->set_precision(
        model::precision_configs(loaded, c.precision.precision, c.precision.activate_lora_idx).front());
    const auto p = eval::answer_question(loaded.model, tokenizer_for(c), c.question, c.context, c.features,
                                         c.postprocess);
    const auto& best = p.nbest.front();
    std::printf("%s\n", nlohmann::ordered_json{{"answer", p.text},
                                               {"score", best.score},
                                               {"probability", best.probability},
                                               {"start", best.char_start},
                                               {"end", best.char_end}}
                            .dump()
                            .c_str());
}

}  // namespace

void add_eval_command(CLI::App& app) {
    auto c        = std::make_shared<EvalConfig>();
    CLI::App* cmd = app.add_subcommand("eval", "EM/F1 of a model (+ adapters) on a SQuAD file");
    cmd->add_option("--config", "TOML file whose keys are the flag names below (flags given here win)");
    add_model_flags(cmd, *c);
    cmd->add_option("--validation_file", c->validation_file, "SQuAD v1.1/v2.0 JSON")->required();
    cmd->add_option("--output_dir", c->output_dir,
                    "Write predictions.json, nbest_predictions.json, eval_results.json");
    cmd->add_option("--per_device_eval_batch_size", c->batch_size)->capture_default_str();
    cmd->add_option("--max_eval_samples", c->max_eval_samples, "Use the first N questions")
        ->capture_default_str();
    cmd->add_flag("--skip-invalid", c->skip_invalid,
                  "Drop questions whose answer_start is wrong instead of failing");
    add_precision_flags(cmd, c->precision, /*many=*/true);
    cmd->callback([c] {
        data::validate(c->features);
        prepare_compute(c->threads);
        run_eval(*c);
    });
}

void add_predict_command(CLI::App& app) {
    auto c        = std::make_shared<EvalConfig>();
    CLI::App* cmd = app.add_subcommand("predict", "Answer one question about one context");
    add_model_flags(cmd, *c);
    cmd->add_option("--question", c->question, "The question")->required();
    cmd->add_option("--context", c->context, "The passage holding the answer")->required();
    add_precision_flags(cmd, c->precision, /*many=*/false);
    cmd->callback([c] {
        data::validate(c->features);
        prepare_compute(c->threads);
        run_predict(*c);
    });
}

}  // namespace bitswitch::cli
