// The task loss of the QA span head (GPT2ForQuestionAnswering's, and any QuantModel's qa_head).
#pragma once

#include <torch/types.h>

namespace bitswitch::model {

/// Mean of the start and end cross-entropies over start/end logits (B, T); positions outside [0, T) are
/// clamped to T and ignored, as transformers does. With `attention_mask` (B, T), padding positions are
/// excluded from the softmax (their logits set to the lowest float). transformers does not do this; it pads
/// every window to max_seq_length, so there the padding positions' logits take part. Excluding them makes
/// the loss independent of how much padding a batch carries, which is what lets training cut batches to
/// their longest window and split a batch across data-parallel ranks exactly.
torch::Tensor qa_span_loss(const torch::Tensor& start_logits, const torch::Tensor& end_logits,
                           const torch::Tensor& start_positions, const torch::Tensor& end_positions,
                           const torch::Tensor& attention_mask = {});

/// The same loss of each example, (B): what an attack maximises per question and keeps its best restart by.
torch::Tensor qa_span_loss_per_example(const torch::Tensor& start_logits, const torch::Tensor& end_logits,
                                       const torch::Tensor& start_positions,
                                       const torch::Tensor& end_positions,
                                       const torch::Tensor& attention_mask = {});

}  // namespace bitswitch::model
