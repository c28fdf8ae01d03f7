// bitswitch seeds: sweep.jsonl files of several runs -> analysis::seed_table -> the table.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bitswitch/analysis/seed_table.h"
#include "cli/commands.h"
#include "cli/flags.h"

namespace bitswitch::cli {

void add_seeds_command(CLI::App& app) {
    auto files    = std::make_shared<std::vector<std::string>>();
    auto format   = std::make_shared<eval::OutputFormat>(eval::OutputFormat::kMarkdown);
    CLI::App* cmd = app.add_subcommand(
        "seeds", "Mean, standard deviation and range over runs that differ only in --seed (their sweeps)");
    cmd->add_option("sweeps", *files, "The sweep.jsonl of each run (bitswitch sweep --output_dir)")
        ->required();
    add_enum_option(cmd, "-o,--output_format", *format, eval::kOutputFormatNames,
                    "What to print: markdown table, CSV or JSON lines");
    cmd->callback([files, format] {
        std::printf("%s", analysis::format_seed_table(analysis::seed_table(*files), *format).c_str());
    });
}

}  // namespace bitswitch::cli
