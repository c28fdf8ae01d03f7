// The middle of self-attention, softmax(Q·Kᵀ + mask)·V with attention dropout, as one autograd function,
// causal (decoders such as GPT-2) or not (encoders). Its forward and backward keep the two matrix products
// of each direction in the BLAS and do everything between them (padding bias, causal limit, softmax,
// dropout, and their gradients) in one fused pass over the T x S scores (kernels/attention_softmax.h).
// Compared with the chain of libtorch ops it replaces, it saves the probabilities only (the dropout mask is
// regenerated from its seed) and makes three fewer passes over the largest tensor of the model each way.
#pragma once

#include <torch/types.h>

namespace bitswitch::ops {

/// q: (B, H, T, D), already scaled by 1/sqrt(D); k, v: (B, H, S, D) with S >= T, the last T keys belonging
/// to the queries (the first S - T are cached). key_bias: (B, S) float, 0 for real keys and -inf for padding,
/// or undefined. causal: query t sees keys [0, S - T + t]; otherwise every key. Returns (B, H, T, D).
/// Dropout p applies only when `training`.
torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& key_bias, bool causal, double dropout_p, bool training);

/// The key_bias attention() takes, from an attention mask (B, S) (1 real, 0 padding): 0 and -inf as floats of
/// `options`; undefined when the mask is (all keys real). Built once per forward and shared by every layer.
torch::Tensor padding_bias(const torch::Tensor& attention_mask, const torch::TensorOptions& options);

}  // namespace bitswitch::ops
