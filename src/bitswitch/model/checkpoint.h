// Hugging Face model folders (config.json + model.safetensors) <-> Gpt2ForQuestionAnswering.
// Accepted tensor names: GPT2Model ("h.0.attn.c_attn.weight"), GPT2LMHeadModel / GPT2ForQuestionAnswering
// ("transformer.h.0..."); lm_head.weight (tied to wte) and the attention mask buffers (attn.bias,
// attn.masked_bias) of older checkpoints are ignored. Conv1D weights are stored [in, out] and transposed
// on load and save; F32, F16 and BF16 files load into a float32 model. A missing qa_outputs (a plain
// language model) is initialised fresh and reported; any other missing, unexpected or misshapen tensor is
// an InputError naming it.
#pragma once

#include <filesystem>
#include <string>

#include <torch/types.h>

#include "bitswitch/model/gpt2.h"

namespace bitswitch::model {

/// A Hugging Face GPT-2 folder, loaded.
struct PretrainedModel {
    Gpt2ForQuestionAnswering model{nullptr};
    bool qa_head_initialized = false;  // the file had no qa_outputs: the head is random (N(0, 0.02), bias 0)
};

/// Loads `dir`/config.json and `dir`/model.safetensors.
PretrainedModel load_pretrained(const std::filesystem::path& dir);

/// Copies the tensors of `file` into `model` (same rules as load_pretrained). Returns true when the file
/// has a qa_outputs head.
bool load_weights(Gpt2ForQuestionAnswering& model, const std::filesystem::path& safetensors_file);

/// Writes `dir`/config.json and `dir`/model.safetensors (base weights and, unless !include_qa_head, the QA
/// head; no adapters) with GPT2ForQuestionAnswering's names, in `dtype` (kFloat32, kFloat16 or kBFloat16).
/// Atomic per file.
void save_pretrained(const Gpt2ForQuestionAnswering& model, const std::filesystem::path& dir,
                     torch::ScalarType dtype = torch::kFloat32, bool include_qa_head = true);

}  // namespace bitswitch::model
