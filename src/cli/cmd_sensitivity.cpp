// bitswitch sensitivity: flags -> analysis::SensitivityConfig -> analysis::run_sensitivity; prints the table.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "bitswitch/analysis/sensitivity.h"
#include "bitswitch/core/runtime.h"
#include "cli/commands.h"
#include "cli/flags.h"

namespace bitswitch::cli {

void add_sensitivity_command(CLI::App& app) {
    auto c        = std::make_shared<analysis::SensitivityConfig>();
    auto quant    = std::make_shared<QuantFlags>();
    auto threads  = std::make_shared<int>(0);
    auto format   = std::make_shared<analysis::OutputFormat>(analysis::OutputFormat::kMarkdown);
    CLI::App* cmd = app.add_subcommand(
        "sensitivity",
        "Which units (or blocks) cost most at low precision: measured F1 drops, KL and Fisher proxies");
    cmd->add_option("--config", "TOML file whose keys are the flag names below (flags given here win)");
    auto& e = c->eval;
    cmd->add_option("--model,--model_name_or_path", e.model_dir, "Model folder (HF) or training run folder")
        ->required();
    cmd->add_option("--validation_file", e.validation_file, "SQuAD v1.1/v2.0 JSON")->required();
    cmd->add_option("--tokenizer", e.tokenizer_dir,
                    "Tokenizer folder (default: the model's, else the shipped GPT-2)");
    cmd->add_option("--base", c->base, "The uniform base config the others stay at")->capture_default_str();
    cmd->add_option("--test", c->test_levels, "Levels each unit (or block) takes in turn, e.g. --test 4 3")
        ->required();
    add_enum_option(cmd, "--granularity", c->granularity, analysis::kVaryGranularityNames,
                    "Change one unit, or one block (all its units), at a time");
    cmd->add_option("--calibration_samples", c->calibration_samples,
                    "Windows (the first ones of the evaluation set) the proxies use")
        ->capture_default_str();
    cmd->add_flag("--proxies_only", c->proxies_only,
                  "Only the KL and Fisher proxies: no evaluation of every config");
    cmd->add_option("--bootstrap_resamples", c->bootstrap.resamples, "Bootstrap resamples over questions")
        ->capture_default_str();
    cmd->add_option("--confidence", c->bootstrap.confidence, "Confidence of the intervals")
        ->capture_default_str();
    cmd->add_option("--bootstrap_seed", c->bootstrap.seed, "Seed of the resampling")->capture_default_str();
    add_enum_option(cmd, "-o,--output_format", *format, analysis::kOutputFormatNames,
                    "What to print: markdown table, CSV or JSON lines");
    cmd->add_option("--output_dir", c->output_dir, "Also write sensitivity.md, .csv and .jsonl here");
    add_feature_flags(cmd, e.features);
    add_postprocess_flags(cmd, e.postprocess);
    add_quant_flags(cmd, *quant);
    cmd->add_option("--per_device_eval_batch_size", e.batch_size)->capture_default_str();
    cmd->add_option("--max_eval_samples", e.max_eval_samples, "Use the first N questions")
        ->capture_default_str();
    cmd->add_option("--threads", *threads, "Compute threads (0 = all cores)")->capture_default_str();
    cmd->callback([c, quant, threads, format] {
        c->eval.quant_override = quant->override_settings();
        prepare_compute(*threads);
        std::printf("%s", analysis::format_sensitivity(analysis::run_sensitivity(*c), *format).c_str());
    });
}

}  // namespace bitswitch::cli
