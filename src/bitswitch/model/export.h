// `bitswitch export`: a model (run or Hugging Face folder) at one precision config, written for another
// program. Formats: gguf (gguf_export.h; llama.cpp runs it). The format of bitswitch's own deployment
// file is next (issue 12).
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

struct ExportConfig {
    std::string model_dir, tokenizer_dir, output;
    kernels::GgmlType type = kernels::GgmlType::kF32;
    std::optional<quant::QuantSettings> quant_override;
    std::vector<std::string> precision;  // at most one config; none = the model's first
    std::vector<int> activate_lora_idx;
};

struct ExportReport {
    GgufExportSummary summary;
    std::string precision;  // the config written, as given
};

/// Loads the model, resolves the config, writes config.output.
ExportReport run_export(const ExportConfig& config);

}  // namespace bitswitch::model
