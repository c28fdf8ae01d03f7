// Task logits and loss of a batch.
#include "bitswitch/eval/task_loss.h"

#include <torch/torch.h>

#include "bitswitch/model/qa_head.h"

namespace bitswitch::eval {

TaskLogits task_logits(model::QuantModel& model, const data::Batch& b,
                       const quant::PrecisionConfig* precision, const torch::Tensor& embeddings) {
    if (!b.is_classification()) {
        auto [start, end] = embeddings.defined()
                                ? model.forward_embeddings(embeddings, b.attention_mask, precision)
                                : model.forward(b.input_ids, b.attention_mask, precision);
        return {start, end};
    }
    const quant::PrecisionConfig& p = precision ? *precision : model.default_precision();
    const auto x                    = embeddings.defined() ? embeddings : model.embed(b.input_ids);
    return {model.classify(model.encode(x, b.attention_mask, p), p)};
}

torch::Tensor task_loss(const TaskLogits& logits, const data::Batch& b) {
    if (!b.is_classification())
        return model::qa_span_loss(logits[0], logits[1], b.start_positions, b.end_positions,
                                   b.attention_mask);
    const auto& classes = logits[0];
    if (classes.size(1) == 1) return torch::mse_loss(classes.squeeze(1), b.scores);  // STS-B's regression
    return torch::nn::functional::cross_entropy(classes, b.labels);
}

}  // namespace bitswitch::eval
