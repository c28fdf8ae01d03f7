// bitswitch precision show: the resolved per-unit table of precision configs on a model, with sizes.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "bitswitch/model/loaded_model.h"
#include "cli/commands.h"
#include "cli/flags.h"

namespace bitswitch::cli {
namespace {

struct PrecisionShowConfig {
    std::string model_dir;
    std::vector<std::string> precision;
    std::vector<int> activate_lora_idx;
    QuantFlags quant;
};

std::string bits_text(int b) {
    return b == quant::kFullPrecisionBits ? "fp" : std::to_string(b);
}

void print_config(const model::LoadedModel& loaded, const quant::PrecisionConfig& config) {
    std::printf("precision %s\n| unit | w | a | kv | adapter | weights |\n|---|---:|---:|---:|---|---:|\n",
                config.source.c_str());
    const auto& units = loaded.model().units();
    for (size_t i = 0; i < units.size(); ++i) {
        const auto& u = units[i];
        const auto& p = config[i];
        if (u.kind == quant::UnitKind::kKv) {
            std::printf("| %s | | | %s | | |\n", u.name.c_str(), bits_text(p.bits.kv).c_str());
        } else {
            std::printf("| %s | %s | %s | | %s | %lld |\n", u.name.c_str(), bits_text(p.bits.w).c_str(),
                        bits_text(p.bits.a).c_str(), p.adapter.empty() ? "-" : p.adapter.c_str(),
                        static_cast<long long>(u.in_features * u.out_features));
        }
    }
    const auto size = loaded.size_of(config);
    std::printf("average bits per weight %.3f (%lld linear weights, %.0f bits); model size %.2f MB\n\n",
                size.avg_weight_bits, static_cast<long long>(size.linear_weights), size.weight_bits,
                size.bytes / 1e6);
}

}  // namespace

void add_precision_command(CLI::App& app) {
    CLI::App* group = app.add_subcommand("precision", "Precision configs: inspect what a config resolves to");
    group->require_subcommand(1);
    auto c = std::make_shared<PrecisionShowConfig>();
    CLI::App* cmd =
        group->add_subcommand("show", "Per-unit bits, adapters, average bits per weight and model size");
    cmd->add_option("--model,--model_name_or_path", c->model_dir,
                    "Model folder (HF), training run folder or deployment file (export --format bitswitch)")
        ->required();
    add_precision_flags(cmd, c->precision, c->activate_lora_idx, /*many=*/true);
    add_quant_flags(cmd, c->quant);
    cmd->callback([c] {
        const auto loaded = model::LoadedModel::load(c->model_dir, c->quant.override_settings());
        for (const auto& config : loaded.configs(c->precision, c->activate_lora_idx))
            print_config(loaded, config);
    });
}

}  // namespace bitswitch::cli
