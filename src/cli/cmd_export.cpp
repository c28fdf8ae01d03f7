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
    CLI::App* cmd = app.add_subcommand(
        "export",
        "Write a model for deployment: packed at its precision configs in one file bitswitch serves "
        "(--format bitswitch), or at one config as GGUF for llama.cpp");
    cmd->add_option("--model,--model_name_or_path", c->model_dir, "Model folder (HF) or training run folder")
        ->required();
    cmd->add_option("-o,--output", c->output, "File to write")->required();
    add_enum_option(cmd, "--format", c->format, model::kExportFormatNames,
                    "File format: bitswitch (every --precision config packed, tokenizer and head included; "
                    "serve, predict, eval, bench take it as --model) or gguf (one config, llama.cpp) (" +
                        core::enum_choices(model::kExportFormatNames) + ")");
    add_enum_option(
        cmd, "--type", c->type, model::kGgmlTypeNames,
        std::string("Tensor type of the block linears: f32/f16 hold the config's own quantized weights, "
                    "q8_0/q4_0 quantize W + the level's adapter with ggml's block quantizer; gguf only") +
            " (" + core::enum_choices(model::kGgmlTypeNames) + ")");
    cmd->add_option("--tokenizer", c->tokenizer_dir,
                    "Tokenizer folder (default: the model's, else the shipped GPT-2)");
    add_precision_flags(cmd, c->precision, c->activate_lora_idx, /*many=*/true);
    add_quant_flags(cmd, *quant);
    cmd->callback([c, quant] {
        c->quant_override = quant->override_settings();
        const auto r      = model::run_export(*c);
        for (const auto& note : r.notes) std::fprintf(stderr, "note: %s\n", note.c_str());
        const bool gguf = c->format == model::ExportFormat::kGguf;
        nlohmann::ordered_json out{{"output", c->output},
                                   {"format", core::enum_name(model::kExportFormatNames, c->format)}};
        if (gguf) out["type"] = std::string(kernels::ggml_type_name(c->type));
        if (gguf)
            out["precision"] = r.configs.front();
        else
            out["configs"] = r.configs;
        out["tensors"]      = r.tensors;
        out["tensor_bytes"] = r.bytes;
        std::printf("%s\n", out.dump().c_str());
    });
}

}  // namespace bitswitch::cli
