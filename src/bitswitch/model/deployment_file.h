// bitswitch's deployment file (`bitswitch export --format bitswitch`): one GPT-2 QA model ready to serve,
// in one file. A GGUF container (gguf_file.h: aligned, memory-mappable, readable by ggml's tools) with
// general.architecture "bitswitch" so that llama.cpp does not mistake it for a model it runs:
//   metadata   bitswitch.version (1), bitswitch.model_config (config.json text), bitswitch.quantization and
//              bitswitch.adapter_set (the run's settings, as bitswitch.json writes them), bitswitch.adapters
//              (JSON: each adapter's r, lora_alpha, lora_dropout and the units that have it),
//              bitswitch.configs (the precision configs the file serves, as given), bitswitch.tokenizer.vocab
//              and .merges (the tokenizer's two files, verbatim)
//   tensors    every float parameter and buffer of the model under its state-dict name (F32): embeddings,
//              LayerNorms, biases, adapters, the head's bias; then each unit's packed levels,
//              "<unit>.w<bits>[+<adapter>].q" (I8: the packed bytes of packed_weights.h, ne {row bytes,
//              out}) and ".d" (F32 scales, ne {groups, out}); "+<adapter>" for merged mode only
// No float weight of a quantized linear is in the file: a loaded model holds the served levels' bits and
// runs on the packed engine (QuantModel::keep_only_packed's state, without ever having the float weights).
// FORMATS.md documents the file for other readers.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bitswitch/model/deployment_metadata.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/quant/quant_settings.h"
#include "bitswitch/text/bpe_tokenizer.h"

namespace bitswitch::model {

struct DeploymentSummary {
    int64_t tensors = 0, bytes = 0;    // tensors written and their data bytes
    int64_t packed_bytes = 0;          // of which packed levels (data + scales)
    std::vector<std::string> configs;  // served, as given
};

/// Writes `loaded` (a GPT-2 QA model) packed at `configs` with the tokenizer files of `tokenizer_dir` to
/// `path` (atomically). Packs in place: `loaded` keeps only those levels afterwards.
DeploymentSummary write_deployment_file(LoadedModel& loaded,
                                        const std::vector<quant::PrecisionConfig>& configs,
                                        const std::filesystem::path& tokenizer_dir,
                                        const std::filesystem::path& path);

/// True when `path` is a file that starts like a deployment file (GGUF magic); a folder is a run or a
/// Hugging Face model.
bool is_deployment_file(const std::filesystem::path& path);

/// Loads a deployment file: the model on the packed engine with the served levels, its default configs the
/// served ones. InputError naming the file and what is wrong (not bitswitch's, another version, a tensor
/// missing or of the wrong shape). `quant_override` must be empty: the levels are packed already.
LoadedModel load_deployment_file(const std::filesystem::path& path,
                                 const std::optional<quant::QuantSettings>& quant_override = std::nullopt);

/// The tokenizer of a model: `explicit_dir` when given, else a deployment file's own, else the model
/// folder's or the shipped GPT-2 files (core::tokenizer_dir_for).
text::BpeTokenizer load_tokenizer(const std::string& explicit_dir, const std::filesystem::path& model_path);

}  // namespace bitswitch::model
