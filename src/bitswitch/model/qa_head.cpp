// QA span loss.
#include "bitswitch/model/qa_head.h"

#include <limits>

#include <torch/torch.h>

namespace bitswitch::model {

namespace {

torch::Tensor span_loss(const torch::Tensor& start_logits_in, const torch::Tensor& end_logits_in,
                        const torch::Tensor& start_positions, const torch::Tensor& end_positions,
                        const torch::Tensor& attention_mask, bool per_example) {
    const int64_t T   = start_logits_in.size(1);
    auto start_logits = start_logits_in, end_logits = end_logits_in;
    if (attention_mask.defined()) {
        const auto padding = attention_mask.eq(0);
        start_logits       = start_logits.masked_fill(padding, std::numeric_limits<float>::lowest());
        end_logits         = end_logits.masked_fill(padding, std::numeric_limits<float>::lowest());
    }
    const auto start = start_positions.clamp(0, T), end = end_positions.clamp(0, T);
    auto options = torch::nn::functional::CrossEntropyFuncOptions().ignore_index(T);
    if (per_example) options.reduction(torch::kNone);
    const auto ce = [&](const torch::Tensor& logits, const torch::Tensor& target) {
        return torch::nn::functional::cross_entropy(logits, target, options);
    };
    return (ce(start_logits, start) + ce(end_logits, end)) / 2;
}

}  // namespace

torch::Tensor qa_span_loss(const torch::Tensor& start_logits, const torch::Tensor& end_logits,
                           const torch::Tensor& start_positions, const torch::Tensor& end_positions,
                           const torch::Tensor& attention_mask) {
    return span_loss(start_logits, end_logits, start_positions, end_positions, attention_mask, false);
}

torch::Tensor qa_span_loss_per_example(const torch::Tensor& start_logits, const torch::Tensor& end_logits,
                                       const torch::Tensor& start_positions,
                                       const torch::Tensor& end_positions,
                                       const torch::Tensor& attention_mask) {
    return span_loss(start_logits, end_logits, start_positions, end_positions, attention_mask, true);
}

}  // namespace bitswitch::model
