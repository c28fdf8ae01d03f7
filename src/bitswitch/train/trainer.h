// `bitswitch train`: the one training loop. LoRA (frozen base; adapters on every block linear + the QA head
// trained) or full fine-tuning; AdamW; transformers' LR schedules; gradient accumulation and clipping;
// evaluation every eval_steps; atomic checkpoints every save_steps and at the end; --resume continues
// exactly (weights, optimizer moments, RNG state, data order: each epoch's order is a pure function of
// seed and epoch, and the position is a function of the step).
// Output folder: train_config.json, log.jsonl (one JSON object per log/eval event), checkpoint-N/, and at
// the end the model (LoRA run folder or HF folder), predictions.json, eval_results.json, train_results.json.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/model/gpt2.h"
#include "bitswitch/train/train_config.h"

namespace bitswitch::train {

struct TrainResult {
    int64_t steps    = 0;
    double last_loss = 0.0;  // mean loss of the last logging window
    double seconds   = 0.0;
    nlohmann::ordered_json eval;  // final evaluation metrics (empty without validation_file)
};

/// Sets requires_grad on every parameter of `model` for `finetune` ("lora": only adapters (".lora_") and
/// the QA head; "full": everything) and returns the trainable ones with their names, in registration order.
std::vector<std::pair<std::string, torch::Tensor>> mark_trainable(model::Gpt2ForQuestionAnswering& model,
                                                                  const std::string& finetune);

/// Runs the training described by `config`. Throws InputError for bad input, Error when the loss becomes
/// NaN or infinite (the newest checkpoint in output_dir stays intact).
TrainResult run_training(const TrainConfig& config);

}  // namespace bitswitch::train
