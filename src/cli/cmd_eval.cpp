// bitswitch eval / predict: flags -> eval::QaEvalConfig / eval::PredictConfig -> eval::run_qa_eval /
// eval::run_predict; prints the result (one JSON line for one config, a markdown table for several).
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "bitswitch/core/runtime.h"
#include "bitswitch/eval/glue_eval.h"
#include "bitswitch/eval/qa_eval.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/hf_flags.h"

namespace bitswitch::cli {
namespace {

// The flags eval and predict share: the model, its tokenizer, windows, answer selection, quantization,
// precision, compute flags.
void add_model_flags(CLI::App* cmd, eval::QaModelConfig& c, QuantFlags& quant, ComputeFlags& compute,
                     bool many) {
    cmd->add_option("--model,--model_name_or_path", c.model_dir,
                    "Model folder (HF), training run folder or deployment file (export --format bitswitch)")
        ->required();
    cmd->add_option("--tokenizer", c.tokenizer_dir,
                    "Tokenizer folder (default: the model's, else the shipped GPT-2)");
    add_feature_flags(cmd, c.features);
    add_postprocess_flags(cmd, c.postprocess);
    add_quant_flags(cmd, quant);
    add_engine_flag(cmd, c.engine);
    add_precision_flags(cmd, c.precision, c.activate_lora_idx, many);
    add_compute_flags(cmd, compute);
}

void print_table(const std::vector<nlohmann::ordered_json>& rows) {
    std::printf("| precision | avg w bits | MB | EM | F1 |\n|---|---:|---:|---:|---:|\n");
    for (const auto& row : rows) {
        std::printf("| %s | %.2f | %.1f | %.2f | %.2f |\n", row["precision"].get<std::string>().c_str(),
                    row["avg_weight_bits"].get<double>(), row["model_bytes"].get<double>() / 1e6,
                    row.value("exact_match", row.value("exact", 0.0)), row["f1"].get<double>());
    }
}

// A GLUE evaluation's rows: each metric of the task with its interval.
void print_glue_table(const std::vector<nlohmann::ordered_json>& rows, data::GlueTask task) {
    const auto& metrics = data::glue_task_spec(task).metrics;
    std::printf("| precision | avg w bits | MB |");
    for (const auto& m : metrics) std::printf(" %s [95%% interval] |", m.c_str());
    std::printf("\n|---|---:|---:|");
    for (size_t i = 0; i < metrics.size(); ++i) std::printf("---:|");
    std::printf("\n");
    for (const auto& row : rows) {
        std::printf("| %s | %.2f | %.1f |", row["precision"].get<std::string>().c_str(),
                    row["avg_weight_bits"].get<double>(), row["model_bytes"].get<double>() / 1e6);
        for (const auto& m : metrics) {
            std::printf(" %.2f [%.2f, %.2f] |", row[m].get<double>(), row[m + "_low"].get<double>(),
                        row[m + "_high"].get<double>());
        }
        std::printf("\n");
    }
}

}  // namespace

void add_eval_command(CLI::App& app) {
    auto c        = std::make_shared<eval::QaEvalConfig>();
    auto quant    = std::make_shared<QuantFlags>();
    auto compute  = std::make_shared<ComputeFlags>();
    CLI::App* cmd = app.add_subcommand(
        "eval",
        "EM/F1 of a model (+ adapters) on a SQuAD file, or a classifier's GLUE metrics on a task's file");
    cmd->add_option("--config", "TOML file whose keys are the flag names below (flags given here win)");
    add_model_flags(cmd, *c, *quant, *compute, /*many=*/true);
    cmd->add_option("--validation_file", c->validation_file,
                    "SQuAD v1.1/v2.0 JSON, or the GLUE task's file (TSV or JSON lines) (required)");
    add_eval_task_flag(cmd, c->task);
    cmd->add_option("--output_dir", c->output_dir,
                    "Write predictions.json, nbest_predictions.json, eval_results.json");
    cmd->add_option("--per_device_eval_batch_size", c->batch_size)->capture_default_str();
    cmd->add_option("--max_eval_samples", c->max_eval_samples, "Use the first N questions")
        ->capture_default_str();
    add_bool_flag(cmd, "--skip-invalid", c->skip_invalid,
                  "Drop questions whose answer_start is wrong instead of failing");
    auto hf = std::make_shared<HfFlags>();
    add_hf_eval_flags(cmd, *hf);
    cmd->callback([c, quant, compute, hf] {
        prepare_compute(*compute);  // may re-execute the program: warnings after it print once
        apply_hf_eval_flags(*hf, c->validation_file);
        c->quant_override = quant->override_settings();
        const auto glue   = eval::glue_task_for(c->task, c->model_dir);
        const auto rows   = glue ? eval::run_glue_eval(*c, *glue) : eval::run_qa_eval(*c);
        if (rows.size() == 1)
            std::printf("%s\n", rows[0].dump().c_str());
        else if (glue)
            print_glue_table(rows, *glue);
        else
            print_table(rows);
    });
}

void add_predict_command(CLI::App& app) {
    auto c        = std::make_shared<eval::PredictConfig>();
    auto quant    = std::make_shared<QuantFlags>();
    auto compute  = std::make_shared<ComputeFlags>();
    CLI::App* cmd = app.add_subcommand("predict", "Answer one question about one context");
    add_model_flags(cmd, *c, *quant, *compute, /*many=*/false);
    cmd->add_option("--question", c->question, "The question")->required();
    cmd->add_option("--context", c->context, "The passage holding the answer")->required();
    cmd->callback([c, quant, compute] {
        c->quant_override = quant->override_settings();
        prepare_compute(*compute);
        std::printf("%s\n", eval::run_predict(*c).dump().c_str());
    });
}

}  // namespace bitswitch::cli
