// bitswitch bench: flags -> eval::ThroughputConfig -> eval::run_throughput; prints the table.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "bitswitch/eval/throughput.h"
#include "cli/commands.h"
#include "cli/flags.h"

namespace bitswitch::cli {

void add_bench_command(CLI::App& app) {
    auto c        = std::make_shared<eval::ThroughputConfig>();
    auto quant    = std::make_shared<QuantFlags>();
    auto compute  = std::make_shared<ComputeFlags>();
    auto format   = std::make_shared<eval::TableFormat>(eval::TableFormat::kMarkdown);
    CLI::App* cmd = app.add_subcommand(
        "bench", "Prefill tokens/s, latency (p50, p99), weight bytes and peak memory per precision config");
    cmd->add_option("--model,--model_name_or_path", c->model_dir,
                    "Model folder (HF), training run folder or deployment file (export --format bitswitch)")
        ->required();
    cmd->add_option("--batch", c->batches, "Batch sizes (windows per forward); repeat or list")
        ->delimiter(',')
        ->capture_default_str();
    cmd->add_option("--tokens", c->tokens, "Tokens per window")->capture_default_str();
    cmd->add_option("-r,--repetitions", c->repetitions, "Timed forwards per row")->capture_default_str();
    cmd->add_option("--warmup", c->warmup, "Untimed forwards first (packing happens here)")
        ->capture_default_str();
    cmd->add_option("--seed", c->seed, "Seed of the random tokens")->capture_default_str();
    add_enum_option(cmd, "-o,--output_format", *format, eval::kTableFormatNames,
                    "Table format: md, csv or json (one object a line)");
    add_bool_flag(
        cmd, "--packed_only", c->packed_only,
        "Keep only the configs' packed weights (the float weights freed first), as `serve --only` does");
    add_engine_flag(cmd, c->engine);
    add_precision_flags(cmd, c->precision, c->activate_lora_idx, /*many=*/true);
    add_quant_flags(cmd, *quant);
    add_compute_flags(cmd, *compute);
    cmd->callback([c, quant, compute, format] {
        c->quant_override = quant->override_settings();
        prepare_compute(*compute);
        std::printf("%s", eval::format_throughput(eval::run_throughput(*c), *format).c_str());
    });
}

}  // namespace bitswitch::cli
