// A GPT-2 language model at one precision config as a GGUF file llama.cpp runs (`bitswitch export
// --format gguf`). Every block linear is written with the config's adapter folded in:
//   F32, F16  the weight the config computes with (its weight quantizer's values plus the adapter's delta),
//             so llama.cpp reproduces the level's weights exactly (F16 rounds them once more);
//   Q8_0, Q4_0 W + (alpha / rank) B A quantized once, by ggml's block quantizer (kernels/ggml_blocks.h):
//             the level picks the adapter, ggml's format replaces bitswitch's weight quantizer.
// Embeddings, the tied LM head (written as `output`), norms and biases stay F32 (F16 in an F16 file): they
// are not units bitswitch quantizes. GGUF has no place for activation or KV-cache quantization nor for the
// QA span head: the file is the language model, and the notes say what a config loses in it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bitswitch/kernels/ggml_blocks.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/text/bpe_tokenizer.h"

namespace bitswitch::model {

struct GgufExportSummary {
    int64_t tensors = 0;
    int64_t bytes   = 0;             // tensor data
    std::vector<std::string> notes;  // what the file cannot carry of the config
};

/// Writes `loaded` (a GPT-2) at `config` to `path` with block linears as `type`. InputError when the model is
/// not a GPT-2, the tokenizer's vocabulary differs from the model's, or rows do not fit the type's blocks.
GgufExportSummary export_gguf(const LoadedModel& loaded, const quant::PrecisionConfig& config,
                              const text::BpeTokenizer& tokenizer, kernels::GgmlType type,
                              const std::filesystem::path& path);

}  // namespace bitswitch::model
