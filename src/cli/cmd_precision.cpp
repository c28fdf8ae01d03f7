// bitswitch precision show: the resolved per-layer table of a precision config on a model.
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bitswitch/model/adapters.h"
#include "cli/commands.h"
#include "cli/flags.h"

namespace bitswitch::cli {
namespace {

struct PrecisionShowConfig {
    std::string model_dir;
    PrecisionFlags precision;
    QuantFlags quant;
};

std::string bits_text(int b) {
    return b == quant::kFullPrecisionBits ? "fp" : std::to_string(b);
}

void run_show(const PrecisionShowConfig& c) {
    auto loaded = model::load_model(c.model_dir);
    if (c.quant.given()) model::set_quant_settings(loaded, c.quant.settings());
    std::map<std::string, int64_t> weights;
    for (const auto& [name, layer] : loaded.model->linear_layers()) weights[name] = layer->weight.numel();
    for (const auto& config :
         model::precision_configs(loaded, c.precision.precision, c.precision.activate_lora_idx)) {
        std::printf(
            "precision %s\n| layer | w | a | kv | adapter | weights |\n|---|---:|---:|---:|---|---:|\n",
            config.source.c_str());
        for (const auto& [unit, u] : config.units) {
            if (quant::is_kv_unit(unit)) {
                std::printf("| %s | | | %s | | |\n", unit.c_str(), bits_text(u.bits.kv).c_str());
            } else {
                std::printf("| %s | %s | %s | | %s | %lld |\n", unit.c_str(), bits_text(u.bits.w).c_str(),
                            bits_text(u.bits.a).c_str(), u.adapter.empty() ? "-" : u.adapter.c_str(),
                            static_cast<long long>(weights[unit]));
            }
        }
        const auto size = model::model_size_of(loaded, config);
        std::printf("average bits per weight %.3f (%lld linear weights, %.0f bits); model size %.2f MB\n\n",
                    size.avg_weight_bits, static_cast<long long>(size.linear_weights), size.weight_bits,
                    size.bytes / 1e6);
    }
}

}  // namespace

void add_precision_command(CLI::App& app) {
    CLI::App* group = app.add_subcommand("precision", "Precision configs: inspect what a config resolves to");
    group->require_subcommand(1);
    auto c = std::make_shared<PrecisionShowConfig>();
    CLI::App* cmd =
        group->add_subcommand("show", "Per-layer bits, adapters, average bits per weight and model size");
    cmd->add_option("--model,--model_name_or_path", c->model_dir, "Model folder (HF) or training run folder")
        ->required();
    add_precision_flags(cmd, c->precision, /*many=*/true);
    add_quant_flags(cmd, c->quant);
    cmd->callback([c] { run_show(*c); });
}

}  // namespace bitswitch::cli
