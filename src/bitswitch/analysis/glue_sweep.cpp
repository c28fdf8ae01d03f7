// A GLUE task's sweep: evaluation of every config, paired differences, output formats.
#include "bitswitch/analysis/glue_sweep.h"

#include <cmath>

#include <fmt/format.h>

#include "bitswitch/core/enum_names.h"
#include "bitswitch/eval/classification_eval.h"
#include "bitswitch/eval/glue_eval.h"
#include "bitswitch/eval/glue_metric.h"

namespace bitswitch::analysis {
namespace {

const std::vector<std::string>& metrics_of(const GlueSweepResult& r) {
    return data::glue_task_spec(r.task).metrics;
}

nlohmann::ordered_json to_json(const GlueSweepRow& r, const GlueSweepResult& result) {
    nlohmann::ordered_json j{{"config", r.config},
                             {"task", core::enum_name(data::kGlueTaskNames, result.task)},
                             {"metric", eval::glue_main_metric(result.task)}};
    for (const auto& m : metrics_of(result)) j[m] = eval::interval_json(r.scores.at(m));
    j["reference"] = result.reference;
    for (const auto& m : metrics_of(result)) j[m + "_diff"] = eval::interval_json(r.diffs.at(m));
    j["avg_weight_bits"]          = r.avg_weight_bits;
    j["model_bytes"]              = r.model_bytes;
    j["bit_operations_per_token"] = r.bit_operations_per_token;
    j["examples"]                 = result.examples;
    j["confidence"]               = result.bootstrap.confidence;
    j["resamples"]                = result.bootstrap.resamples;
    j["eval_seconds"]             = r.seconds;
    return j;
}

}  // namespace

GlueSweepResult glue_sweep_of(const model::LoadedModel& loaded, const eval::GlueEvalSet& set,
                              const SweepConfig& c) {
    const auto task    = set.dataset.task;
    const auto configs = sweep_configs(c, loaded);
    eval::ClassificationEvalOptions options;
    options.batch_size = c.eval.batch_size;
    options.bootstrap  = c.bootstrap;
    const auto results =
        eval::evaluate_classifier(loaded.model(), set.dataset, set.features, configs, options);
    const size_t ref = reference_index(c, loaded, configs);

    GlueSweepResult out;
    out.task      = task;
    out.reference = configs[ref].source;
    out.examples  = int64_t(set.dataset.examples.size());
    out.bootstrap = c.bootstrap;
    for (size_t i = 0; i < configs.size(); ++i) {
        const auto size = loaded.size_of(configs[i]);
        GlueSweepRow row;
        row.config = configs[i].source;
        row.scores = results[i].scores;
        for (const auto& m : data::glue_task_spec(task).metrics) {
            row.diffs[m] = eval::glue_paired_difference(set.dataset, results[i].predictions,
                                                        results[ref].predictions, m, c.bootstrap);
        }
        row.avg_weight_bits          = size.avg_weight_bits;
        row.model_bytes              = size.bytes;
        row.bit_operations_per_token = size.bit_operations_per_token;
        row.seconds                  = results[i].seconds;
        out.rows.push_back(std::move(row));
    }
    return out;
}

GlueSweepResult run_glue_sweep(const SweepConfig& c, data::GlueTask task) {
    const auto loaded = model::LoadedModel::load(c.eval.model_dir, c.eval.quant_override);
    loaded.model().set_engine(c.eval.engine);
    const auto out = glue_sweep_of(loaded, eval::load_glue_eval_set(c.eval, loaded, task), c);
    if (!c.output_dir.empty()) {
        eval::write_result_files(
            c.output_dir, "sweep",
            {eval::OutputFormat::kMarkdown, eval::OutputFormat::kCsv, eval::OutputFormat::kJsonl},
            [&](eval::OutputFormat f) { return format_glue_sweep(out, f); });
    }
    return out;
}

std::string format_glue_sweep(const GlueSweepResult& result, eval::OutputFormat format) {
    const auto& metrics = metrics_of(result);
    const auto& main    = eval::glue_main_metric(result.task);
    std::string s;
    switch (format) {
        case eval::OutputFormat::kJsonl:
            for (const auto& r : result.rows) s += to_json(r, result).dump() + "\n";
            return s;
        case eval::OutputFormat::kCsv:
            s = "config,task";
            for (const auto& m : metrics) s += fmt::format(",{0},{0}_low,{0}_high", m);
            s += ",reference";
            for (const auto& m : metrics) s += fmt::format(",{0}_diff,{0}_diff_low,{0}_diff_high", m);
            s += ",avg_weight_bits,model_bytes,bit_operations_per_token,examples,eval_seconds\n";
            for (const auto& r : result.rows) {
                s += fmt::format("{},{}", eval::csv_field(r.config),
                                 core::enum_name(data::kGlueTaskNames, result.task));
                for (const auto& m : metrics) {
                    const auto& i = r.scores.at(m);
                    s += fmt::format(",{},{},{}", i.estimate, i.low, i.high);
                }
                s += "," + eval::csv_field(result.reference);
                for (const auto& m : metrics) {
                    const auto& d = r.diffs.at(m);
                    s += fmt::format(",{},{},{}", d.estimate, d.low, d.high);
                }
                s += fmt::format(",{},{},{},{},{}\n", r.avg_weight_bits, r.model_bytes,
                                 r.bit_operations_per_token, result.examples, r.seconds);
            }
            return s;
        case eval::OutputFormat::kMarkdown: {
            const int pct = int(std::lround(100 * result.bootstrap.confidence));
            s             = "| config |";
            for (const auto& m : metrics) s += fmt::format(" {} [{}% CI] |", m, pct);
            s += fmt::format(" Δ{} vs {} [{}% CI] | avg w bits | MB | GBOPs/token |\n|---|", main,
                             result.reference, pct);
            for (size_t i = 0; i < metrics.size() + 4; ++i) s += "---:|";
            s += "\n";
            for (const auto& r : result.rows) {
                s += fmt::format("| {} |", r.config);
                for (const auto& m : metrics) s += " " + eval::interval_text(r.scores.at(m)) + " |";
                s += fmt::format(" {} | {:.2f} | {:.2f} | {:.3f} |\n",
                                 eval::interval_text(r.diffs.at(main), true), r.avg_weight_bits,
                                 r.model_bytes / 1e6, r.bit_operations_per_token / 1e9);
            }
            s += fmt::format(
                "\n{} {} rows; intervals: percentile bootstrap over rows, {} resamples, seed {}; Δ{} paired "
                "on "
                "the same resamples.\n",
                result.examples, core::enum_name(data::kGlueTaskNames, result.task),
                result.bootstrap.resamples, result.bootstrap.seed, main);
            return s;
        }
    }
    return s;
}

}  // namespace bitswitch::analysis
