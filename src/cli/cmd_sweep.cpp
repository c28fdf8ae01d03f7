// bitswitch sweep: flags -> analysis::SweepConfig -> analysis::run_sweep; prints the table (-o md|csv|jsonl).
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "bitswitch/analysis/glue_sweep.h"
#include "bitswitch/analysis/sweep.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/eval/glue_eval.h"
#include "cli/analysis_flags.h"
#include "cli/commands.h"

namespace bitswitch::cli {

void add_sweep_command(CLI::App& app) {
    auto c        = std::make_shared<analysis::SweepConfig>();
    auto quant    = std::make_shared<QuantFlags>();
    auto compute  = std::make_shared<ComputeFlags>();
    auto format   = std::make_shared<eval::OutputFormat>(eval::OutputFormat::kMarkdown);
    CLI::App* cmd = app.add_subcommand(
        "sweep",
        "EM/F1 (or a GLUE task's metrics) with confidence intervals, sizes and bit-operations of many "
        "precision configs of one model");
    cmd->add_option("--config", "TOML file whose keys are the flag names below (flags given here win)");
    add_eval_set_flags(cmd, c->eval, *quant);
    add_engine_flag(cmd, c->eval.engine);
    add_precision_flags(cmd, c->eval.precision, c->eval.activate_lora_idx, /*many=*/true);
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
    add_bootstrap_flags(cmd, c->bootstrap);
    add_prefix_cache_flag(cmd, c->share_prefixes);
    add_enum_option(cmd, "-o,--output_format", *format, eval::kOutputFormatNames,
                    "What to print: markdown table, CSV or JSON lines");
    cmd->add_option("--output_dir", c->output_dir, "Also write sweep.md, sweep.csv and sweep.jsonl here");
    add_compute_flags(cmd, *compute);
    cmd->callback([c, quant, compute, format] {
        c->eval.quant_override = quant->override_settings();
        prepare_compute(*compute);
        if (const auto task = eval::glue_task_for(c->eval.task, c->eval.model_dir)) {
            std::printf("%s",
                        analysis::format_glue_sweep(analysis::run_glue_sweep(*c, *task), *format).c_str());
            return;
        }
        const auto result = analysis::run_sweep(*c);
        if (result.primary) std::printf("%s", analysis::format_sweep(result, *format).c_str());
    });
}

}  // namespace bitswitch::cli
