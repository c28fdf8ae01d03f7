// A task head's outputs and loss on a batch, whatever the task: QA's start and end logits with the span loss
// (start and end cross-entropy), a sequence classifier's class logits with cross-entropy, or a one-output
// head's score (STS-B) with the squared error. Training (train/objective.h) and the Fisher proxy of the
// sensitivity analysis (analysis/sensitivity.h) differentiate the same loss.
#pragma once

#include <vector>

#include <torch/types.h>

#include "bitswitch/data/batch.h"
#include "bitswitch/model/quant_model.h"

namespace bitswitch::eval {

/// A task head's outputs: QA's start and end logits (B, T) each, or a classifier's class logits (B, L).
using TaskLogits = std::vector<torch::Tensor>;

/// The model's task head on `batch` (a QA batch: the span head; a classification batch: the classifier) at
/// `precision` (null: the model's default), from the batch's tokens or from token `embeddings` (B, T, C).
TaskLogits task_logits(model::QuantModel& model, const data::Batch& batch,
                       const quant::PrecisionConfig* precision, const torch::Tensor& embeddings = {});

/// The batch's task loss on `logits`, averaged over the batch.
torch::Tensor task_loss(const TaskLogits& logits, const data::Batch& batch);

}  // namespace bitswitch::eval
