// ggml tensor types: encoding and decoding of rows (layouts in ggml_blocks.h).
#include "bitswitch/kernels/ggml_blocks.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace bitswitch::kernels {
namespace {

constexpr int64_t kQ8Bytes = 2 + kGgmlBlockValues;      // d + 32 int8
constexpr int64_t kQ4Bytes = 2 + kGgmlBlockValues / 2;  // d + 16 bytes of nibble pairs

uint32_t float_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

float bits_float(uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

void store_fp16(uint8_t* out, float f) {
    const uint16_t h = fp16_from_float(f);
    out[0]           = uint8_t(h & 0xff);
    out[1]           = uint8_t(h >> 8);
}

float load_fp16(const uint8_t* in) {
    return fp16_to_float(uint16_t(in[0] | (in[1] << 8)));
}

void encode_q8_0(const float* x, uint8_t* block) {
    float amax = 0.0f;
    for (int64_t j = 0; j < kGgmlBlockValues; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d       = amax / 127.0f;
    const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
    store_fp16(block, d);
    for (int64_t j = 0; j < kGgmlBlockValues; ++j) block[2 + j] = uint8_t(int8_t(std::round(x[j] * inverse)));
}

void encode_q4_0(const float* x, uint8_t* block) {
    float largest = 0.0f;  // the value of largest magnitude, with its sign
    for (int64_t j = 0; j < kGgmlBlockValues; ++j)
        if (std::fabs(x[j]) > std::fabs(largest)) largest = x[j];
    const float d       = largest / -8.0f;
    const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
    store_fp16(block, d);
    const auto nibble      = [&](float v) { return uint8_t(std::min(15, int(int8_t(v * inverse + 8.5f)))); };
    constexpr int64_t half = kGgmlBlockValues / 2;
    for (int64_t j = 0; j < half; ++j) block[2 + j] = uint8_t(nibble(x[j]) | (nibble(x[j + half]) << 4));
}

}  // namespace

std::string_view ggml_type_name(GgmlType type) {
    switch (type) {
        case GgmlType::kF32:
            return "F32";
        case GgmlType::kF16:
            return "F16";
        case GgmlType::kQ4_0:
            return "Q4_0";
        case GgmlType::kQ8_0:
            return "Q8_0";
        case GgmlType::kI8:
            return "I8";
    }
    return "?";
}

bool ggml_type_is_blocked(GgmlType type) {
    return type == GgmlType::kQ4_0 || type == GgmlType::kQ8_0;
}

int64_t ggml_row_bytes(GgmlType type, int64_t n) {
    switch (type) {
        case GgmlType::kF32:
            return 4 * n;
        case GgmlType::kF16:
            return 2 * n;
        case GgmlType::kQ4_0:
            return n / kGgmlBlockValues * kQ4Bytes;
        case GgmlType::kQ8_0:
            return n / kGgmlBlockValues * kQ8Bytes;
        case GgmlType::kI8:
            return n;
    }
    return 0;
}

uint16_t fp16_from_float(float f) {
    uint32_t x          = float_bits(f);
    const uint16_t sign = uint16_t((x >> 16) & 0x8000u);
    x &= 0x7fffffffu;
    if (x >= 0x7f800000u) return uint16_t(sign | 0x7c00u | (x > 0x7f800000u ? 0x200u : 0u));  // inf, NaN
    if (x >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // >= 65520 rounds past the largest half
    if (x < 0x38800000u) {
        // Below the smallest normal half (2^-14): adding 0.5 leaves the value in the mantissa in units of
        // 2^-24, the subnormal step, rounded to nearest even by the addition itself.
        return uint16_t(sign | (float_bits(bits_float(x) + 0.5f) - float_bits(0.5f)));
    }
    // Normal: rebias the exponent (127 -> 15) and round the 13 dropped mantissa bits to nearest even.
    const uint32_t odd = (x >> 13) & 1u;
    x += 0xc8000fffu + odd;  // (15 - 127) << 23, plus the rounding bias
    return uint16_t(sign | (x >> 13));
}

float fp16_to_float(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
    if (exp == 0) {  // zero or subnormal: mantissa * 2^-24
        const float magnitude = std::ldexp(float(mantissa), -24);
        return sign ? -magnitude : magnitude;
    }
    if (exp == 31) return bits_float(sign | 0x7f800000u | (mantissa << 13));
    return bits_float(sign | ((exp + 112u) << 23) | (mantissa << 13));
}

void ggml_encode_row(GgmlType type, const float* x, int64_t n, uint8_t* out) {
    switch (type) {
        case GgmlType::kF32:
            std::memcpy(out, x, size_t(n) * 4);
            return;
        case GgmlType::kF16:
            for (int64_t i = 0; i < n; ++i) store_fp16(out + 2 * i, x[i]);
            return;
        case GgmlType::kQ8_0:
            for (int64_t b = 0; b < n / kGgmlBlockValues; ++b)
                encode_q8_0(x + b * kGgmlBlockValues, out + b * kQ8Bytes);
            return;
        case GgmlType::kQ4_0:
            for (int64_t b = 0; b < n / kGgmlBlockValues; ++b)
                encode_q4_0(x + b * kGgmlBlockValues, out + b * kQ4Bytes);
            return;
        case GgmlType::kI8:  // values already integers in [-128, 127]
            for (int64_t i = 0; i < n; ++i) out[i] = uint8_t(int8_t(x[i]));
            return;
    }
}

void ggml_decode_row(GgmlType type, const uint8_t* in, int64_t n, float* x) {
    switch (type) {
        case GgmlType::kF32:
            std::memcpy(x, in, size_t(n) * 4);
            return;
        case GgmlType::kF16:
            for (int64_t i = 0; i < n; ++i) x[i] = load_fp16(in + 2 * i);
            return;
        case GgmlType::kQ8_0:
            for (int64_t b = 0; b < n / kGgmlBlockValues; ++b) {
                const uint8_t* block = in + b * kQ8Bytes;
                const float d        = load_fp16(block);
                for (int64_t j = 0; j < kGgmlBlockValues; ++j)
                    x[b * kGgmlBlockValues + j] = d * float(int8_t(block[2 + j]));
            }
            return;
        case GgmlType::kQ4_0:
            for (int64_t b = 0; b < n / kGgmlBlockValues; ++b) {
                const uint8_t* block   = in + b * kQ4Bytes;
                const float d          = load_fp16(block);
                constexpr int64_t half = kGgmlBlockValues / 2;
                for (int64_t j = 0; j < half; ++j) {
                    x[b * kGgmlBlockValues + j]        = d * float((block[2 + j] & 0x0f) - 8);
                    x[b * kGgmlBlockValues + j + half] = d * float((block[2 + j] >> 4) - 8);
                }
            }
            return;
        case GgmlType::kI8:
            for (int64_t i = 0; i < n; ++i) x[i] = float(int8_t(in[i]));
            return;
    }
}

}  // namespace bitswitch::kernels
