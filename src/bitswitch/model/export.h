// `bitswitch export`: a model (run or Hugging Face folder) written for deployment. Formats: gguf (one
// precision config, for llama.cpp: gguf_export.h) and bitswitch (any number of configs packed for
// bitswitch's own packed engine, one file that serve, predict, eval and bench load: deployment_file.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bitswitch/core/enum_names.h"
#include "bitswitch/kernels/ggml_blocks.h"
#include "bitswitch/model/gguf_export.h"
#include "bitswitch/quant/quant_settings.h"

namespace bitswitch::model {

inline constexpr core::EnumName<kernels::GgmlType> kGgmlTypeNames[] = {{kernels::GgmlType::kF32, "f32"},
                                                                       {kernels::GgmlType::kF16, "f16"},
                                                                       {kernels::GgmlType::kQ8_0, "q8_0"},
                                                                       {kernels::GgmlType::kQ4_0, "q4_0"}};

enum class ExportFormat { kGguf, kBitswitch };
inline constexpr core::EnumName<ExportFormat> kExportFormatNames[] = {
    {ExportFormat::kGguf, "gguf"}, {ExportFormat::kBitswitch, "bitswitch"}};

struct ExportConfig {
    std::string model_dir, tokenizer_dir, output;
    ExportFormat format    = ExportFormat::kGguf;
    kernels::GgmlType type = kernels::GgmlType::kF32;
    std::optional<quant::QuantSettings> quant_override;
    std::vector<std::string> precision;  // gguf: at most one; none = the model's first (bitswitch: all)
    std::vector<int> activate_lora_idx;
};

struct ExportReport {
    int64_t tensors = 0, bytes = 0;    // tensors written and their data bytes
    std::vector<std::string> configs;  // the configs written, as given
    std::vector<std::string> notes;    // what the file cannot carry of them
};

/// Loads the model, resolves the config, writes config.output.
ExportReport run_export(const ExportConfig& config);

}  // namespace bitswitch::model
