// Trained LoRA runs on disk, in a PEFT-like layout next to a pointer to the frozen base model:
//   <dir>/bitswitch.json                         {"base_model": path, "finetune": "lora", "adapters": [...]}
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

namespace bitswitch::model {

/// Writes every adapter of `model` and its QA head under `dir` plus bitswitch.json (with `base_model` and
/// the `extra` fields merged in).
void save_lora_run(const Gpt2ForQuestionAnswering& model, const std::filesystem::path& dir,
                   const std::string& base_model, const nlohmann::json& extra);

/// Adds the adapters found under `dir`/adapters to `model`, copies their weights and the QA head, and
/// activates `active` (or the first adapter when empty). InputError naming file and tensor on mismatch.
void load_adapters(Gpt2ForQuestionAnswering& model, const std::filesystem::path& dir, const std::string& active = {});

/// A model to run: a Hugging Face folder, or a LoRA run folder (bitswitch.json -> base model + adapters).
LoadedModel load_model(const std::filesystem::path& dir);

}  // namespace bitswitch::model
