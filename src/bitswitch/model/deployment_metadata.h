// The metadata of a deployment file (deployment_file.h describes the file), read from its GGUF key-values
// strictly and without libtorch, so that this parser is fuzzed on its own (fuzz/targets.h). Every key of the
// wrong type or an unknown value is an InputError naming the file and the key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bitswitch/model/gguf_file.h"
#include "bitswitch/model/gpt2_config.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quant_settings.h"

namespace bitswitch::model {

inline constexpr const char* kDeploymentArchitecture = "bitswitch";
inline constexpr uint32_t kDeploymentVersion         = 1;
inline constexpr const char* kDeploymentVocabKey     = "bitswitch.tokenizer.vocab";
inline constexpr const char* kDeploymentMergesKey    = "bitswitch.tokenizer.merges";

/// One adapter of the file: its LoRA settings and the units that have it (bitswitch.adapters).
struct DeployedAdapter {
    std::string name;
    quant::LoRAOptions lora;
    std::vector<std::string> units;
};

struct DeploymentMetadata {
    Gpt2Config config;                      // bitswitch.model_config
    quant::QuantSettings settings;          // bitswitch.quantization
    quant::AdapterSet adapter_set;          // bitswitch.adapter_set
    std::vector<DeployedAdapter> adapters;  // bitswitch.adapters, in the file's order
    std::vector<std::string> configs;       // bitswitch.configs: the precision configs it serves
};

/// InputError unless `contents` is a bitswitch deployment file of this version (architecture and version).
void check_deployment_kind(const GgufContents& contents, const std::string& where);

/// The string metadata `key`; InputError naming `where` when it is missing or not a string.
const std::string& deployment_string(const GgufContents& contents, const std::string& key,
                                     const std::string& where);

/// Everything but the tokenizer and the tensors, checked.
DeploymentMetadata parse_deployment_metadata(const GgufContents& contents, const std::string& where);

/// A packed level's tensor name "<unit>.w<bits>[+<adapter>].q" split for `unit`: false when the name is
/// not one of `unit`'s levels, InputError when it is but its bits are not a packed width (2..8).
struct PackedTensorName {
    int w_bits = 0;
    std::string merged_adapter;  // "" unless the file was exported in merged mode
};
bool parse_packed_tensor_name(const std::string& tensor, const std::string& unit, PackedTensorName& out,
                              const std::string& where);

}  // namespace bitswitch::model
