// The strict copy of a Hugging Face safetensors file into a model's parameters that every model family's
// loader shares (GPT-2's checkpoint.cpp, RoBERTa's encoder_checkpoint.cpp): each family only says how its
// files name and lay out tensors. F32, F16 and BF16 tensors load into float32 parameters; an unexpected,
// misshapen or missing tensor, or another dtype, is an InputError naming the file and tensor. A task head
// the file does not have is left as it is (fresh) and reported.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <torch/nn/module.h>
#include <torch/types.h>

#include "bitswitch/model/safetensors.h"

namespace bitswitch::model {

struct TensorNaming {
    std::string family;  // "GPT-2": errors say a tensor is "not part of GPT-2"
    /// The parameter a stored tensor goes to; nullopt to skip it (buffers, heads of other tasks, ...).
    std::function<std::optional<std::string>(const std::string& stored)> parameter;
    /// Parameters stored transposed ([in, out], GPT-2's Conv1D).
    std::function<bool(const std::string& parameter)> transposed = [](const std::string&) { return false; };
    /// Parameters of a task head, which a file may lack as a whole.
    std::function<bool(const std::string& parameter)> is_head = [](const std::string&) { return false; };
};

/// A module's parameters without LoRA adapters, by name.
std::map<std::string, torch::Tensor> base_parameters(const torch::nn::Module& model);

/// Copies every tensor of `reader` into `params` as `naming` maps it. Returns true when the file held the
/// task head (every head parameter must then be there).
bool copy_checkpoint_tensors(const SafetensorsReader& reader,
                             const std::map<std::string, torch::Tensor>& params, const TensorNaming& naming);

}  // namespace bitswitch::model
