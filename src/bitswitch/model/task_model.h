// The model families bitswitch fine-tunes, behind one set of folder functions, chosen by config.json's
// model_type: "gpt2" (a causal decoder with the QA span head) and "roberta" (an encoder with a sequence
// classification head or the QA span head). The trainer, LoadedModel and the commands load and save
// through these and then see only the QuantModel interface.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "bitswitch/core/enum_names.h"
#include "bitswitch/model/quant_model.h"

namespace bitswitch::model {

enum class ModelFamily { kGpt2, kRoberta };
inline constexpr core::EnumName<ModelFamily> kModelFamilyNames[] = {{ModelFamily::kGpt2, "gpt2"},
                                                                    {ModelFamily::kRoberta, "roberta"}};

enum class TaskHead { kQuestionAnswering, kSequenceClassification };
inline constexpr core::EnumName<TaskHead> kTaskHeadNames[] = {
    {TaskHead::kQuestionAnswering, "question-answering"},
    {TaskHead::kSequenceClassification, "classification"}};

/// `dir`/config.json's model_type (a file without one is GPT-2, as old GPT-2 configs are). InputError naming
/// the file for a folder without config.json or another model type.
ModelFamily model_family_of(const std::filesystem::path& dir);

/// The head a folder's model has: classification for a RoBERTa whose config.json names labels, the QA span
/// head otherwise.
TaskHead task_head_of(const std::filesystem::path& dir);

struct TaskModel {
    std::shared_ptr<QuantModel> model;
    ModelFamily family    = ModelFamily::kGpt2;
    bool head_initialized = false;  // the folder had no such head: it starts from random weights
};

/// Loads a Hugging Face folder with `head`. A classification head takes config.json's labels, or `labels`
/// when given (a base model about to be fine-tuned on a task; the classes a LoRA run recorded). InputError
/// for a head the family does not have (GPT-2 classifies nothing here).
TaskModel load_task_model(const std::filesystem::path& dir, TaskHead head,
                          const std::vector<std::string>& labels = {});

/// Copies the tensors of a model.safetensors into `model` (the family's loader rules). Returns true when
/// the file has the model's head.
bool load_task_weights(QuantModel& model, const std::filesystem::path& safetensors_file);

/// Writes `dir`/config.json and `dir`/model.safetensors of `model` in its family's layout (no adapters).
void save_task_model(const QuantModel& model, const std::filesystem::path& dir,
                     torch::ScalarType dtype = torch::kFloat32, bool include_head = true);

}  // namespace bitswitch::model
