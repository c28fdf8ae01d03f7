// The step loop.
#include "bitswitch/train/step_loop.h"

#include <cmath>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/progress.h"

namespace bitswitch::train {
namespace {

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
    for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

std::string describe_parts(const StepLoss& loss) {
    if (loss.parts.size() < 2) return "";
    std::string s;
    for (const auto& [label, value] : loss.parts)
        s += fmt::format("{}{}: {}", s.empty() ? "" : ", ", label, value);
    return " (" + s + ")";
}

}  // namespace

double gradient_norm(const std::vector<torch::Tensor>& params) {
    std::vector<torch::Tensor> norms;
    for (const auto& p : params) {
        if (p.grad().defined()) norms.push_back(p.grad().norm());
    }
    return norms.empty() ? 0.0 : torch::stack(norms).norm().item<double>();
}

StepLoopResult run_step_loop(const StepLoopSettings& s, torch::optim::Optimizer& optimizer,
                             const std::vector<torch::Tensor>& params, const StepLoopHooks& hooks) {
    core::Progress progress(s.label, s.total_steps, s.logging_steps);
    StepLoopResult result;
    result.state.done     = s.start_step;
    result.state.loss_sum = s.loss_sum_before;
    result.state.progress = &progress;
    double window         = 0.0;
    int64_t window_n      = 0;
    for (int64_t step = s.start_step; step < s.total_steps; ++step) {
        const double lr = lr_at(s.lr, step);
        set_learning_rate(optimizer, lr);
        // Gradients are reset to undefined, not zero: parameters that get none this step (adapters of
        // levels the step does not run) are then skipped by AdamW instead of drifting on their old moments.
        for (const auto& p : params) p.mutable_grad() = torch::Tensor();
        const StepLoss loss = hooks.compute(step);
        if (!std::isfinite(loss.loss)) {
            throw Error(fmt::format("step {}: the loss is {}{}; training stopped. {}", step + 1, loss.loss,
                                    describe_parts(loss),
                                    hooks.nonfinite_advice ? hooks.nonfinite_advice() : ""));
        }
        const double grad_norm = s.max_grad_norm > 0
                                     ? torch::nn::utils::clip_grad_norm_(params, s.max_grad_norm)
                                     : gradient_norm(params);
        optimizer.step();
        const int64_t done = step + 1;
        ++result.steps_run;
        result.state.done = done;
        result.state.loss_sum += loss.loss;
        window += loss.loss;
        ++window_n;
        if (s.report) progress.update(done, fmt::format("loss {:.4f} | lr {:.2e}", loss.loss, lr));
        if (done % s.logging_steps == 0 || done == s.total_steps) {
            result.state.window_loss = window / double(window_n);
            if (hooks.log) hooks.log({done, result.state.window_loss, lr, grad_norm, progress.elapsed()});
            window   = 0.0;
            window_n = 0;
        }
        if (hooks.after_step) hooks.after_step(result.state);
        if (done == s.total_steps) break;
        result.stopped = hooks.stop_requested && hooks.stop_requested();
        if (result.stopped || done == s.stop_after) {
            result.interrupted = true;
            break;
        }
    }
    progress.finish();
    result.seconds        = progress.elapsed();
    result.state.progress = nullptr;  // the loop's, gone with it
    return result;
}

}  // namespace bitswitch::train
