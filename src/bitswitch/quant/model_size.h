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

struct LinearShape {
    std::string name;  // a linear unit of the config ("h.0.attn.c_attn")
    int64_t in = 0, out = 0;
    bool bias = true;
};

struct ModelSize {
    int64_t linear_weights = 0;  // weights of the quantizable linears
    double weight_bits     = 0;  // sum over them of weights × w_bits (the seeds' budget)
    double avg_weight_bits = 0;  // weight_bits / linear_weights
    double bytes           = 0;  // everything, including scales, biases and full-precision parameters
};

ModelSize model_size(const std::vector<LinearShape>& linears, const PrecisionConfig& config,
                     int64_t other_params, const QuantSettings& settings);

}  // namespace bitswitch::quant
