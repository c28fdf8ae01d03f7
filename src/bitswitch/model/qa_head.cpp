// QA span loss.
#include "bitswitch/model/qa_head.h"

#include <limits>

#include <torch/torch.h>

namespace bitswitch::model {

torch::Tensor qa_span_loss(const torch::Tensor& start_logits_in, const torch::Tensor& end_logits_in,
                           const torch::Tensor& start_positions, const torch::Tensor& end_positions,
                           const torch::Tensor& attention_mask) {
    const int64_t T   = start_logits_in.size(1);
    auto start_logits = start_logits_in, end_logits = end_logits_in;
    if (attention_mask.defined()) {
        const auto padding = attention_mask.eq(0);
        start_logits       = start_logits.masked_fill(padding, std::numeric_limits<float>::lowest());
        end_logits         = end_logits.masked_fill(padding, std::numeric_limits<float>::lowest());
    }
    const auto start = start_positions.clamp(0, T), end = end_positions.clamp(0, T);
    const auto ce = [&](const torch::Tensor& logits, const torch::Tensor& target) {
        return torch::nn::functional::cross_entropy(
            logits, target, torch::nn::functional::CrossEntropyFuncOptions().ignore_index(T));
    };
    return (ce(start_logits, start) + ce(end_logits, end)) / 2;
}

}  // namespace bitswitch::model
