// bitswitch sensitivity: flags -> analysis::SensitivityConfig -> analysis::run_sensitivity; prints the table.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "bitswitch/analysis/sensitivity.h"
#include "bitswitch/core/runtime.h"
#include "cli/analysis_flags.h"
#include "cli/commands.h"

namespace bitswitch::cli {

void add_sensitivity_command(CLI::App& app) {
    auto c        = std::make_shared<analysis::SensitivityConfig>();
    auto quant    = std::make_shared<QuantFlags>();
    auto compute  = std::make_shared<ComputeFlags>();
    auto format   = std::make_shared<eval::OutputFormat>(eval::OutputFormat::kMarkdown);
    CLI::App* cmd = app.add_subcommand(
        "sensitivity",
        "Which units (or blocks) cost most at low precision: measured F1 (or GLUE metric) drops, KL and "
        "Fisher proxies");
    cmd->add_option("--config", "TOML file whose keys are the flag names below (flags given here win)");
    add_eval_set_flags(cmd, c->eval, *quant);
    add_sensitivity_flags(cmd, *c, /*test_required=*/true);
    add_bootstrap_flags(cmd, c->bootstrap);
    add_prefix_cache_flag(cmd, c->share_prefixes);
    add_enum_option(cmd, "-o,--output_format", *format, eval::kOutputFormatNames,
                    "What to print: markdown table, CSV or JSON lines");
    cmd->add_option("--output_dir", c->output_dir, "Also write sensitivity.md, .csv and .jsonl here");
    add_compute_flags(cmd, *compute);
    cmd->callback([c, quant, compute, format] {
        c->eval.quant_override = quant->override_settings();
        prepare_compute(*compute);
        const auto result = analysis::run_sensitivity(*c);
        if (result.primary) std::printf("%s", analysis::format_sensitivity(result, *format).c_str());
    });
}

}  // namespace bitswitch::cli
