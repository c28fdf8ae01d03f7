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

MicroBatchLoss backward_micro_batch(model::QuantModel& model, const data::Batch& b, const StepPlan& plan,
                                    const DistillSettings& distill, const TeacherFn& teacher,
                                    double accumulation, const InputFn& inputs) {
    model::SpanLogits teacher_logits;
    if (teacher) teacher_logits = teacher(b);
    std::vector<model::SpanLogits> higher;  // cascade: detached logits of the passes above
    MicroBatchLoss out;
    for (const auto& pass : plan.passes) {
        const auto [s, e] =
            inputs ? model.forward_embeddings(inputs(b, pass.config), b.attention_mask, &pass.config)
                   : model.forward(b.input_ids, b.attention_mask, &pass.config);
        const auto task = model::qa_span_loss(s, e, b.start_positions, b.end_positions, b.attention_mask);
        auto loss       = task;
        if (plan.cascade) {
            for (const auto& [hs, he] : higher)
                loss = loss + distill.weight * distill_loss(s, e, hs, he, distill.kind, distill.temperature);
        }
        if (teacher_logits.first.defined()) {
            loss = loss + distill.weight * distill_loss(s, e, teacher_logits.first, teacher_logits.second,
                                                        distill.kind, distill.temperature);
        }
        (loss * (pass.weight / accumulation)).backward();
        if (plan.cascade) higher.emplace_back(s.detach(), e.detach());
        out.total += loss.item<double>() * pass.weight / accumulation;
        out.passes.push_back({pass.label, task.item<double>() / accumulation});
    }
    return out;
}

}  // namespace bitswitch::train
