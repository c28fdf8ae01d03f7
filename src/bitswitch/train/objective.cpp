// Pass losses, distillation and backward of a micro-batch.
#include "bitswitch/train/objective.h"

#include <torch/torch.h>

namespace bitswitch::train {

torch::Tensor distill_loss(const TaskLogits& student, const TaskLogits& teacher, KdLoss kind, double T) {
    const auto one = [&](const torch::Tensor& s, const torch::Tensor& t) {
        if (kind == KdLoss::kMse || s.size(-1) == 1) return torch::mse_loss(s, t.detach());
        const auto log_p_student = torch::log_softmax(s / T, -1);
        const auto log_p_teacher = torch::log_softmax(t.detach() / T, -1);
        // KL(teacher ‖ student), summed over positions and averaged over the batch ("batchmean"), times T².
        return (log_p_teacher.exp() * (log_p_teacher - log_p_student)).sum() / double(s.size(0)) * (T * T);
    };
    auto sum = one(student[0], teacher[0]);
    for (size_t i = 1; i < student.size(); ++i) sum = sum + one(student[i], teacher[i]);
    return student.size() == 1 ? sum : sum / double(student.size());
}

torch::Tensor distill_loss(const torch::Tensor& s_start, const torch::Tensor& s_end,
                           const torch::Tensor& t_start, const torch::Tensor& t_end, KdLoss kind, double T) {
    return distill_loss(TaskLogits{s_start, s_end}, TaskLogits{t_start, t_end}, kind, T);
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
std::vector<TaskLogits> teacher_pass_logits(model::QuantModel& model, const data::Batch& b,
                                            const StepPlan& plan) {
    std::vector<TaskLogits> out;
    if (plan.teachers.empty()) return out;
    torch::NoGradGuard no_grad;
    const model::EvalModeGuard eval_mode(model);
    for (const auto& pass : plan.teachers) out.push_back(eval::task_logits(model, b, &pass.config));
    return out;
}

TaskLogits detached(const TaskLogits& logits) {
    TaskLogits out;
    for (const auto& l : logits) out.push_back(l.detach());
    return out;
}

}  // namespace

MicroBatchLoss backward_micro_batch(model::QuantModel& model, const data::Batch& b, const StepPlan& plan,
                                    const DistillSettings& distill, const TeacherFn& teacher,
                                    double accumulation, const InputFn& inputs) {
    TaskLogits teacher_logits;
    if (teacher) teacher_logits = teacher(b);
    // Detached logits of the levels above the next pass: the teacher passes, then each trained pass.
    std::vector<TaskLogits> higher = teacher_pass_logits(model, b, plan);
    MicroBatchLoss out;
    for (const auto& pass : plan.passes) {
        const auto logits =
            eval::task_logits(model, b, &pass.config, inputs ? inputs(b, pass.config) : torch::Tensor());
        const auto task = eval::task_loss(logits, b);
        std::vector<torch::Tensor> distances;
        if (plan.from_higher != SwitchLoss::kAvg) {
            for (const auto& h : higher)
                distances.push_back(distill_loss(logits, h, distill.kind, distill.temperature));
        }
        auto loss = level_loss(task, distances, plan.from_higher, distill);
        if (!teacher_logits.empty())
            loss = loss +
                   distill.weight * distill_loss(logits, teacher_logits, distill.kind, distill.temperature);
        (loss * (pass.weight / accumulation)).backward();
        if (plan.from_higher != SwitchLoss::kAvg) higher.push_back(detached(logits));
        out.total += loss.item<double>() * pass.weight / accumulation;
        out.passes.push_back({pass.label, task.item<double>() / accumulation});
    }
    return out;
}

}  // namespace bitswitch::train
