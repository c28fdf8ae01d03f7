// `bitswitch train`: fine-tuning for extractive QA. LoRA (frozen base; adapters on every block linear + the
// QA head trained) or full fine-tuning; AdamW; transformers' LR schedules; gradient accumulation and
// clipping; evaluation every eval_steps; atomic checkpoints every save_steps and at the end; --resume
// continues exactly (weights, optimizer moments, RNG state, data order, the run's mean loss).
// The parts are their own units: the step loop (step_loop.h), what a step runs (planner.h), its loss
// (objective.h), the data order (batch_sampler.h), checkpoints (checkpoints.h), logs (run_log.h), the
// precision range test (precision_range_test.h) and data parallelism (parallel/process_group.h).
// Output folder: train_config.json, log.jsonl, schedule.jsonl, checkpoint-N/, and at the end the model
// (LoRA run folder or HF folder), predictions.json, eval_results.json, train_results.json.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/model/quant_model.h"
#include "bitswitch/train/train_config.h"

namespace bitswitch::train {

struct TrainResult {
    int64_t steps     = 0;
    double train_loss = 0.0;  // mean step loss over the whole run (as transformers' train_loss)
    double last_loss  = 0.0;  // mean loss of the last logging window
    double seconds    = 0.0;
    nlohmann::ordered_json eval;  // final evaluation metrics (empty without validation_file)
};

/// Sets requires_grad on every parameter of `model` for `finetune` (LoRA: the adapters and the heads'
/// weights; full: everything; head: the heads' weights) and returns the trainable ones with their names, in
/// registration order.
std::vector<std::pair<std::string, torch::Tensor>> mark_trainable(model::QuantModel& model,
                                                                  Finetune finetune);

/// Runs the training described by `config`. Throws InputError for bad input, Error when the loss becomes
/// NaN or infinite (the newest checkpoint in output_dir stays intact), Stopped when SIGINT or SIGTERM
/// arrived while steps ran (after the step in progress, with its checkpoint saved; a second signal ends
/// the process at once).
TrainResult run_training(const TrainConfig& config);

}  // namespace bitswitch::train
