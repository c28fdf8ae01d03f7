// One add_<name>_command per file in src/cli/: each binds flags to a config and calls the library.
#pragma once

namespace CLI {
class App;
}

namespace bitswitch::cli {

void add_tokenize_command(CLI::App& app);
void add_squad_eval_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_score_command(CLI::App& app);
void add_pretrain_command(CLI::App& app);
void add_precision_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_sensitivity_command(CLI::App& app);
void add_search_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_seeds_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_attack_command(CLI::App& app);

/// What every command that runs a model takes: --threads and --bf16.
struct ComputeFlags {
    int threads = 0;  // 0 = all cores
    bool bf16   = false;
};
void add_compute_flags(CLI::App* cmd, ComputeFlags& flags);

/// Commands that run a model call this first: threads (may re-execute the program once), then bf16 products
/// for the whole process (InputError where the CPU has none).
void prepare_compute(const ComputeFlags& flags);
/// main() records its argv for prepare_compute().
void set_program_argv(char** argv);

}  // namespace bitswitch::cli
