// Per-token activation quantization for the packed engine (LLM-QAT's symmetric per-token quantizer, the
// formulas in packed_weights.h): one range per row, q = round_half_even(x · s), d = 1 / (s + 1e-6).
// Vectorized with Highway (the rounding is the CPU's round-to-nearest-even, as std::nearbyint's), so the
// integers equal the scalar formula's exactly. Free of libtorch.
#pragma once

#include <cstdint>

namespace bitswitch::kernels {

/// q (rows x n) gets the integers, d (rows) the dequantization factors; bits 2..8.
void quantize_rows(const float* x, int64_t rows, int64_t n, int bits, int8_t* q, float* d);

/// The same integers plus 128, as unsigned bytes: the operand of u8 x s8 integer GEMMs.
void quantize_rows_shifted(const float* x, int64_t rows, int64_t n, int bits, uint8_t* q_plus_128, float* d);

/// The scalar formula, what the two above are tested against.
void quantize_rows_reference(const float* x, int64_t rows, int64_t n, int bits, int8_t* q, float* d);

}  // namespace bitswitch::kernels
