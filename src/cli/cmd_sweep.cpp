// bitswitch sweep: flags -> analysis::SweepConfig -> analysis::run_sweep; prints the table (-o md|csv|jsonl).
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "bitswitch/analysis/sweep.h"
#include "bitswitch/core/runtime.h"
#include "cli/commands.h"
#include "cli/flags.h"

namespace bitswitch::cli {

void add_sweep_command(CLI::App& app) {
    auto c        = std::make_shared<analysis::SweepConfig>();
    auto quant    = std::make_shared<QuantFlags>();
    auto threads  = std::make_shared<int>(0);
    auto format   = std::make_shared<analysis::OutputFormat>(analysis::OutputFormat::kMarkdown);
    CLI::App* cmd = app.add_subcommand(
        "sweep",
        "EM/F1 with confidence intervals, sizes and bit-operations of many precision configs of one model");
    cmd->add_option("--config", "TOML file whose keys are the flag names below (flags given here win)");
    auto& e = c->eval;
    cmd->add_option("--model,--model_name_or_path", e.model_dir, "Model folder (HF) or training run folder")
        ->required();
    cmd->add_option("--validation_file", e.validation_file, "SQuAD v1.1/v2.0 JSON")->required();
    cmd->add_option("--tokenizer", e.tokenizer_dir,
                    "Tokenizer folder (default: the model's, else the shipped GPT-2)");
    add_precision_flags(cmd, e.precision, e.activate_lora_idx, /*many=*/true);
    const char* configs = "Configs";
    cmd->add_option("--configs", c->configs_file, "File with one precision config per line (# comments)")
        ->group(configs);
    cmd->add_option("--uniform", c->uniform, "Levels to run uniformly, e.g. --uniform fp 8 6 4 3")
        ->group(configs);
    cmd->add_option("--vary", c->vary_base, "Base config of a one-unit-at-a-time sweep (with --vary_to)")
        ->group(configs);
    cmd->add_option("--vary_to", c->vary_levels,
                    "Levels each unit (or block) takes in turn, e.g. --vary_to 4 3")
        ->group(configs);
    add_enum_option(cmd, "--vary_granularity", c->vary_granularity, analysis::kVaryGranularityNames,
                    "What --vary changes at a time: one unit, or one block (all its units)")
        ->group(configs);
    cmd->add_option("--reference", c->reference,
                    "Config the differences are taken against (default: the --vary base, else the first)")
        ->group(configs);
    const char* stats = "Statistics";
    cmd->add_option("--bootstrap_resamples", c->bootstrap.resamples, "Bootstrap resamples over questions")
        ->capture_default_str()
        ->group(stats);
    cmd->add_option("--confidence", c->bootstrap.confidence, "Confidence of the intervals")
        ->capture_default_str()
        ->group(stats);
    cmd->add_option("--bootstrap_seed", c->bootstrap.seed, "Seed of the resampling")
        ->capture_default_str()
        ->group(stats);
    add_enum_option(cmd, "-o,--output_format", *format, analysis::kOutputFormatNames,
                    "What to print: markdown table, CSV or JSON lines");
    cmd->add_option("--output_dir", c->output_dir, "Also write sweep.md, sweep.csv and sweep.jsonl here");
    add_feature_flags(cmd, e.features);
    add_postprocess_flags(cmd, e.postprocess);
    add_quant_flags(cmd, *quant);
    cmd->add_option("--per_device_eval_batch_size", e.batch_size)->capture_default_str();
    cmd->add_option("--max_eval_samples", e.max_eval_samples, "Use the first N questions")
        ->capture_default_str();
    cmd->add_flag("--skip-invalid", e.skip_invalid,
                  "Drop questions whose answer_start is wrong instead of failing");
    cmd->add_option("--threads", *threads, "Compute threads (0 = all cores)")->capture_default_str();
    cmd->callback([c, quant, threads, format] {
        c->eval.quant_override = quant->override_settings();
        prepare_compute(*threads);
        std::printf("%s", analysis::format_sweep(analysis::run_sweep(*c), *format).c_str());
    });
}

}  // namespace bitswitch::cli
