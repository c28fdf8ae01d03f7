// Uniform fake quantization (quantize, then dequantize to float) of contiguous float groups in one pass per
// group: the group's range is found and its values rounded while the group is still in cache. SIMD via
// Highway, best target chosen at run time. Free of libtorch: callers split the groups between threads.
//
// Formulas (b bits, group g, round = round half to even):
//   symmetric (LLM-QAT):  s = (2^(b-1) - 1) / (max|g| + 1e-6),   y = round(x·s) / (s + 1e-6)
//   asymmetric (CPT):     scale = max((max g - min g) / (2^b - 1), 1e-8),
//                         y = clamp(round((x - min g) / scale), 0, 2^b - 1) · scale + min g
// All arithmetic is float32 in the order PyTorch evaluates these Python expressions (a number divided by a
// tensor is a reciprocal times the number), so results equal the seeds' quantizers bit for bit.
// An all-zero group gives zeros and a constant group gives the constant back (no NaN); a range wider than
// the float range is computed as max/L - min/L instead of overflowing.
#pragma once

#include <cstdint>

namespace bitswitch::kernels {

enum class QuantScheme : uint8_t { kSymmetric, kAsymmetric };

/// y[i] = Q(x[i]) for groups [group_begin, group_end) of `group_len` floats each, every group quantized
/// with its own range. x and y may alias. Returns false if a group holds a NaN (y is then unspecified).
bool fake_quant_groups(const float* x, float* y, int64_t group_begin, int64_t group_end, int64_t group_len,
                       int bits, QuantScheme scheme);

/// y[i] = Q(x[i]) for i in [0, n) with a given range instead of the data's: [lo, hi] for the asymmetric
/// scheme (values outside are clamped), max|x| = max(|lo|, |hi|) for the symmetric one.
void fake_quant_with_range(const float* x, float* y, int64_t n, int bits, QuantScheme scheme, float lo,
                           float hi);

/// Minimum and maximum of x[0, n); returns false if x holds a NaN.
bool min_max(const float* x, int64_t n, float* lo, float* hi);

}  // namespace bitswitch::kernels
