// eval on a GLUE task: loading, framing, evaluation, output files.
#include "bitswitch/eval/glue_eval.h"

#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/data/glue_features.h"
#include "bitswitch/eval/classification_eval.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/model/roberta.h"
#include "bitswitch/model/run_metadata.h"

namespace bitswitch::eval {

std::optional<data::GlueTask> glue_task_for(const std::string& task_flag, const std::string& model_dir) {
    if (!task_flag.empty()) {
        if (task_flag == "squad") return std::nullopt;
        return data::glue_task_from_name(task_flag);
    }
    if (!std::filesystem::is_directory(model_dir)) return std::nullopt;  // a deployment file: QA
    const auto run = model::read_run_metadata(model_dir);
    if (run.task.empty() || run.task == "squad") return std::nullopt;
    return data::glue_task_from_name(run.task,
                                     (std::filesystem::path(model_dir) / "bitswitch.json").string());
}

GlueEvalSet load_glue_eval_set(const QaEvalConfig& c, const model::LoadedModel& loaded, data::GlueTask task) {
    const auto encoder = std::dynamic_pointer_cast<model::RobertaForTaskImpl>(loaded.model_ptr());
    if (!encoder) {
        throw InputError(fmt::format("--task {}: {} is not an encoder with a classification head",
                                     core::enum_name(data::kGlueTaskNames, task), c.model_dir));
    }
    if (loaded.qa_head_initialized()) {
        std::fprintf(stderr, "warning: %s has no trained classifier; its predictions are random\n",
                     c.model_dir.c_str());
    }
    data::GlueLoadOptions load;
    load.max_examples = c.max_eval_samples;
    GlueEvalSet set;
    set.dataset = data::load_glue(c.validation_file, task, load);
    if (set.dataset.examples.empty())
        throw InputError(fmt::format("{}: no rows to evaluate", c.validation_file));
    set.features = data::EncoderFraming(c.tokenizer_dir, c.model_dir, c.features.max_seq_length,
                                        encoder->roberta->config.max_tokens())
                       .features(set.dataset);
    return set;
}

std::vector<nlohmann::ordered_json> run_glue_eval(const QaEvalConfig& c, data::GlueTask task) {
    const auto loaded = model::LoadedModel::load(c.model_dir, c.quant_override);
    loaded.model().set_engine(c.engine);
    const auto [dataset, features] = load_glue_eval_set(c, loaded, task);
    const auto configs             = loaded.configs(c.precision, c.activate_lora_idx);
    ClassificationEvalOptions options;
    options.batch_size = c.batch_size;
    const auto results = evaluate_classifier(loaded.model(), dataset, features, configs, options);
    std::vector<nlohmann::ordered_json> rows;
    for (size_t i = 0; i < configs.size(); ++i) {
        const auto size = loaded.size_of(configs[i]);
        const nlohmann::ordered_json extra{{"precision", configs[i].source},
                                           {"avg_weight_bits", size.avg_weight_bits},
                                           {"model_bytes", size.bytes},
                                           {"eval_samples", dataset.examples.size()}};
        if (!c.output_dir.empty()) {
            const std::filesystem::path out(c.output_dir);
            write_classification_outputs(
                configs.size() == 1 ? out : out / config_folder_name(configs[i].source), dataset, results[i],
                extra);
        }
        auto row = results[i].metrics;
        row.update(extra);
        row["eval_seconds"] = results[i].seconds;
        rows.push_back(std::move(row));
    }
    if (configs.size() > 1 && !c.output_dir.empty()) {
        core::write_file_atomic(std::filesystem::path(c.output_dir) / "eval_results.json",
                                nlohmann::ordered_json(rows).dump(2) + "\n");
    }
    return rows;
}

}  // namespace bitswitch::eval
