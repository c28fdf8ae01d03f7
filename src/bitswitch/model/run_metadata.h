// What a run folder's bitswitch.json and its adapters' adapter_config.json say (the layout is in
// run_folder.h), parsed strictly and without libtorch so the parser is fuzzed on its own (fuzz/targets.h).
// A key of the wrong type or an unknown value is an InputError naming the file and the key, never a
// library exception.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quant_settings.h"

namespace bitswitch::model {

struct RunMetadata {
    bool has_file = false;   // false: no bitswitch.json (a plain Hugging Face folder)
    bool lora_run = false;   // adapters on a frozen base; false for full fine-tuning ("finetune": "full")
    std::string base_model;  // lora runs: the frozen model's folder, as written
    std::vector<std::string> adapter_names;            // "adapters" in the run's order; empty: not listed
    quant::AdapterSet adapters;                        // "levels" and "shared_adapter"
    std::optional<quant::QuantSettings> quantization;  // "quantization", when present
    std::string task;                                  // "task": "squad" or a GLUE task; empty: not recorded
    /// "class_labels": the classifier a LoRA run trained (its base folder has none); empty: no classifier.
    std::vector<std::string> class_labels;
};

/// Parses the value of a bitswitch.json; `where` names it in errors.
RunMetadata parse_run_metadata(const nlohmann::json& run, const std::string& where);

/// `dir`/bitswitch.json parsed, or a RunMetadata without a file when there is none.
RunMetadata read_run_metadata(const std::filesystem::path& dir);

/// An adapter_config.json's LoRA settings (PEFT's r, lora_alpha, lora_dropout), validated.
quant::LoRAOptions parse_adapter_config(const nlohmann::json& config, const std::string& where);

}  // namespace bitswitch::model
