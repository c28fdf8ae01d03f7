// bitswitch search: flags -> analysis::SearchConfig -> analysis::run_search; prints the table.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "bitswitch/analysis/search.h"
#include "bitswitch/core/error.h"
#include "bitswitch/core/runtime.h"
#include "cli/analysis_flags.h"
#include "cli/commands.h"

namespace bitswitch::cli {

void add_search_command(CLI::App& app) {
    auto c        = std::make_shared<analysis::SearchConfig>();
    auto quant    = std::make_shared<QuantFlags>();
    auto compute  = std::make_shared<ComputeFlags>();
    auto format   = std::make_shared<eval::OutputFormat>(eval::OutputFormat::kMarkdown);
    CLI::App* cmd = app.add_subcommand(
        "search",
        "Per-unit precision under a bit budget: seed 001's greedy search and the exact optimum of the "
        "additive model, measured for real");
    cmd->add_option("--config", "TOML file whose keys are the flag names below (flags given here win)");
    add_eval_set_flags(cmd, c->sensitivity.eval, *quant);
    add_sensitivity_flags(cmd, c->sensitivity, /*test_required=*/false);
    const char* group = "Search";
    cmd->add_option("--sensitivity", c->sensitivity_file,
                    "A sensitivity.jsonl of this model to search on (else the analysis runs first, from "
                    "--base and --test)")
        ->group(group);
    add_enum_option(cmd, "--predictor", c->predictor, analysis::kPredictorNames,
                    "A target's predicted loss: its measured F1 drop, or the KL or Fisher proxy")
        ->group(group);
    add_enum_option(cmd, "--budget_kind", c->budget_kind, analysis::kBudgetKindNames,
                    "What the budget limits: average weight bits, model bytes (with scales) or "
                    "bit-operations per token")
        ->group(group);
    cmd->add_option("--budget", c->budgets, "Budgets to search, e.g. --budget 5.5 4.5")->group(group);
    cmd->add_option("--frontier", c->frontier_points,
                    "Also this many budgets from the cheapest config to the base (the Pareto frontier)")
        ->capture_default_str()
        ->group(group);
    cmd->add_flag("--no_measure{false}", c->measure, "Do not evaluate the configs found")->group(group);
    add_bootstrap_flags(cmd, c->sensitivity.bootstrap);
    add_enum_option(cmd, "-o,--output_format", *format, eval::kOutputFormatNames,
                    "What to print: markdown table, CSV or JSON lines");
    cmd->add_option("--output_dir", c->output_dir,
                    "Also write search.md, search.jsonl and each config found as configs/*.json");
    add_compute_flags(cmd, *compute);
    cmd->callback([c, quant, compute, format] {
        c->sensitivity.eval.quant_override = quant->override_settings();
        if (c->sensitivity_file.empty() && c->sensitivity.test_levels.empty())
            throw InputError("search: give --sensitivity FILE (a sensitivity.jsonl) or --test LEVELS");
        prepare_compute(*compute);
        std::printf("%s", analysis::format_search(analysis::run_search(*c), *format).c_str());
    });
}

}  // namespace bitswitch::cli
