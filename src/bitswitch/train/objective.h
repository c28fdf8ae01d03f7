// The loss of one micro-batch under a step's plan (train/planner.h), for any QuantModel: for each pass, the
// task loss (eval/task_loss.h) of the model's head at the pass's precision config, plus the distillation
// terms the plan and the settings ask for, then backward with the pass's weight. One backward per pass
// frees that pass's graph before the next level runs; the gradients add up.
// The task is the batch's (data::Batch): the QA span loss (start and end cross-entropy), or a sequence
// classifier's cross-entropy, or for a one-output head (STS-B) the squared error to the scores.
// Distillation D is MSE on the logits (InstantNet) or T²·KL(teacher_T ‖ student_T) on the distributions at
// temperature T (the GPT-2 seeds, T = 2), averaged over the head's outputs (QA: start and end; a classifier:
// its one; a one-output head has no distribution and always takes MSE). With H the
// levels above level b (earlier passes of the step, or the plan's teacher passes):
//   cascade   CE_b + β·Σ_{t∈H} D(f_b, stopgrad f_t) (InstantNet's cascaded distillation)
//   kd        (1 − α)·CE_b + α·(1/|H|)·Σ_{t∈H} D(f_b, stopgrad f_t) (seed 003's sequential schedule,
//             α = 0.5, T = 2); the top level, with H empty, trains on CE_b alone
//   teacher   every pass adds β·D(f, stopgrad f_teacher) (--teacher DIR or self-fp)
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "bitswitch/data/batch.h"
#include "bitswitch/eval/task_loss.h"
#include "bitswitch/model/quant_model.h"
#include "bitswitch/train/planner.h"
#include "bitswitch/train/train_config.h"

namespace bitswitch::train {

using eval::TaskLogits;  // the task head's outputs and loss: eval/task_loss.h

/// D(student, stopgrad teacher) averaged over the head's outputs.
torch::Tensor distill_loss(const TaskLogits& student, const TaskLogits& teacher, KdLoss kind,
                           double temperature);
/// The same for QA's start and end logits (B, T) each.
torch::Tensor distill_loss(const torch::Tensor& student_start, const torch::Tensor& student_end,
                           const torch::Tensor& teacher_start, const torch::Tensor& teacher_end, KdLoss kind,
                           double temperature);

struct DistillSettings {
    KdLoss kind        = KdLoss::kKl;
    double temperature = 2.0;
    double weight      = 1.0;  // β
    double alpha       = 0.5;  // α of kd
};

/// A pass's loss from its task loss and its distances to the higher levels' logits (train/objective.h's
/// formulas; avg and empty distances: the task loss).
torch::Tensor level_loss(const torch::Tensor& task, const std::vector<torch::Tensor>& distances_to_higher,
                         SwitchLoss rule, const DistillSettings& distill);

/// Logits of a teacher for a batch, computed without gradients; unset = no teacher.
using TeacherFn = std::function<TaskLogits(const data::Batch&)>;

struct PassLoss {
    std::string label;       // the pass's level or sampled bits
    double task_loss = 0.0;  // its task loss (no distillation), / accumulation
};

struct MicroBatchLoss {
    double total = 0.0;  // Σ weight · (task + distillation) / accumulation: what was differentiated
    std::vector<PassLoss> passes;
};

/// The inputs a pass trains on instead of the batch's tokens: token embeddings (B, T, C) of the batch at the
/// pass's precision (adversarial training); unset = the tokens themselves.
using InputFn = std::function<torch::Tensor(const data::Batch&, const quant::PrecisionConfig&)>;

/// Forward, loss and backward of every pass of `plan` on `batch` (or on inputs(batch, pass config));
/// gradients accumulate into the model's parameters scaled by pass.weight / accumulation (gradient
/// accumulation over micro-batches). A teacher and the plan's teacher passes see the batch's tokens.
MicroBatchLoss backward_micro_batch(model::QuantModel& model, const data::Batch& batch, const StepPlan& plan,
                                    const DistillSettings& distill, const TeacherFn& teacher,
                                    double accumulation, const InputFn& inputs = {});

}  // namespace bitswitch::train
