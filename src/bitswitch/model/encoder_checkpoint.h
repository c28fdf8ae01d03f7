// Hugging Face RoBERTa folders (config.json + model.safetensors) <-> RobertaForTask.
// Accepted tensor names: RobertaModel's ("encoder.layer.0...") and the task models' ("roberta.encoder...",
// "classifier.dense...", "qa_outputs..."). Ignored: the pooler (no task head here uses it), the masked-LM
// head (lm_head.*) and the position_ids buffer of older files. F32, F16 and BF16 load into a float32 model.
// A head the file does not have is initialised fresh and reported; any other missing, unexpected or
// misshapen tensor is an InputError naming it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <torch/types.h>

#include "bitswitch/model/roberta.h"

namespace bitswitch::model {

struct PretrainedEncoder {
    RobertaForTask model{nullptr};
    bool head_initialized = false;  // the file had no such head: it is random (N(0, 0.02), bias 0)
};

/// Loads `dir`/config.json and `dir`/model.safetensors with a `head`. A classification head takes its
/// classes from config.json; non-empty `labels` replace them (a base model about to be fine-tuned on a
/// task, or the classes a LoRA run recorded).
PretrainedEncoder load_encoder_pretrained(const std::filesystem::path& dir, EncoderHead head,
                                          const std::vector<std::string>& labels = {});

/// Copies the tensors of `file` into `model` (same rules as load_encoder_pretrained). Returns true when the
/// file has the model's head.
bool load_encoder_weights(RobertaForTask& model, const std::filesystem::path& safetensors_file);

/// Writes `dir`/config.json and `dir`/model.safetensors (base weights and, unless !include_head, the head;
/// no adapters) with the task model's HF names, in `dtype` (kFloat32, kFloat16 or kBFloat16). Atomic per
/// file.
void save_encoder_pretrained(const RobertaForTask& model, const std::filesystem::path& dir,
                             torch::ScalarType dtype = torch::kFloat32, bool include_head = true);

}  // namespace bitswitch::model
