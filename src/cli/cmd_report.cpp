// bitswitch report: inputs -> report::build_report -> one HTML file, written atomically.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bitswitch/core/io.h"
#include "bitswitch/report/html_report.h"
#include "cli/commands.h"

namespace bitswitch::cli {

void add_report_command(CLI::App& app) {
    struct Flags {
        std::vector<std::string> inputs;
        std::string output = "report.html";
        std::string title  = "bitswitch report";
        std::vector<std::string> only;
    };
    auto f        = std::make_shared<Flags>();
    CLI::App* cmd = app.add_subcommand(
        "report",
        "One self-contained HTML page (inline SVG charts, no network) from training runs and "
        "sweep/sensitivity/search results");
    cmd->add_option("inputs", f->inputs,
                    "Training run folders, sweep/sensitivity/search .jsonl files, or the folders holding "
                    "them")
        ->required();
    cmd->add_option("-o,--output", f->output, "The HTML file to write")->capture_default_str();
    cmd->add_option("--title", f->title, "The page's title")->capture_default_str();
    cmd->add_option("--only", f->only,
                    "Only these sections (inputs, training, schedule, precision, sensitivity, pareto, "
                    "robustness): a page for slides or screenshots");
    cmd->callback([f] {
        core::write_file_atomic(f->output, report::build_report(f->inputs, f->title, f->only));
        std::fprintf(stderr, "report: wrote %s\n", f->output.c_str());
    });
}

}  // namespace bitswitch::cli
