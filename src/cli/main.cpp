// bitswitch: the command-line program. The only place that turns exceptions into exit codes:
// 0 ok, 1 runtime failure, 2 usage or input error (DESIGN.md §5), 128 + signal for a run that SIGINT or
// SIGTERM stopped after saving its checkpoint.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>

#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/core/stop_signals.h"
#include "bitswitch/ops/matmul.h"
#include "cli/commands.h"
#include "cli/config_file.h"
#include "cli/flags.h"

namespace bitswitch::cli {
namespace {
char** g_argv = nullptr;
}
void set_program_argv(char** argv) {
    g_argv = argv;
}
void add_compute_flags(CLI::App* cmd, ComputeFlags& flags) {
    cmd->add_option("--threads", flags.threads, "Compute threads (0 = all cores)")
        ->capture_default_str()
        ->group("Compute");
    add_bool_flag(cmd, "--bf16", flags.bf16,
                  "Linear layers' products on bfloat16 operands with float32 sums (HF's --bf16; needs "
                  "AVX512_BF16 or AMX): about twice the GEMM throughput, 8 significant bits per operand")
        ->group("Compute");
}

void prepare_compute(const ComputeFlags& flags) {
    core::configure_compute_threads(g_argv, flags.threads);
    core::warn_if_blas_slow();
    ops::set_bf16_products(flags.bf16);
}
}  // namespace bitswitch::cli

int main(int argc, char** argv) {
    // Past a file-size limit (ulimit -f) a write then fails like one on a full disk, and the error names the
    // file, instead of SIGXFSZ ending the program with nothing said.
    std::signal(SIGXFSZ, SIG_IGN);
    bitswitch::cli::set_program_argv(argv);
    CLI::App app{"bitswitch: one GPT-2 QA model, many precisions"};
    app.require_subcommand(1);
    app.set_help_all_flag("--help-all", "Help for every command");
    // A usage error is one line like every other error (CLI11's default adds a second one).
    app.failure_message([](const CLI::App*, const CLI::Error& e) {
        return fmt::format("error: {} (see --help)\n", e.what());
    });
    bitswitch::cli::add_tokenize_command(app);
    bitswitch::cli::add_squad_eval_command(app);
    bitswitch::cli::add_data_command(app);
    bitswitch::cli::add_train_command(app);
    bitswitch::cli::add_eval_command(app);
    bitswitch::cli::add_predict_command(app);
    bitswitch::cli::add_score_command(app);
    bitswitch::cli::add_pretrain_command(app);
    bitswitch::cli::add_precision_command(app);
    bitswitch::cli::add_sweep_command(app);
    bitswitch::cli::add_sensitivity_command(app);
    bitswitch::cli::add_search_command(app);
    bitswitch::cli::add_seeds_command(app);
    bitswitch::cli::add_report_command(app);
    bitswitch::cli::add_export_command(app);
    bitswitch::cli::add_bench_command(app);
    bitswitch::cli::add_serve_command(app);
    bitswitch::cli::add_attack_command(app);
    bitswitch::cli::add_info_command(app);

    // CLI11 would only say that a command is required: name the one that is not there, and the choices.
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
        names.push_back(sub->get_name());
    if (argc > 1 && argv[1][0] != '-' && std::find(names.begin(), names.end(), argv[1]) == names.end()) {
        std::fprintf(stderr, "error: unknown command \"%s\" (commands: %s; see --help)\n", argv[1],
                     fmt::format("{}", fmt::join(names, ", ")).c_str());
        return 2;
    }
    try {
        // --config files are expanded into flags first (CLI11 2.1 reads them only for the top-level app).
        auto args = bitswitch::cli::expand_config_files(app, std::vector<std::string>(argv + 1, argv + argc));
        std::reverse(args.begin(), args.end());  // CLI11 takes its argument vector last-first
        app.parse(args);                         // runs the chosen command's callback
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);  // prints help or the usage error
        return rc == 0 ? 0 : 2;
    } catch (const bitswitch::core::Stopped& e) {
        std::fprintf(stderr, "stopped: %s\n", e.what());
        return 128 + e.signal();
    } catch (const bitswitch::InputError& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 2;
    } catch (const c10::Error& e) {  // TORCH_CHECK: drop the C++ backtrace
        std::fprintf(stderr, "error: %s\n", e.what_without_backtrace());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
