// Trained LoRA runs on disk, in a PEFT-like layout next to a pointer to the frozen base model:
//   <dir>/bitswitch.json                         {"base_model": path, "finetune": "lora", "adapters": [...],
//                                                 "levels": [...], "quantization": {...}} (quant_settings.h)
//   <dir>/quant_ranges.safetensors                EMA activation ranges, when tracked
//   <dir>/adapters/<name>/adapter_config.json     PEFT LoraConfig fields (r, lora_alpha, lora_dropout, ...)
//   <dir>/adapters/<name>/adapter_model.safetensors
//       base_model.model.transformer.h.0.attn.c_attn.lora_A.weight  (R, in)
//       base_model.model.transformer.h.0.attn.c_attn.lora_B.weight  (out, R)
//       base_model.model.qa_outputs.weight / .bias                   (the trained QA head, PEFT modules_to_save)
// A full fine-tuning run is a plain Hugging Face folder instead (checkpoint.h). Writes are atomic per file.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "bitswitch/model/checkpoint.h"
#include "bitswitch/quant/model_size.h"

namespace bitswitch::model {

/// Writes every adapter of `model` and its QA head under `dir` plus bitswitch.json (with `base_model` and
/// the `extra` fields merged in).
void save_lora_run(const Gpt2ForQuestionAnswering& model, const std::filesystem::path& dir,
                   const std::string& base_model, const nlohmann::json& extra);

/// Adds the adapters found under `dir`/adapters to `model`, copies their weights and the QA head, and
/// activates `active` (or the first adapter when empty). InputError naming file and tensor on mismatch.
void load_adapters(Gpt2ForQuestionAnswering& model, const std::filesystem::path& dir,
                   const std::string& active = {});

/// A model to run: a Hugging Face folder, a LoRA run folder (bitswitch.json -> base model + adapters), or a
/// full fine-tuning run (a Hugging Face folder with a bitswitch.json). The run's quantization settings are
/// applied and its levels returned; without --precision the model is at full precision with the first
/// level's adapter (or the shared one) active.
LoadedModel load_model(const std::filesystem::path& dir);

/// Replaces a loaded model's quantization settings (the record and the model's quantizers together).
void set_quant_settings(LoadedModel& loaded, const quant::QuantSettings& settings);

/// The configs named by `texts` (each any form of quant::parse_precision) and `level_indices` (seed 002's
/// --activate_lora_idx); with neither, each trained level uniformly, or "fp" for a model without levels.
std::vector<quant::PrecisionConfig> precision_configs(const LoadedModel& loaded,
                                                      const std::vector<std::string>& texts,
                                                      const std::vector<int>& level_indices);

/// Bit budget and bytes of `config` on this model (quant/model_size.h).
quant::ModelSize model_size_of(const LoadedModel& loaded, const quant::PrecisionConfig& config);

/// EMA activation ranges of the model's linears, "<layer>.input_range" (2) each, in
/// `dir`/quant_ranges.safetensors; written only when some layer has observed a range.
void save_quant_ranges(const Gpt2ForQuestionAnswering& model, const std::filesystem::path& dir);
/// Loads them when the file exists; InputError naming unknown layers or bad shapes.
void load_quant_ranges(Gpt2ForQuestionAnswering& model, const std::filesystem::path& dir);

}  // namespace bitswitch::model
