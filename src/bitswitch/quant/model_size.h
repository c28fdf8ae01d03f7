// The "bit budget" of a precision config, as the seeds count it (weights × bits), and an honest model size
// that also counts what a deployed low-bit model must store besides the integer weights: one float32 scale
// (plus a float32 zero point for the asymmetric scheme) per channel, group or tensor, float32 biases, and
// every parameter that stays in full precision (embeddings, LayerNorms).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quant_settings.h"

namespace bitswitch::quant {

struct ModelSize {
    int64_t linear_weights = 0;  // weights of the quantizable linears
    double weight_bits     = 0;  // sum over them of weights × w_bits (the seeds' budget)
    double avg_weight_bits = 0;  // weight_bits / linear_weights
    double bytes           = 0;  // everything, including scales, biases and full-precision parameters
    /// Bit-operations of the quantized linears per token: Σ in·out·w_bits·a_bits (multiply-accumulates
    /// times their operands' bits; full precision counts 32 x 32). Attention's own products, whose cost
    /// grows with the context, are not counted.
    double bit_operations_per_token = 0;
};

/// The size of a model whose quantizable units are `units` (their weight shapes) at `config`, with
/// `other_params` parameters kept in full precision (embeddings, LayerNorms; not adapters).
ModelSize model_size(const UnitList& units, const PrecisionConfig& config, int64_t other_params,
                     const QuantSettings& settings);

}  // namespace bitswitch::quant
