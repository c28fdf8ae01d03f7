// Packed integer weights and per-token integer activations: the storage of the packed engine, which runs
// LLM-QAT's symmetric quantizer (fake_quant.h) in integers instead of pretending in float. For a row, or a
// group of a row, x quantized at b bits:
//   s = (2^(b-1) - 1) / (max|x| + 1e-6)      (evaluated as fake_quant.h does, so q is the same integer)
//   q = round_half_even(x · s)  in [-(2^(b-1) - 1), 2^(b-1) - 1]
//   d = 1 / (s + 1e-6)                      (the dequantization factor stored beside q)
// Fake quantization's value round(x · s) / (s + 1e-6) is q · d up to the rounding of that last operation.
//
// Weight formats (one row per output channel, rows in order):
//   8 bits   data: out x in bytes, q as int8
//   4 bits   data: out x ceil(in / 2) bytes; value k of a row in byte k / 2, the low nibble for even k, the
//            high nibble for odd k, as 4-bit two's complement in [-7, 7] (the quantizer never makes -8);
//            an odd row's last high nibble is 0
//   scales   out x groups floats d, groups = ceil(in / group) per row; group = in gives one range per
//            output channel; a row's last group may be shorter than the others
// Free of libtorch.
#pragma once

#include <cstdint>
#include <vector>

namespace bitswitch::kernels {

struct PackedWeights {
    int64_t out = 0, in = 0;
    int bits      = 8;  // 8 or 4 (2..8 also pack: values then fit in fewer bits of the same formats)
    int64_t group = 0;  // input columns per scale
    std::vector<uint8_t> data;
    std::vector<float> scales;  // out x groups()

    int64_t groups() const { return group > 0 ? (in + group - 1) / group : 0; }
    int64_t row_bytes() const { return bits > 4 ? in : (in + 1) / 2; }
    /// Bytes of data and scales: what a level costs in memory.
    int64_t bytes() const { return int64_t(data.size() + scales.size() * sizeof(float)); }
};

/// Quantizes w (out x in, row-major) at `bits` (2..8; 4 or less packs two values a byte) with one range per
/// `group` input columns of each row (group <= 0: the whole row). InputError-free: callers validate.
PackedWeights pack_weights(const float* w, int64_t out, int64_t in, int bits, int64_t group);

/// Row o's values as int8, into q[0, in).
void unpack_row(const PackedWeights& w, int64_t o, int8_t* q);

}  // namespace bitswitch::kernels
