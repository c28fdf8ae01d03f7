// Quantizers against hand-computed values, the libtorch formula, and their invariants.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/quant/quantizer.h"

namespace bitswitch::quant {
namespace {

QuantizerOptions options(int bits, Scheme scheme = Scheme::kSymmetric, Granularity g = Granularity::kRow,
                         int64_t group = 0) {
    QuantizerOptions o;
    o.bits        = bits;
    o.scheme      = scheme;
    o.granularity = g;
    o.group_size  = group;
    return o;
}

// LLM-QAT's dequantization divisor for a group with maximum magnitude m: s + 1e-6, s = (2^(b-1)-1)/(m+1e-6).
double sym_divisor(int bits, double m) {
    return double((1.0f / float(m + 1e-6)) * float((1 << (bits - 1)) - 1)) + 1e-6;
}

void expect_values(const torch::Tensor& y, const std::vector<double>& want) {
    ASSERT_EQ(y.numel(), int64_t(want.size()));
    const auto f = y.contiguous().view(-1);
    for (size_t i = 0; i < want.size(); ++i)
        EXPECT_NEAR(f[int64_t(i)].item<float>(), want[i], 1e-6 * (1 + std::fabs(want[i]))) << i;
}

TEST(Quantizer, SymmetricPerRowMatchesHandComputation) {
    // Row 0, 4 bits: max 4, s = 7/(4 + 1e-6), just below 1.75: x·s = 1.7499996, -3.4999991, 0.8749998,
    // 6.9999983 -> 2, -3, 1, 7. Row 1: max 1, s just below 7: 3.4999965 -> 3, -1.7499982 -> -2, 7, 0.
    const auto x    = torch::tensor({1.0f, -2.0f, 0.5f, 4.0f, 0.5f, -0.25f, 1.0f, 0.0f}).view({2, 4});
    const auto y    = fake_quantize(x, options(4));
    const double d0 = sym_divisor(4, 4.0), d1 = sym_divisor(4, 1.0);
    expect_values(y, {2 / d0, -3 / d0, 1 / d0, 7 / d0, 3 / d1, -2 / d1, 7 / d1, 0});
}

TEST(Quantizer, SymmetricPerTensorAndPerGroupUseTheirOwnMaxima) {
    const auto x = torch::tensor({1.0f, -2.0f, 0.5f, 4.0f}).view({1, 4});
    // 2 bits: levels -1, 0, 1. Per tensor (max 4): x·s = 0.25, -0.5, 0.125, 1 -> 0, -0 (half to even), 0, 1.
    expect_values(fake_quantize(x, options(2, Scheme::kSymmetric, Granularity::kTensor)),
                  {0, 0, 0, 1 / sym_divisor(2, 4)});
    // Groups of 2: [1, -2] (max 2): 0.5 -> 0, -1 -> -1; [0.5, 4] (max 4): 0.125 -> 0, 1 -> 1.
    expect_values(fake_quantize(x, options(2, Scheme::kSymmetric, Granularity::kGroup, 2)),
                  {0, -1 / sym_divisor(2, 2), 0, 1 / sym_divisor(2, 4)});
}

TEST(Quantizer, AsymmetricMatchesHandComputation) {
    // 2 bits over [0, 3]: scale 1, levels 0..3; 1.4 -> 1.
    expect_values(fake_quantize(torch::tensor({0.0f, 1.0f, 2.0f, 3.0f, 1.4f}).view({1, 5}),
                                options(2, Scheme::kAsymmetric)),
                  {0, 1, 2, 3, 1});
    // 4 bits over [-1, 14]: scale 1; (0.5 + 1) = 1.5 rounds half to even -> 2 -> 1.
    expect_values(
        fake_quantize(torch::tensor({-1.0f, 0.5f, 14.0f}).view({1, 3}), options(4, Scheme::kAsymmetric)),
        {-1, 1, 14});
    // 8 bits, per row: row [0, 255] has scale 1; row [10, 10] is constant (scale 1e-8) and comes back as is.
    expect_values(fake_quantize(torch::tensor({0.0f, 127.4f, 255.0f, 10.0f, 10.0f, 10.0f}).view({2, 3}),
                                options(8, Scheme::kAsymmetric)),
                  {0, 127, 255, 10, 10, 10});
}

TEST(Quantizer, KernelEqualsTheLibtorchFormulaBitForBit) {
    torch::manual_seed(3);
    const auto x = torch::randn({7, 37}) * 3;  // rows not a multiple of any SIMD width
    for (int bits : {2, 3, 4, 8, 16}) {
        for (auto scheme : {Scheme::kSymmetric, Scheme::kAsymmetric}) {
            for (auto g : {Granularity::kRow, Granularity::kTensor}) {
                const auto o = options(bits, scheme, g);
                EXPECT_TRUE(torch::equal(fake_quantize(x, o), fake_quantize_op_chain(x, o)))
                    << bits << " bits";
            }
            const auto y = torch::randn({5, 48});
            const auto o = options(bits, scheme, Granularity::kGroup, 16);
            EXPECT_TRUE(torch::equal(fake_quantize(y, o), fake_quantize_op_chain(y, o)))
                << bits << " bits, groups";
        }
    }
}

TEST(Quantizer, ThirtyTwoBitsReturnsTheInputItself) {
    const auto x = torch::randn({3, 5});
    EXPECT_TRUE(fake_quantize(x, options(32)).is_same(x));
}

TEST(Quantizer, SixteenBitsIsWithinHalfAStepAndRequantizingMovesAtMostOneStep) {
    torch::manual_seed(4);
    const auto x   = torch::randn({16, 64});
    const auto max = x.abs().amax(1, true);
    for (int bits : {2, 4, 8, 16}) {
        const auto step = max / double((1 << (bits - 1)) - 1);
        const auto q    = fake_quantize(x, options(bits));
        EXPECT_TRUE((q - x).abs().le(step * 0.5 * (1 + 1e-4)).all().item<bool>()) << bits;
        // Q(Q(x)) differs from Q(x) only through LLM-QAT's eps terms: within one step.
        EXPECT_TRUE((fake_quantize(q, options(bits)) - q).abs().le(step * (1 + 1e-4)).all().item<bool>())
            << bits;
    }
}

TEST(Quantizer, StraightThroughGradientIsTheIdentityInsideTheRange) {
    const auto x = torch::tensor({-3.0f, -1.0f, 0.5f, 2.5f}).view({1, 4}).requires_grad_(true);
    fake_quantize(x, options(4)).sum().backward();
    EXPECT_TRUE(torch::equal(x.grad(), torch::ones({1, 4})));

    x.mutable_grad() = torch::Tensor();
    auto clipped     = options(4);
    clipped.ste_clip = 2.0;  // LLM-QAT: no gradient where |x| >= 2
    fake_quantize(x, clipped).sum().backward();
    EXPECT_TRUE(torch::equal(x.grad(), torch::tensor({0.0f, 1.0f, 1.0f, 0.0f}).view({1, 4})));

    x.mutable_grad() = torch::Tensor();
    fake_quantize_with_range(x, options(8, Scheme::kAsymmetric), -2.0f, 1.0f)
        .sum()
        .backward();  // clamps -3 and 2.5
    EXPECT_TRUE(torch::equal(x.grad(), torch::tensor({0.0f, 1.0f, 1.0f, 0.0f}).view({1, 4})));
}

TEST(Quantizer, GivenRangeClampsAndQuantizesOnItsGrid) {
    // 2 bits on [0, 3]: scale 1. -5 clamps to 0, 9 to 3.
    const auto y = fake_quantize_with_range(torch::tensor({-5.0f, 1.2f, 9.0f}),
                                            options(2, Scheme::kAsymmetric), 0.0f, 3.0f);
    expect_values(y, {0, 1, 3});
}

TEST(Quantizer, ZeroConstantAndHugeGroupsStayFinite) {
    for (auto scheme : {Scheme::kSymmetric, Scheme::kAsymmetric}) {
        EXPECT_TRUE(
            torch::equal(fake_quantize(torch::zeros({2, 8}), options(4, scheme)), torch::zeros({2, 8})));
        const float big = 1e38f;  // the range 2e38 is still a float
        const auto y    = fake_quantize(torch::tensor({-big, 0.0f, big}).view({1, 3}), options(8, scheme));
        EXPECT_TRUE(y.isfinite().all().item<bool>());
        // LLM-QAT's + 1e-6 dominates s for such magnitudes (documented); the asymmetric scheme stays exact.
        if (scheme == Scheme::kAsymmetric) {
            EXPECT_NEAR(y[0][2].item<float>() / big, 1.0, 1e-6);
        }
    }
    EXPECT_TRUE(torch::equal(fake_quantize(torch::full({1, 5}, -2.5f), options(3, Scheme::kAsymmetric)),
                             torch::full({1, 5}, -2.5f)));
}

TEST(Quantizer, NanInputIsAnErrorNamingTheTensor) {
    const auto x = torch::tensor({1.0f, std::nanf(""), 2.0f}).view({1, 3});
    for (auto g : {Granularity::kRow, Granularity::kTensor}) {
        try {
            fake_quantize(x, options(8, Scheme::kSymmetric, g), "h.0.mlp.c_fc input");
            FAIL() << "no error";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("h.0.mlp.c_fc input"), std::string::npos) << e.what();
        }
    }
}

TEST(Quantizer, UnsupportedBitsAndGroupsAreInputErrors) {
    const auto x = torch::randn({2, 6});
    EXPECT_THROW(fake_quantize(x, options(1)), InputError);
    EXPECT_THROW(fake_quantize(x, options(17)), InputError);
    EXPECT_THROW(fake_quantize(x, options(4, Scheme::kSymmetric, Granularity::kGroup, 4)), InputError);
}

TEST(EmaRange, ConvergesGeometricallyOnAKnownStream) {
    auto state = EmaRange::empty_state();
    EXPECT_FALSE(EmaRange::observed(state));
    EmaRange::update(state, torch::tensor({-5.0f, 5.0f}), 0.9, "x");  // first batch: its own range
    for (int i = 0; i < 3; ++i) EmaRange::update(state, torch::tensor({-1.0f, 0.0f, 1.0f}), 0.9, "x");
    // lo_n = -1 - 4 · 0.9^n
    EXPECT_NEAR(state[0].item<float>(), -1 - 4 * 0.729, 1e-5);
    EXPECT_NEAR(state[1].item<float>(), 1 + 4 * 0.729, 1e-5);
}

}  // namespace
}  // namespace bitswitch::quant
