// Packing and unpacking of the formats in packed_weights.h, and per-token activation quantization.
#include "bitswitch/kernels/packed_weights.h"

#include <algorithm>
#include <cmath>

namespace bitswitch::kernels {
namespace {

// LLM-QAT's s for a range, in fake_quant.cpp's order of operations (reciprocal, then times the levels).
float symmetric_s(float absmax, int bits) {
    return (1.0f / (absmax + 1e-6f)) * float((1 << (bits - 1)) - 1);
}

float abs_max(const float* x, int64_t n) {
    float m = 0.0f;
    for (int64_t i = 0; i < n; ++i) m = std::max(m, std::fabs(x[i]));
    return m;
}

// q[i] = round_half_even(x[i] · s) for a range of n values; returns d = 1 / (s + 1e-6).
float quantize_range(const float* x, int64_t n, int bits, int8_t* q) {
    const float s = symmetric_s(abs_max(x, n), bits);
    for (int64_t i = 0; i < n; ++i) q[i] = int8_t(std::nearbyint(x[i] * s));
    return 1.0f / (s + 1e-6f);
}

}  // namespace

PackedWeights pack_weights(const float* w, int64_t out, int64_t in, int bits, int64_t group) {
    PackedWeights p;
    p.out   = out;
    p.in    = in;
    p.bits  = bits;
    p.group = group > 0 ? std::min(group, in) : in;
    if (p.group == 0) p.group = 1;  // an empty row: no groups, but a valid format
    const int64_t groups = in > 0 ? p.groups() : 0;
    p.scales.resize(size_t(out * groups));
    p.data.assign(size_t(out * p.row_bytes()), 0);
    std::vector<int8_t> q(static_cast<size_t>(in));
    for (int64_t o = 0; o < out; ++o) {
        const float* row = w + o * in;
        for (int64_t g = 0; g < groups; ++g) {
            const int64_t begin = g * p.group, n = std::min(p.group, in - begin);
            p.scales[size_t(o * groups + g)] = quantize_range(row + begin, n, bits, q.data() + begin);
        }
        uint8_t* dst = p.data.data() + o * p.row_bytes();
        if (bits > 4) {
            std::copy(q.begin(), q.end(), reinterpret_cast<int8_t*>(dst));
            continue;
        }
        for (int64_t k = 0; k < in; ++k) {
            const auto nibble = uint8_t(q[size_t(k)] & 0x0f);
            dst[k / 2] |= k % 2 == 0 ? nibble : uint8_t(nibble << 4);
        }
    }
    return p;
}

void unpack_row(const PackedWeights& w, int64_t o, int8_t* q) {
    const uint8_t* src = w.data.data() + o * w.row_bytes();
    if (w.bits > 4) {
        std::copy(src, src + w.in, reinterpret_cast<uint8_t*>(q));
        return;
    }
    // Two values a byte, sign-extended from 4 bits as (v ^ 8) - 8; branch-free so that it vectorizes.
    const int64_t pairs = w.in / 2;
    for (int64_t i = 0; i < pairs; ++i) {
        const uint8_t b = src[i];
        q[2 * i]        = int8_t(((b & 0x0f) ^ 8) - 8);
        q[2 * i + 1]    = int8_t(((b >> 4) ^ 8) - 8);
    }
    if (w.in % 2 == 1) q[w.in - 1] = int8_t(((src[pairs] & 0x0f) ^ 8) - 8);
}

void quantize_rows(const float* x, int64_t rows, int64_t n, int bits, int8_t* q, float* d) {
    for (int64_t r = 0; r < rows; ++r) d[r] = quantize_range(x + r * n, n, bits, q + r * n);
}

}  // namespace bitswitch::kernels
