// Trained LoRA runs on disk, in a PEFT-like layout next to a pointer to the frozen base model:
//   <dir>/bitswitch.json                         {"base_model": path, "finetune": "lora", "adapters": [...],
//                                                 "levels": [...], "quantization": {...}} (quant_settings.h)
//   <dir>/quant_ranges.safetensors                EMA ranges of inputs (and outputs), when tracked
//   <dir>/adapters/<name>/adapter_config.json     PEFT LoraConfig fields (r, lora_alpha, lora_dropout, ...)
//   <dir>/adapters/<name>/adapter_model.safetensors
//       base_model.model.transformer.h.0.attn.c_attn.lora_A.weight  (R, in)
//       base_model.model.transformer.h.0.attn.c_attn.lora_B.weight  (out, R)
//       base_model.model.qa_outputs.weight / .bias                   (trained heads: PEFT modules_to_save)
// Tensor names are "base_model.model." + the layer's module path in the model, so any QuantModel works.
// "adapters" lists the adapters in the order the model registered them, which is the order a fresh run
// creates them in and the order of their parameters in the optimizer's state.
// A full fine-tuning run is a plain Hugging Face folder instead (checkpoint.h). Writes are atomic per file.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "bitswitch/model/quant_model.h"

namespace bitswitch::model {

/// Writes every adapter of `model` and its heads under `dir` plus bitswitch.json (with `base_model` and
/// the `extra` fields merged in). Adapter folders of an earlier run in `dir` are removed.
void save_lora_run(const QuantModel& model, const std::filesystem::path& dir, const std::string& base_model,
                   const nlohmann::json& extra);

/// Loads the adapters of the run in `dir` into `model`, in the run's order: an adapter the model lacks is
/// added, one it has (a resumed run builds its adapters first) must have the same shapes. Copies the heads'
/// weights. InputError naming file and tensor on any mismatch.
void load_adapters(QuantModel& model, const std::filesystem::path& dir);

/// The adapter names of `model` in registration order.
std::vector<std::string> adapter_names(const QuantModel& model);

/// EMA activation ranges of the model's linears, "<unit>.input_range" (2) each, in
/// `dir`/quant_ranges.safetensors; written only when some layer has observed a range.
void save_quant_ranges(const QuantModel& model, const std::filesystem::path& dir);
/// Loads them when the file exists; InputError naming unknown layers or bad shapes.
void load_quant_ranges(QuantModel& model, const std::filesystem::path& dir);

}  // namespace bitswitch::model
