// Packed weights and the packed linear layer: the packed integers are LLM-QAT's (the fake quantizer's
// values, recomputed here from its formula), the 4-bit nibbles round-trip, the fast path equals the scalar
// reference bit for bit (odd sizes, groups that do not divide a row, no tokens, all-zero rows), and the
// integer product equals the float product of the fake-quantized operands up to float rounding.
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "bitswitch/kernels/fake_quant.h"
#include "bitswitch/kernels/packed_linear.h"
#include "bitswitch/kernels/packed_weights.h"

namespace bitswitch::kernels {
namespace {

std::vector<float> random_values(size_t n, uint64_t seed, float scale = 1.0f) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = normal(rng);
    return v;
}

// The value fake quantization gives an element: round(x·s) / (s + 1e-6) with s from its group's max|x|.
std::vector<float> fake_quantized(const std::vector<float>& w, int64_t rows, int64_t in, int bits,
                                  int64_t group) {
    std::vector<float> y(w.size());
    if (group == in) {
        EXPECT_TRUE(fake_quant_groups(w.data(), y.data(), 0, rows, in, bits, QuantScheme::kSymmetric));
    } else {  // groups must divide the row for the fake quantizer
        EXPECT_EQ(in % group, 0);
        EXPECT_TRUE(fake_quant_groups(w.data(), y.data(), 0, rows * in / group, group, bits,
                                      QuantScheme::kSymmetric));
    }
    return y;
}

struct Shape {
    int64_t tokens, out, in;
    int w_bits, a_bits;
    int64_t group;
};

TEST(PackedWeights, HoldTheFakeQuantizersIntegersAndScales) {
    for (const auto& [out, in, bits, group] :
         std::vector<std::tuple<int64_t, int64_t, int, int64_t>>{{5, 64, 8, 64},
                                                                 {7, 96, 4, 96},
                                                                 {3, 128, 4, 32},
                                                                 {4, 256, 4, 64},
                                                                 {2, 256, 8, 128},
                                                                 {3, 60, 3, 60}}) {
        const auto w = random_values(size_t(out * in), uint64_t(out * in + bits), 0.05f);
        const auto p = pack_weights(w.data(), out, in, bits, group);
        ASSERT_EQ(p.groups(), in / group);
        EXPECT_EQ(int64_t(p.data.size()), out * (bits > 4 ? in : (in + 1) / 2));
        const auto expected = fake_quantized(w, out, in, bits, group);
        std::vector<int8_t> q(static_cast<size_t>(in));
        for (int64_t o = 0; o < out; ++o) {
            unpack_row(p, o, q.data());
            for (int64_t k = 0; k < in; ++k) {
                const int limit = (1 << (bits - 1)) - 1;
                ASSERT_LE(std::abs(int(q[size_t(k)])), limit);
                const float d     = p.scales[size_t(o * p.groups() + k / group)];
                const float value = float(q[size_t(k)]) * d, want = expected[size_t(o * in + k)];
                // q · d against round(x·s) / (s + 1e-6): the same integer, one rounding apart.
                ASSERT_NEAR(value, want, 1e-6f * std::fabs(want) + 1e-12f) << o << "," << k;
            }
        }
    }
}

TEST(PackedWeights, FourBitNibblesRoundTripEveryValueAndOddRows) {
    // Every 4-bit value in [-7, 7], in an odd-length row, with one range (the 7 pins the scale).
    const int64_t in = 15;
    std::vector<float> w(static_cast<size_t>(in));
    for (int64_t k = 0; k < in; ++k) w[size_t(k)] = float(k - 7);
    const auto p = pack_weights(w.data(), 1, in, 4, 0);
    EXPECT_EQ(p.data.size(), 8u);
    EXPECT_EQ(p.data[7] >> 4, 0);  // the unused high nibble of an odd row
    std::vector<int8_t> q(static_cast<size_t>(in));
    unpack_row(p, 0, q.data());
    for (int64_t k = 0; k < in; ++k) EXPECT_EQ(int(q[size_t(k)]), int(k - 7)) << k;
    EXPECT_EQ(p.data[0], uint8_t((-7 & 0x0f) | ((-6 & 0x0f) << 4)));  // low nibble first
}

// Both integer GEMMs: oneDNN's (where the CPU has VNNI) and the portable kernel other CPUs run.
class PackedLinearGemm : public ::testing::TestWithParam<IntegerGemm> {
  protected:
    void SetUp() override { set_integer_gemm(GetParam()); }
    void TearDown() override { set_integer_gemm(IntegerGemm::automatic); }
};

TEST_P(PackedLinearGemm, FastPathEqualsTheScalarReferenceBitForBit) {
    const std::vector<Shape> shapes = {
        {1, 1, 1, 8, 8, 0},     {3, 5, 7, 8, 8, 0},      {17, 33, 65, 8, 8, 0},
        {9, 40, 96, 4, 8, 32},  {9, 40, 100, 4, 8, 32},  // the last group of each row is 4 columns
        {5, 24, 130, 4, 8, 64}, {8, 16, 256, 4, 8, 128}, {6, 12, 64, 8, 4, 0},
        {6, 12, 63, 4, 4, 0},   {0, 12, 64, 8, 8, 0},    {4, 0, 64, 8, 8, 0},
    };
    for (const auto& s : shapes) {
        auto x = random_values(size_t(s.tokens * s.in), 11, 2.0f);
        auto w = random_values(size_t(s.out * s.in), 12, 0.05f);
        if (s.tokens > 1) std::fill(x.begin(), x.begin() + s.in, 0.0f);  // an all-zero token
        if (s.out > 1) std::fill(w.begin(), w.begin() + s.in, 0.0f);     // an all-zero channel
        const auto bias   = random_values(size_t(s.out), 13);
        const auto packed = pack_weights(w.data(), s.out, s.in, s.w_bits, s.group);
        std::vector<float> fast(size_t(s.tokens * s.out), -1.0f), ref(fast.size(), -2.0f);
        packed_linear(x.data(), s.tokens, packed, s.a_bits, bias.data(), fast.data());
        packed_linear_reference(x.data(), s.tokens, packed, s.a_bits, bias.data(), ref.data());
        for (size_t i = 0; i < fast.size(); ++i)
            ASSERT_EQ(fast[i], ref[i])
                << "tokens " << s.tokens << " out " << s.out << " in " << s.in << " at " << i;
        if (s.tokens > 1 && s.out > 1) {
            EXPECT_EQ(fast[0], bias[0]);              // zero token, zero channel
            EXPECT_EQ(fast[size_t(s.out)], bias[0]);  // zero channel
            EXPECT_EQ(fast[1], bias[1]);              // zero token
        }
    }
}

// The integer product equals fake quantization's float product: x and W fake-quantized (per token, per
// channel or group), multiplied in double, then the bias.
TEST_P(PackedLinearGemm, EqualsTheProductOfFakeQuantizedOperands) {
    for (const auto& s : std::vector<Shape>{{7, 24, 64, 8, 8, 0},
                                            {7, 24, 64, 4, 8, 0},
                                            {5, 16, 128, 4, 8, 32},
                                            {5, 16, 96, 4, 4, 0},
                                            {5, 16, 96, 8, 0, 0},
                                            {5, 16, 128, 4, 0, 64}}) {
        const auto x      = random_values(size_t(s.tokens * s.in), 21, 1.5f);
        const auto w      = random_values(size_t(s.out * s.in), 22, 0.05f);
        const auto bias   = random_values(size_t(s.out), 23, 0.1f);
        const int64_t g   = s.group > 0 ? s.group : s.in;
        const auto packed = pack_weights(w.data(), s.out, s.in, s.w_bits, s.group);
        const auto wq     = fake_quantized(w, s.out, s.in, s.w_bits, g);
        const auto xq     = s.a_bits > 0 ? fake_quantized(x, s.tokens, s.in, s.a_bits, s.in) : x;
        std::vector<float> y(size_t(s.tokens * s.out));
        packed_linear(x.data(), s.tokens, packed, s.a_bits, bias.data(), y.data());
        for (int64_t t = 0; t < s.tokens; ++t) {
            for (int64_t o = 0; o < s.out; ++o) {
                double want = bias[size_t(o)], magnitude = std::fabs(bias[size_t(o)]);
                for (int64_t k = 0; k < s.in; ++k) {
                    const double p = double(xq[size_t(t * s.in + k)]) * double(wq[size_t(o * s.in + k)]);
                    want += p;
                    magnitude += std::fabs(p);
                }
                ASSERT_NEAR(y[size_t(t * s.out + o)], want, 1e-5 * magnitude + 1e-7)
                    << "w" << s.w_bits << "a" << s.a_bits << " group " << s.group << " at " << t << "," << o;
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(IntegerGemms, PackedLinearGemm,
                         ::testing::Values(IntegerGemm::automatic, IntegerGemm::portable),
                         [](const auto& info) {
                             return info.param == IntegerGemm::automatic ? "Automatic" : "Portable";
                         });

}  // namespace
}  // namespace bitswitch::kernels
