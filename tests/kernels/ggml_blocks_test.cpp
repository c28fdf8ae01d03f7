// ggml's tensor types as bitswitch writes them: half-precision rounding against c10::Half (libtorch's,
// an independent implementation), and Q8_0 / Q4_0 blocks against values computed by hand from the layouts
// in ggml_blocks.h.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <c10/util/Half.h>
#include <gtest/gtest.h>

#include "bitswitch/kernels/ggml_blocks.h"

namespace bitswitch::kernels {
namespace {

float from_bits(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

TEST(GgmlBlocks, HalfRoundingByHand) {
    EXPECT_EQ(fp16_from_float(1.0f), 0x3c00);
    EXPECT_EQ(fp16_from_float(-2.0f), 0xc000);
    EXPECT_EQ(fp16_from_float(65504.0f), 0x7bff);                      // the largest half
    EXPECT_EQ(fp16_from_float(65519.99f), 0x7bff);                     // rounds down to it
    EXPECT_EQ(fp16_from_float(65520.0f), 0x7c00);                      // the tie rounds to even: infinity
    EXPECT_EQ(fp16_from_float(std::ldexp(1.0f, -24)), 1);              // the smallest subnormal
    EXPECT_EQ(fp16_from_float(std::ldexp(1.0f, -25)), 0);              // half of it: tie to even (0)
    EXPECT_EQ(fp16_from_float(std::ldexp(3.0f, -25)), 2);              // 1.5 steps: tie to even (2)
    EXPECT_EQ(fp16_from_float(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie between 1 and 1+2^-10
    EXPECT_EQ(fp16_from_float(1.0f + std::ldexp(3.0f, -11)), 0x3c02);  // tie between 0x3c01 and 0x3c02
    EXPECT_EQ(fp16_from_float(std::numeric_limits<float>::infinity()), 0x7c00);
    EXPECT_EQ(fp16_from_float(-0.0f), 0x8000);
    EXPECT_EQ(fp16_from_float(std::nanf("")) & 0x7c00, 0x7c00);
    EXPECT_NE(fp16_from_float(std::nanf("")) & 0x03ff, 0);
    EXPECT_EQ(fp16_to_float(0x3555), 0.333251953125f);
    EXPECT_EQ(fp16_to_float(0x0001), std::ldexp(1.0f, -24));
}

// Floats of every exponent from below the smallest subnormal half (2^-26) to past the largest (2^17), with
// random mantissas and signs, against c10::Half; and every half back to float.
TEST(GgmlBlocks, HalfConversionEqualsLibtorchs) {
    std::mt19937 rng(7);
    std::uniform_int_distribution<uint32_t> mantissa(0, 0x7fffffu), exponent(127 - 26, 127 + 17), sign(0, 1);
    for (int i = 0; i < 2000000; ++i) {
        const float f = from_bits((sign(rng) << 31) | (exponent(rng) << 23) | mantissa(rng));
        ASSERT_EQ(fp16_from_float(f), c10::Half(f).x) << f;
    }
    for (uint32_t h = 0; h < 0x10000u; ++h) {
        if ((h & 0x7c00u) == 0x7c00u && (h & 0x3ffu)) continue;  // NaN payloads
        c10::Half half(uint16_t(h), c10::Half::from_bits());
        ASSERT_EQ(fp16_to_float(uint16_t(h)), float(half)) << h;
    }
}

std::vector<float> ramp() {  // -16, -15, ..., 15
    std::vector<float> x(32);
    for (int j = 0; j < 32; ++j) x[size_t(j)] = float(j - 16);
    return x;
}

TEST(GgmlBlocks, Q8_0BlockByHand) {
    const auto x = ramp();
    std::vector<uint8_t> block(size_t(ggml_row_bytes(GgmlType::kQ8_0, 32)));
    ASSERT_EQ(block.size(), 34u);
    ggml_encode_row(GgmlType::kQ8_0, x.data(), 32, block.data());
    // d = 16 / 127 stored as a half; q = round(x * 127 / 16).
    EXPECT_EQ(block[0] | (block[1] << 8), c10::Half(16.0f / 127.0f).x);
    EXPECT_EQ(int8_t(block[2 + 0]), -127);  // x = -16
    EXPECT_EQ(int8_t(block[2 + 16]), 0);    // x = 0
    EXPECT_EQ(int8_t(block[2 + 17]), 8);    // x = 1: 7.9375
    EXPECT_EQ(int8_t(block[2 + 31]), 119);  // x = 15: 119.0625
    std::vector<float> back(32);
    ggml_decode_row(GgmlType::kQ8_0, block.data(), 32, back.data());
    const float d = fp16_to_float(uint16_t(block[0] | (block[1] << 8)));
    EXPECT_EQ(back[31], d * 119.0f);
    for (int j = 0; j < 32; ++j) EXPECT_NEAR(back[size_t(j)], x[size_t(j)], 16.0f / 127.0f) << j;
}

TEST(GgmlBlocks, Q4_0BlockByHand) {
    const auto x = ramp();
    std::vector<uint8_t> block(size_t(ggml_row_bytes(GgmlType::kQ4_0, 32)));
    ASSERT_EQ(block.size(), 18u);
    ggml_encode_row(GgmlType::kQ4_0, x.data(), 32, block.data());
    // The largest magnitude is -16, so d = -16 / -8 = 2 and n = min(15, trunc(x / 2 + 8.5)).
    EXPECT_EQ(block[0] | (block[1] << 8), 0x4000);  // 2.0
    EXPECT_EQ(block[2 + 0], 0x80);                  // x0 = -16 -> 0 (low), x16 = 0 -> 8 (high)
    EXPECT_EQ(block[2 + 15], 0xf8);                 // x15 = -1 -> 8, x31 = 15 -> trunc(16) = 16, capped at 15
    EXPECT_EQ(block[2 + 1], 0x91);                  // x1 = -15 -> trunc(1) = 1, x17 = 1 -> trunc(9) = 9
    std::vector<float> back(32);
    ggml_decode_row(GgmlType::kQ4_0, block.data(), 32, back.data());
    EXPECT_EQ(back[0], -16.0f);
    EXPECT_EQ(back[31], 14.0f);  // (15 - 8) * 2
    EXPECT_EQ(back[17], 2.0f);   // (9 - 8) * 2
}

TEST(GgmlBlocks, Q4_0PositiveExtremeAndZeroBlocks) {
    std::vector<float> x(64, 0.0f);
    x[0] = 8.0f;  // the largest magnitude is positive: d = -1, and 8 maps to n = 0
    x[1] = -3.0f;
    std::vector<uint8_t> blocks(size_t(ggml_row_bytes(GgmlType::kQ4_0, 64)));
    ggml_encode_row(GgmlType::kQ4_0, x.data(), 64, blocks.data());
    std::vector<float> back(64);
    ggml_decode_row(GgmlType::kQ4_0, blocks.data(), 64, back.data());
    EXPECT_EQ(back[0], 8.0f);
    EXPECT_EQ(back[1], -3.0f);
    for (int j = 32; j < 64; ++j) EXPECT_EQ(back[size_t(j)], 0.0f) << j;  // a zero block: d = 0
    EXPECT_EQ(blocks[18 + 2], 0x88);
}

TEST(GgmlBlocks, RowBytes) {
    EXPECT_EQ(ggml_row_bytes(GgmlType::kF32, 768), 3072);
    EXPECT_EQ(ggml_row_bytes(GgmlType::kF16, 768), 1536);
    EXPECT_EQ(ggml_row_bytes(GgmlType::kQ8_0, 768), 24 * 34);
    EXPECT_EQ(ggml_row_bytes(GgmlType::kQ4_0, 768), 24 * 18);
}

}  // namespace
}  // namespace bitswitch::kernels
