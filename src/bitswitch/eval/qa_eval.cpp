// eval and predict: loading, config resolution, evaluation, output files.
#include "bitswitch/eval/qa_eval.h"
#include "bitswitch/model/deployment_file.h"

#include <cctype>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/data/squad.h"
#include "bitswitch/eval/evaluator.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/text/bpe_tokenizer.h"

namespace bitswitch::eval {
namespace {

text::BpeTokenizer tokenizer_for(const QaModelConfig& c) {
    return model::load_tokenizer(c.tokenizer_dir, c.model_dir);
}

}  // namespace

std::string config_folder_name(const std::string& source) {
    const std::filesystem::path p(source);
    std::string s = p.has_extension() ? p.stem().string() : source;
    for (auto& ch : s) {
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-' && ch != '_') ch = '_';
    }
    return s;
}

QaEvalSet load_eval_set(const QaEvalConfig& c) {
    data::validate(c.features);
    data::SquadLoadOptions load;
    load.skip_invalid = c.skip_invalid;
    load.max_examples = c.max_eval_samples;
    QaEvalSet set;
    set.dataset = data::load_squad(c.validation_file, load);
    if (set.dataset.examples.empty())
        throw InputError(fmt::format("{}: no questions to evaluate", c.validation_file));
    set.features = data::build_features(set.dataset, tokenizer_for(c), c.features);
    return set;
}

std::vector<nlohmann::ordered_json> run_qa_eval(const QaEvalConfig& c) {
    const auto set       = load_eval_set(c);
    const auto& ds       = set.dataset;
    const auto& features = set.features;
    const auto loaded    = model::LoadedModel::load(c.model_dir, c.quant_override);
    loaded.model().set_engine(c.engine);
    if (loaded.qa_head_initialized()) {
        std::fprintf(stderr, "warning: %s has no trained qa_outputs head; its answers are random\n",
                     c.model_dir.c_str());
    }
    const auto configs = loaded.configs(c.precision, c.activate_lora_idx);
    EvalOptions options;
    options.batch_size  = c.batch_size;
    options.postprocess = c.postprocess;
    std::vector<nlohmann::ordered_json> rows;
    evaluate_configs(
        loaded.model(), ds, features, configs, options, [&](const auto& config, const EvalResult& r) {
            const auto size = loaded.size_of(config);
            const nlohmann::ordered_json extra{{"precision", config.source},
                                               {"avg_weight_bits", size.avg_weight_bits},
                                               {"model_bytes", size.bytes},
                                               {"eval_samples", ds.examples.size()},
                                               {"eval_seconds", r.seconds}};
            if (!c.output_dir.empty()) {
                const std::filesystem::path out(c.output_dir);
                write_eval_outputs(configs.size() == 1 ? out : out / config_folder_name(config.source), r,
                                   extra);
            }
            auto row = r.metrics;
            row.update(extra);
            if (configs.size() > 1)
                std::fprintf(stderr, "%s: %s\n", config.source.c_str(), r.metrics.dump().c_str());
            rows.push_back(std::move(row));
        });
    if (configs.size() > 1 && !c.output_dir.empty()) {
        core::write_file_atomic(std::filesystem::path(c.output_dir) / "eval_results.json",
                                nlohmann::ordered_json(rows).dump(2) + "\n");
    }
    return rows;
}

nlohmann::ordered_json answer_json(const ExamplePrediction& p) {
    const auto& best = p.nbest.front();
    return {{"answer", p.text},
            {"score", best.score},
            {"probability", best.probability},
            {"start", best.char_start},
            {"end", best.char_end}};
}

nlohmann::ordered_json run_predict(const PredictConfig& c) {
    data::validate(c.features);
    const auto loaded = model::LoadedModel::load(c.model_dir, c.quant_override);
    loaded.model().set_engine(c.engine);
    const auto config = loaded.configs(c.precision, c.activate_lora_idx).front();
    return answer_json(answer_question(loaded.model(), tokenizer_for(c), c.question, c.context, c.features,
                                       c.postprocess, &config));
}

}  // namespace bitswitch::eval
