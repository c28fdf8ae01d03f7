// bitswitch eval / predict: EM/F1 of a model on a SQuAD file; the answer to one question.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

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
    int threads = 0;
};

text::BpeTokenizer tokenizer_for(const EvalConfig& c) {
    return text::BpeTokenizer::load(core::tokenizer_dir_for(c.tokenizer_dir, c.model_dir));
}

// The flags eval and predict share: the model, its tokenizer, windows, answer selection, threads.
void add_model_flags(CLI::App* cmd, EvalConfig& c) {
    cmd->add_option("--model,--model_name_or_path", c.model_dir, "Model folder (HF) or training run folder")->required();
    cmd->add_option("--tokenizer", c.tokenizer_dir, "Tokenizer folder (default: the model's, else the shipped GPT-2)");
    add_feature_flags(cmd, c.features);
    add_postprocess_flags(cmd, c.postprocess);
    cmd->add_option("--threads", c.threads, "Compute threads (0 = all cores)")->capture_default_str();
}

void run_eval(const EvalConfig& c) {
    data::SquadLoadOptions load;
    load.skip_invalid = c.skip_invalid;
    load.max_examples = c.max_eval_samples;
    const auto ds     = data::load_squad(c.validation_file, load);
    const auto tok      = tokenizer_for(c);
    const auto features = data::build_features(ds, tok, c.features);
    auto loaded         = model::load_model(c.model_dir);
    if (loaded.qa_head_initialized) {
        std::fprintf(stderr, "warning: %s has no trained qa_outputs head; its answers are random\n", c.model_dir.c_str());
    }
    eval::EvalOptions options;
    options.batch_size  = c.batch_size;
    options.postprocess = c.postprocess;
    const auto r        = eval::evaluate_qa(loaded.model, ds, features, options);
    if (!c.output_dir.empty()) {
        eval::write_eval_outputs(c.output_dir, r, {{"eval_samples", ds.examples.size()}, {"eval_seconds", r.seconds}});
    }
    std::printf("%s\n", r.metrics.dump().c_str());
}

void run_predict(const EvalConfig& c) {
    auto loaded  = model::load_model(c.model_dir);
    const auto p = eval::answer_question(loaded.model, tokenizer_for(c), c.question, c.context, c.features, c.postprocess);
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
    cmd->add_option("--output_dir", c->output_dir, "Write predictions.json, nbest_predictions.json, eval_results.json");
    cmd->add_option("--per_device_eval_batch_size", c->batch_size)->capture_default_str();
    cmd->add_option("--max_eval_samples", c->max_eval_samples, "Use the first N questions")->capture_default_str();
    cmd->add_flag("--skip-invalid", c->skip_invalid, "Drop questions whose answer_start is wrong instead of failing");
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
    cmd->callback([c] {
        data::validate(c->features);
        prepare_compute(c->threads);
        run_predict(*c);
    });
}

}  // namespace bitswitch::cli
