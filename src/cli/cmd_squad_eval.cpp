// bitswitch squad-eval DATASET PREDICTIONS: the official SQuAD EM/F1 (v1.1, or v2.0 with HasAns/NoAns),
// and with --compare OTHER the paired bootstrap difference of the two prediction files on the same questions.
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/data/squad.h"
#include "bitswitch/eval/bootstrap.h"
#include "bitswitch/eval/evaluator.h"
#include "bitswitch/eval/squad_metric.h"
#include "cli/analysis_flags.h"
#include "cli/commands.h"

namespace bitswitch::cli {
namespace {

struct SquadEvalConfig {
    std::string dataset;
    std::string predictions;
    std::string compare;  // a second predictions file: PREDICTIONS minus it, paired over the questions
    eval::BootstrapOptions bootstrap;
    std::string out_file;
};

nlohmann::ordered_json interval_json(const eval::Interval& i) {
    return {{"estimate", 100 * i.estimate}, {"low", 100 * i.low}, {"high", 100 * i.high}};
}

// The official script's summary and each question's scores; like the v2.0 script, the HasAns/NoAns
// figures only where the dataset has such questions.
eval::EvalResult score(const data::SquadDataset& dataset, const eval::Predictions& predictions,
                       const eval::WarnFn& warn) {
    auto r = eval::score_answers(dataset, predictions, dataset.is_v2(), warn);
    for (const char* part : {"HasAns", "NoAns"}) {
        const std::string total = std::string(part) + "_total";
        if (!r.metrics.contains(total) || r.metrics[total].get<int64_t>() > 0) continue;
        for (const char* figure : {"_exact", "_f1", "_total"}) r.metrics.erase(std::string(part) + figure);
    }
    return r;
}

eval::Predictions load_predictions(const std::string& path) {
    const nlohmann::json j = core::read_json_file(path);
    if (!j.is_object()) {
        throw InputError(fmt::format("{}: expected an object {{\"question id\": \"answer\", ...}}, got {}",
                                     path, j.type_name()));
    }
    eval::Predictions predictions;
    for (const auto& [id, answer] : j.items()) {
        if (!answer.is_string()) {
            throw InputError(
                fmt::format("{}: the answer of \"{}\" must be a string, got {}", path, id, answer.dump()));
        }
        predictions[id] = answer.get<std::string>();
    }
    return predictions;
}

void run_squad_eval(const SquadEvalConfig& c) {
    data::SquadLoadOptions load;
    load.check_answer_spans = false;  // like the official script: only the answer texts matter here
    const auto dataset      = data::load_squad(c.dataset, load);
    const auto predictions  = load_predictions(c.predictions);
    const auto warn   = [](const std::string& line) { std::fprintf(stderr, "warning: %s\n", line.c_str()); };
    const auto scored = score(dataset, predictions, warn);
    nlohmann::ordered_json result = scored.metrics;
    if (!c.compare.empty()) {
        const auto other           = load_predictions(c.compare);
        const auto theirs          = score(dataset, other, warn);
        result["compare"]          = c.compare;
        result["exact_match_diff"] = interval_json(
            eval::bootstrap_paired_difference(scored.question_em, theirs.question_em, c.bootstrap));
        result["f1_diff"] = interval_json(
            eval::bootstrap_paired_difference(scored.question_f1, theirs.question_f1, c.bootstrap));
        int64_t changed = 0;
        for (const auto& q : dataset.examples) {
            const auto a = predictions.find(q.id), b = other.find(q.id);
            const bool differ = (a == predictions.end()) != (b == other.end()) ||
                                (a != predictions.end() && b != other.end() && a->second != b->second);
            changed += differ ? 1 : 0;
        }
        result["answers_differ"] = changed;
        result["confidence"]     = c.bootstrap.confidence;
    }
    const std::string text = result.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
    if (!c.out_file.empty()) core::write_file_atomic(c.out_file, text + "\n");
    std::printf("%s\n", text.c_str());
}

}  // namespace

void add_squad_eval_command(CLI::App& app) {
    auto config   = std::make_shared<SquadEvalConfig>();
    CLI::App* cmd = app.add_subcommand(
        "squad-eval", "Official SQuAD EM/F1 of a predictions.json (v1.1; v2.0 adds HasAns/NoAns)");
    cmd->add_option("dataset", config->dataset, "Official SQuAD JSON (v1.1 or v2.0)")->required();
    cmd->add_option("predictions", config->predictions, "JSON object {\"question id\": \"answer text\", ...}")
        ->required();
    cmd->add_option("--compare", config->compare,
                    "A second predictions file: EM and F1 of PREDICTIONS minus it, with a paired bootstrap "
                    "interval over the questions, and how many answers differ");
    add_bootstrap_flags(cmd, config->bootstrap);
    cmd->add_option("--out-file,-o", config->out_file,
                    "Also write the result JSON to this file (atomically)");
    cmd->callback([config] { run_squad_eval(*config); });
}

}  // namespace bitswitch::cli
