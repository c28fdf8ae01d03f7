// bitswitch squad-eval DATASET PREDICTIONS: the official SQuAD EM/F1 (v1.1, or v2.0 with HasAns/NoAns).
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
#include "bitswitch/eval/squad_metric.h"
#include "cli/commands.h"

namespace bitswitch::cli {
namespace {

struct SquadEvalConfig {
    std::string dataset;
    std::string predictions;
    std::string out_file;
};

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
    const auto warn = [](const std::string& line) { std::fprintf(stderr, "warning: %s\n", line.c_str()); };
    nlohmann::ordered_json result;
    if (!dataset.is_v2()) {
        const auto r = eval::evaluate_v1(dataset, predictions, warn);
        result       = {{"exact_match", r.exact_match}, {"f1", r.f1}};
    } else {
        const auto r = eval::evaluate_v2(dataset, predictions, warn);
        result       = {{"exact", r.exact}, {"f1", r.f1}, {"total", r.total}};
        if (r.has_ans_total > 0) {
            result["HasAns_exact"] = r.has_ans_exact;
            result["HasAns_f1"]    = r.has_ans_f1;
            result["HasAns_total"] = r.has_ans_total;
        }
        if (r.no_ans_total > 0) {
            result["NoAns_exact"] = r.no_ans_exact;
            result["NoAns_f1"]    = r.no_ans_f1;
            result["NoAns_total"] = r.no_ans_total;
        }
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
    cmd->add_option("--out-file,-o", config->out_file,
                    "Also write the result JSON to this file (atomically)");
    cmd->callback([config] { run_squad_eval(*config); });
}

}  // namespace bitswitch::cli
