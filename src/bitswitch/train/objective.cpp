// Pass losses, distillation and backward of a micro-batch.
#include "bitswitch/train/objective.h"

#include <torch/torch.h>

#include "bitswitch/model/qa_head.h"

namespace bitswitch::train {

torch::Tensor distill_loss(const torch::Tensor& s_start, const torch::Tensor& s_end,
                           const torch::Tensor& t_start, const torch::Tensor& t_end, KdLoss kind, double T) {
    const auto one = [&](const torch::Tensor& s, const torch::Tensor& t) {
        if (kind == KdLoss::kMse) return torch::mse_loss(s, t.detach());
        const auto log_p_student = torch::log_softmax(s / T, -1);
        const auto log_p_teacher = torch::log_softmax(t.detach() / T, -1);
        // KL(teacher ‖ student), summed over positions and averaged over the batch ("batchmean"), times T².
        return (log_p_teacher.exp() * (log_p_teacher - log_p_student)).sum() / double(s.size(0)) * (T * T);
    };
    return (one(s_start, t_start) + one(s_end, t_end)) / 2;
}

torch::Tensor level_loss(const torch::Tensor& task, const std::vector<torch::Tensor>& distances,
                         SwitchLoss rule, const DistillSettings& distill) {
    if (rule == SwitchLoss::kAvg || distances.empty()) return task;
    auto sum = distances.front();
    for (size_t i = 1; i < distances.size(); ++i) sum = sum + distances[i];
    if (rule == SwitchLoss::kCascade) return task + distill.weight * sum;
    return (1 - distill.alpha) * task + distill.alpha * sum / double(distances.size());
}

namespace {

// Logits of the plan's teacher passes on the batch's tokens, as the model gives them at evaluation (no
// dropout, no gradients).
std::vector<model::SpanLogits> teacher_pass_logits(model::QuantModel& model, const data::Batch& b,
                                                   const StepPlan& plan) {
    std::vector<model::SpanLogits> out;
    if (plan.teachers.empty()) return out;
    torch::NoGradGuard no_grad;
    const model::EvalModeGuard eval_mode(model);
    for (const auto& pass : plan.teachers)
        out.push_back(model.forward(b.input_ids, b.attention_mask, &pass.config));
    return out;
}

}  // namespace

MicroBatchLoss backward_micro_batch(model::QuantModel& model, const data::Batch& b, const StepPlan& plan,
                                    const DistillSettings& distill, const TeacherFn& teacher,
                                    double accumulation, const InputFn& inputs) {
    model::SpanLogits teacher_logits;
    if (teacher) teacher_logits = teacher(b);
    // Detached logits of the levels above the next pass: the teacher passes, then each trained pass.
    std::vector<model::SpanLogits> higher = teacher_pass_logits(model, b, plan);
    MicroBatchLoss out;
    for (const auto& pass : plan.passes) {
        const auto [s, e] =
            inputs ? model.forward_embeddings(inputs(b, pass.config), b.attention_mask, &pass.config)
                   : model.forward(b.input_ids, b.attention_mask, &pass.config);
        const auto task = model::qa_span_loss(s, e, b.start_positions, b.end_positions, b.attention_mask);
        std::vector<torch::Tensor> distances;
        if (plan.from_higher != SwitchLoss::kAvg) {
            for (const auto& [hs, he] : higher)
                distances.push_back(distill_loss(s, e, hs, he, distill.kind, distill.temperature));
        }
        auto loss = level_loss(task, distances, plan.from_higher, distill);
        if (teacher_logits.first.defined()) {
            loss = loss + distill.weight * distill_loss(s, e, teacher_logits.first, teacher_logits.second,
                                                        distill.kind, distill.temperature);
        }
        (loss * (pass.weight / accumulation)).backward();
        if (plan.from_higher != SwitchLoss::kAvg) higher.emplace_back(s.detach(), e.detach());
        out.total += loss.item<double>() * pass.weight / accumulation;
        out.passes.push_back({pass.label, task.item<double>() / accumulation});
    }
    return out;
}

}  // namespace bitswitch::train
