// Fake quantization of attention keys and values (DESIGN.md §4). K and V of a token are quantized before the
// split into heads, per token across all heads (LLM-QAT's choice) or per token and head, with the same
// scheme as the linears; the quantizer is quant/quantizer.h's, with straight-through gradients. A model calls
// it on the fused projection's K and V half; the KV cache then holds the quantized values.
#pragma once

#include <cstdint>
#include <string>

#include <torch/types.h>

#include "bitswitch/quant/quantizer.h"

namespace bitswitch::quant {

/// kv: (B, T, 2, C), each token's keys then its values (C = H·D). Returns the same shape, K and V quantized
/// to `bits` separately (their ranges differ); `kv` itself when bits == 32. `where` names the layer in
/// errors.
torch::Tensor fake_quantize_kv(const torch::Tensor& kv, int bits, const KvQuantOptions& options,
                               int64_t head_dim, const std::string& where);

}  // namespace bitswitch::quant
