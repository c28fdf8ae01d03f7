// bitswitch export: flags -> model::ExportConfig -> model::run_export; prints what was written.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bitswitch/model/export.h"
#include "cli/commands.h"
#include "cli/flags.h"

namespace bitswitch::cli {

void add_export_command(CLI::App& app) {
    auto c        = std::make_shared<model::ExportConfig>();
    auto quant    = std::make_shared<QuantFlags>();
    auto format   = std::make_shared<std::string>("gguf");
    CLI::App* cmd = app.add_subcommand(
        "export", "Write a model at one precision config for another program (GGUF: llama.cpp's format)");
    cmd->add_option("--model,--model_name_or_path", c->model_dir, "Model folder (HF) or training run folder")
        ->required();
    cmd->add_option("-o,--output", c->output, "File to write")->required();
    cmd->add_option("--format", *format, "File format")
        ->check(CLI::IsMember({"gguf"}))
        ->capture_default_str();
    add_enum_option(
        cmd, "--type", c->type, model::kGgmlTypeNames,
        std::string("Tensor type of the block linears: f32/f16 hold the config's own quantized weights, "
                    "q8_0/q4_0 quantize W + the level's adapter with ggml's block quantizer") +
            " (" + core::enum_choices(model::kGgmlTypeNames) + ")");
    cmd->add_option("--tokenizer", c->tokenizer_dir,
                    "Tokenizer folder (default: the model's, else the shipped GPT-2)");
    add_precision_flags(cmd, c->precision, c->activate_lora_idx, /*many=*/false);
    add_quant_flags(cmd, *quant);
    cmd->callback([c, quant] {
        c->quant_override = quant->override_settings();
        const auto r      = model::run_export(*c);
        for (const auto& note : r.summary.notes) std::fprintf(stderr, "note: %s\n", note.c_str());
        nlohmann::ordered_json out{{"output", c->output},
                                   {"format", "gguf"},
                                   {"type", std::string(kernels::ggml_type_name(c->type))},
                                   {"precision", r.precision},
                                   {"tensors", r.summary.tensors},
                                   {"tensor_bytes", r.summary.bytes}};
        std::printf("%s\n", out.dump().c_str());
    });
}

}  // namespace bitswitch::cli
