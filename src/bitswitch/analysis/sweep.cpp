// Config generation, the evaluation loop over configs, intervals, output formats.
#include "bitswitch/analysis/sweep.h"

#include <cstdio>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "bitswitch/analysis/split_eval.h"
#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/eval/evaluator.h"

namespace bitswitch::analysis {
namespace {

std::vector<std::string> config_file_lines(const std::string& path) {
    std::vector<std::string> out;
    std::istringstream in(core::read_file(path));
    for (std::string line; std::getline(in, line);) {
        const auto begin = line.find_first_not_of(" \t\r");
        if (begin == std::string::npos || line[begin] == '#') continue;
        const auto end = line.find_last_not_of(" \t\r");
        out.push_back(line.substr(begin, end - begin + 1));
    }
    if (out.empty()) throw InputError(fmt::format("{}: no configs (one per line; # starts a comment)", path));
    return out;
}

// Every one-unit (or one-block) change of `base` to each level.
std::vector<quant::PrecisionConfig> varied(const SweepConfig& c, const model::LoadedModel& loaded) {
    const auto& units = loaded.model().units();
    const auto base   = loaded.config(c.vary_base);
    std::vector<quant::PrecisionConfig> out;
    for (const auto& level : c.vary_levels) {
        for (const auto& [label, names] : vary_targets(units, c.vary_granularity)) {
            const auto source = fmt::format("{} | {}={}", base.source, label, level);
            out.push_back(quant::with_units_at(base, names, level, units, loaded.adapters(), source));
            loaded.model().check_precision(out.back());
        }
    }
    return out;
}

nlohmann::ordered_json to_json(const SweepRow& r, const SweepResult& result) {
    return {{"config", r.config},
            {"exact_match", eval::interval_json(r.exact_match)},
            {"f1", eval::interval_json(r.f1)},
            {"reference", result.reference},
            {"exact_match_diff", eval::interval_json(r.exact_match_diff)},
            {"f1_diff", eval::interval_json(r.f1_diff)},
            {"avg_weight_bits", r.avg_weight_bits},
            {"model_bytes", r.model_bytes},
            {"bit_operations_per_token", r.bit_operations_per_token},
            {"questions", result.questions},
            {"confidence", result.bootstrap.confidence},
            {"resamples", result.bootstrap.resamples},
            {"eval_seconds", r.seconds}};
}

// The config differences are taken against: the one named, else a vary sweep's base, else none (the first).
std::string reference_text(const SweepConfig& c) {
    return !c.reference.empty() ? c.reference : c.vary_base;
}

}  // namespace

std::vector<VaryTarget> vary_targets(const quant::UnitList& units, VaryGranularity granularity) {
    std::vector<VaryTarget> targets;
    if (granularity == VaryGranularity::kUnit) {
        for (const auto& u : units) targets.push_back({u.name, {u.name}});
        return targets;
    }
    for (int64_t g = 0; g < quant::group_count(units); ++g) {
        VaryTarget t{quant::group_label(units, g), {}};
        for (const auto& u : units) {
            if (u.group == g) t.units.push_back(u.name);
        }
        targets.push_back(std::move(t));
    }
    return targets;
}

std::vector<quant::PrecisionConfig> sweep_configs(const SweepConfig& c, const model::LoadedModel& loaded) {
    std::vector<std::string> texts = c.eval.precision;
    if (!c.configs_file.empty()) {
        for (auto& line : config_file_lines(c.configs_file)) texts.push_back(std::move(line));
    }
    for (const auto& u : c.uniform) texts.push_back(u);
    std::vector<quant::PrecisionConfig> configs;
    if (!texts.empty() || !c.eval.activate_lora_idx.empty())
        configs = loaded.configs(texts, c.eval.activate_lora_idx);
    if (!c.vary_levels.empty() || !c.vary_base.empty()) {
        if (c.vary_base.empty() || c.vary_levels.empty())
            throw InputError("sweep: --vary BASE needs --vary_to LEVEL (and the other way round)");
        for (auto& v : varied(c, loaded)) configs.push_back(std::move(v));
    }
    if (configs.empty())
        throw InputError(
            "sweep: no configs; give --precision, --configs FILE, --uniform LEVELS or --vary BASE "
            "--vary_to LEVEL");
    if (const auto reference = reference_text(c); !reference.empty()) {
        const auto ref = loaded.config(reference);
        bool found     = false;
        for (const auto& x : configs) found = found || x.units == ref.units;
        if (!found) configs.insert(configs.begin(), ref);
    }
    return configs;
}

size_t reference_index(const SweepConfig& c, const model::LoadedModel& loaded,
                       const std::vector<quant::PrecisionConfig>& configs) {
    if (const auto reference = reference_text(c); !reference.empty()) {
        const auto wanted = loaded.config(reference);
        for (size_t i = 0; i < configs.size(); ++i) {
            if (configs[i].units == wanted.units) return i;
        }
    }
    return 0;
}

SweepResult run_sweep(const SweepConfig& c) {
    const auto set    = eval::load_eval_set(c.eval);
    const auto loaded = model::LoadedModel::load(c.eval.model_dir, c.eval.quant_override);
    loaded.model().set_engine(c.eval.engine);
    const auto configs = sweep_configs(c, loaded);
    eval::EvalOptions options;
    options.batch_size     = c.eval.batch_size;
    options.postprocess    = c.eval.postprocess;
    options.show_progress  = false;
    options.share_prefixes = c.share_prefixes;
    size_t done            = 0;
    const auto split       = evaluate_configs_split(
              loaded.model(), set.dataset, set.features, configs, options, [&](const auto& config, const auto& r) {
            std::fprintf(stderr, "sweep %zu/%zu: %s: EM %.2f F1 %.2f (%.1fs)\n", ++done, configs.size(),
                               config.source.c_str(), r.exact_match, r.f1, r.seconds);
        });
    const auto& results = split.results;
    const size_t ref    = reference_index(c, loaded, configs);
    SweepResult out;
    out.reference = configs[ref].source;
    out.questions = int64_t(set.dataset.examples.size());
    out.bootstrap = c.bootstrap;
    for (size_t i = 0; i < configs.size(); ++i) {
        const auto& r   = results[i];
        const auto size = loaded.size_of(configs[i]);
        SweepRow row;
        row.config           = configs[i].source;
        row.exact_match      = eval::percent(eval::bootstrap_mean(r.question_em, c.bootstrap));
        row.f1               = eval::percent(eval::bootstrap_mean(r.question_f1, c.bootstrap));
        row.exact_match_diff = eval::percent(
            eval::bootstrap_paired_difference(r.question_em, results[ref].question_em, c.bootstrap));
        row.f1_diff = eval::percent(
            eval::bootstrap_paired_difference(r.question_f1, results[ref].question_f1, c.bootstrap));
        row.avg_weight_bits          = size.avg_weight_bits;
        row.model_bytes              = size.bytes;
        row.bit_operations_per_token = size.bit_operations_per_token;
        row.seconds                  = r.seconds;
        out.rows.push_back(row);
    }
    out.primary = split.primary();
    if (!c.output_dir.empty() && out.primary) {
        eval::write_result_files(
            c.output_dir, "sweep",
            {eval::OutputFormat::kMarkdown, eval::OutputFormat::kCsv, eval::OutputFormat::kJsonl},
            [&](eval::OutputFormat f) { return format_sweep(out, f); });
    }
    return out;
}

std::string format_sweep(const SweepResult& result, eval::OutputFormat format) {
    std::string s;
    switch (format) {
        case eval::OutputFormat::kJsonl:
            for (const auto& r : result.rows) s += to_json(r, result).dump() + "\n";
            return s;
        case eval::OutputFormat::kCsv:
            s = "config,exact_match,exact_match_low,exact_match_high,f1,f1_low,f1_high,reference,f1_diff,"
                "f1_diff_low,f1_diff_high,exact_match_diff,exact_match_diff_low,exact_match_diff_high,"
                "avg_weight_bits,model_bytes,bit_operations_per_token,questions,eval_seconds\n";
            for (const auto& r : result.rows) {
                s += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                                 eval::csv_field(r.config), r.exact_match.estimate, r.exact_match.low,
                                 r.exact_match.high, r.f1.estimate, r.f1.low, r.f1.high,
                                 eval::csv_field(result.reference), r.f1_diff.estimate, r.f1_diff.low,
                                 r.f1_diff.high, r.exact_match_diff.estimate, r.exact_match_diff.low,
                                 r.exact_match_diff.high, r.avg_weight_bits, r.model_bytes,
                                 r.bit_operations_per_token, result.questions, r.seconds);
            }
            return s;
        case eval::OutputFormat::kMarkdown: {
            const int pct = int(std::lround(100 * result.bootstrap.confidence));
            s             = fmt::format(
                            "| config | EM [{0}% CI] | F1 [{0}% CI] | ΔF1 vs {1} [{0}% CI] | avg w bits | MB | "
                                        "GBOPs/token |\n|---|---:|---:|---:|---:|---:|---:|\n",
                            pct, result.reference);
            for (const auto& r : result.rows) {
                s += fmt::format(
                    "| {} | {:.2f} [{:.2f}, {:.2f}] | {:.2f} [{:.2f}, {:.2f}] | {:+.2f} [{:+.2f}, {:+.2f}] | "
                    "{:.2f} | {:.2f} | {:.3f} |\n",
                    r.config, r.exact_match.estimate, r.exact_match.low, r.exact_match.high, r.f1.estimate,
                    r.f1.low, r.f1.high, r.f1_diff.estimate, r.f1_diff.low, r.f1_diff.high, r.avg_weight_bits,
                    r.model_bytes / 1e6, r.bit_operations_per_token / 1e9);
            }
            s += fmt::format(
                "\n{} questions; intervals: percentile bootstrap over questions, {} resamples, seed {}; "
                "ΔF1 paired on the same resamples.\n",
                result.questions, result.bootstrap.resamples, result.bootstrap.seed);
            return s;
        }
    }
    return s;
}

}  // namespace bitswitch::analysis
