// The one training loop, shared by fine-tuning (trainer.h) and pretraining (pretrain.h), in the order
// transformers' Trainer runs a step: set the step's learning rate, clear the gradients, let the caller run
// forward and backward, measure the gradient norm (and clip it when asked), take the optimizer step, then
// report: progress on the terminal, a log line every logging_steps, the caller's after-step work
// (checkpoints, evaluations). A loss that is not finite stops the run with an Error naming the step, each
// pass's loss and the caller's advice.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include "bitswitch/core/progress.h"
#include "bitswitch/train/lr_schedule.h"

namespace bitswitch::train {

struct StepLoopSettings {
    int64_t start_step     = 0;  // > 0 when resuming: steps [0, start_step) are done
    int64_t total_steps    = 1;
    double loss_sum_before = 0.0;  // Σ step losses of the steps done before start_step (resume)
    LrSchedule lr;
    double max_grad_norm  = 1.0;  // 0 = no clipping (the norm is measured and logged either way)
    int64_t logging_steps = 10;
    int64_t stop_after    = -1;  // stop after this step as if killed there (tests of resume); -1 = never
    std::string label     = "train";
    bool report           = true;  // this process shows progress (rank 0)
};

/// What a step's work returns: its loss and, for messages, the parts it was made of.
struct StepLoss {
    double loss = 0.0;
    std::vector<std::pair<std::string, double>> parts;  // (pass label, loss)
};

struct LogWindow {
    int64_t step         = 0;    // steps done
    double loss          = 0.0;  // mean step loss since the last log line
    double learning_rate = 0.0;
    double grad_norm     = 0.0;  // of the last step, before clipping
    double elapsed       = 0.0;  // seconds since the loop started
};

struct StepLoopState {
    int64_t done       = 0;    // steps completed
    double loss_sum    = 0.0;  // Σ step losses over the whole run (resumed runs included)
    double window_loss = 0.0;  // the last log window's mean
    /// The loop's progress line: a hook that prints calls finish() on it first, so that its lines do not
    /// land inside the in-place progress line of a terminal.
    core::Progress* progress = nullptr;
};

struct StepLoopHooks {
    /// Forward and backward of step `step` (0-based), leaving the gradients in the parameters.
    std::function<StepLoss(int64_t step)> compute;
    /// Every logging_steps steps and at the end (optional).
    std::function<void(const LogWindow&)> log;
    /// After each optimizer step (optional): checkpoints, evaluations.
    std::function<void(const StepLoopState&)> after_step;
    /// Appended to the error when the loss is not finite (optional): what to change, where to resume from.
    std::function<std::string()> nonfinite_advice;
    /// After after_step (optional): true stops the loop there (a stop signal); not asked after the last step.
    std::function<bool()> stop_requested;
};

struct StepLoopResult {
    StepLoopState state;
    int64_t steps_run = 0;  // steps this call ran
    double seconds    = 0.0;
    bool interrupted  = false;  // stopped at stop_after or at the caller's request
    bool stopped      = false;  // stopped because stop_requested() said so
};

/// The L2 norm of all defined gradients of `params` (as torch's clip_grad_norm_ computes it).
double gradient_norm(const std::vector<torch::Tensor>& params);

/// Runs steps [start_step, total_steps) of `optimizer` over `params`.
StepLoopResult run_step_loop(const StepLoopSettings& settings, torch::optim::Optimizer& optimizer,
                             const std::vector<torch::Tensor>& params, const StepLoopHooks& hooks);

}  // namespace bitswitch::train
