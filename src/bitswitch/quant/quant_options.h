// The options of bitswitch's quantizers as plain values: which bit-widths exist, the schemes and
// granularities, what a linear layer and the K/V quantizer are configured with, and the inference engines.
// Kept free of libtorch so that the parsers of files that carry them (bitswitch.json, deployment files,
// precision configs) build and fuzz on their own; the quantizers are in quantizer.h, kv_quant.h and
// quant_lora_linear.h.
#pragma once

#include <cstdint>

#include "bitswitch/core/enum_names.h"

namespace bitswitch::quant {

constexpr int kFullPrecisionBits = 32;

/// True for 2..16 and 32; the one place that defines the accepted bit-widths.
constexpr bool valid_bits(int bits) {
    return (bits >= 2 && bits <= 16) || bits == kFullPrecisionBits;
}

enum class Scheme { kSymmetric, kAsymmetric };
enum class Granularity { kRow, kGroup, kTensor };

struct QuantizerOptions {
    int bits                = kFullPrecisionBits;
    Scheme scheme           = Scheme::kSymmetric;
    Granularity granularity = Granularity::kRow;
    int64_t group_size      = 0;  // kGroup only
    double ste_clip         = 0;  // > 0: zero gradient where |x| >= ste_clip
};

/// How a model's linears quantize; the bit-widths come per unit from the precision config.
struct LinearQuantOptions {
    Scheme scheme                  = Scheme::kSymmetric;
    Granularity weight_granularity = Granularity::kRow;  // per output channel
    int64_t weight_group_size      = 0;
    Granularity act_granularity    = Granularity::kRow;  // per token
    double ste_clip                = 0;                  // LLM-QAT's backward clip; 0 = off
    bool merged                    = false;              // quantize W + (alpha/rank)·B·A
    bool ema_ranges                = false;  // activations: EMA range (training) instead of min/max
    double ema_momentum            = 0.9;
    // Seed 004's fairseq quantizer also quantizes what a linear adds and what it returns:
    bool quantize_bias   = false;  // the bias at the weight's bits, one range for the vector
    bool quantize_output = false;  // the output at the activation's bits, ranges as the input's
    bool full_precision  = false;  // never quantized, whatever a config's bits (the fp head)
};

struct KvQuantOptions {
    Scheme scheme = Scheme::kSymmetric;
    bool per_head = false;  // one range per token and head instead of per token across heads
};

/// How quantized products are computed at inference. kFakeQuant: in float on fake-quantized operands, as
/// training sees them (the default). kPacked: on packed integer weights with activations quantized per
/// token to integers (kernels/packed_linear.h), the same integers and scales, so the outputs equal
/// fake quantization's up to float rounding; symmetric scheme, weights per channel or group, activations
/// per token with min/max ranges, weights at 2..8 bits with activations at 2..8 or 32; inference only.
/// kAuto (a model-level request, never a layer's state): packed for a model that holds only packed levels
/// (a deployment file), fake quantization otherwise.
enum class Engine : uint8_t { kFakeQuant, kPacked, kAuto };

inline constexpr core::EnumName<Engine> kEngineNames[] = {
    {Engine::kFakeQuant, "fake"}, {Engine::kPacked, "packed"}, {Engine::kAuto, "auto"}};

}  // namespace bitswitch::quant
