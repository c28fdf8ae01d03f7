// K/V quantization per token across heads and per token and head, against hand computation.
#include "bitswitch/quant/kv_quant.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace bitswitch::quant {
namespace {

// LLM-QAT's symmetric formula for one value in a group whose max |x| is m, at b bits.
float symmetric(double x, double m, int b) {
    const double s = (std::pow(2.0, b - 1) - 1) / (m + 1e-6);
    return float(std::nearbyint(x * s) / (s + 1e-6));
}

// One token, two heads of D = 2: keys (1, 0.5 | 0.1, -0.2), values (0.3, 0.3 | -4, 2).
torch::Tensor one_token() {
    return torch::tensor({1.0f, 0.5f, 0.1f, -0.2f, 0.3f, 0.3f, -4.0f, 2.0f}).view({1, 1, 2, 4});
}

TEST(KvQuant, AcrossHeadsTakesOneRangeForAllOfATokensKeysAndOneForItsValues) {
    const auto q        = fake_quantize_kv(one_token(), 4, {}, 2, "h.0.attn").view({8});
    const float want[8] = {symmetric(1, 1, 4),    symmetric(0.5, 1, 4), symmetric(0.1, 1, 4),
                           symmetric(-0.2, 1, 4), symmetric(0.3, 4, 4), symmetric(0.3, 4, 4),
                           symmetric(-4, 4, 4),   symmetric(2, 4, 4)};
    for (int i = 0; i < 8; ++i) EXPECT_NEAR(q[i].item<float>(), want[i], 1e-6) << i;
    EXPECT_NEAR(q[2].item<float>(), 1.0 / 7, 1e-6);  // 0.1 · 7 = 0.7 rounds to one step of 1/7
}

TEST(KvQuant, PerHeadTakesEachHeadsOwnRange) {
    KvQuantOptions o;
    o.per_head          = true;
    const auto q        = fake_quantize_kv(one_token(), 4, o, 2, "h.0.attn").view({8});
    const float want[8] = {symmetric(1, 1, 4),      symmetric(0.5, 1, 4),   symmetric(0.1, 0.2, 4),
                           symmetric(-0.2, 0.2, 4), symmetric(0.3, 0.3, 4), symmetric(0.3, 0.3, 4),
                           symmetric(-4, 4, 4),     symmetric(2, 4, 4)};
    for (int i = 0; i < 8; ++i) EXPECT_NEAR(q[i].item<float>(), want[i], 1e-6) << i;
    // Head 1's small keys keep their resolution per head and lose it across heads.
    const auto across = fake_quantize_kv(one_token(), 4, {}, 2, "h.0.attn").view({8});
    EXPECT_NE(q[2].item<float>(), across[2].item<float>());
}

TEST(KvQuant, ThirtyTwoBitsReturnsTheInputItself) {
    const auto kv = one_token();
    EXPECT_TRUE(fake_quantize_kv(kv, 32, {}, 2, "h.0.attn").is_same(kv));
}

}  // namespace
}  // namespace bitswitch::quant
