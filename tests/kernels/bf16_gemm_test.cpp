// bfloat16 rounding by hand and against libtorch's; oneDNN's bf16 GEMM against plain loops on the same
// bfloat16 operands, for every transpose, both betas, odd and empty shapes.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/kernels/bf16_gemm.h"

namespace bitswitch::kernels {
namespace {

float from_bits(uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

TEST(Bf16, RoundingIsToNearestWithTiesToEven) {
    EXPECT_EQ(float_to_bf16(1.0f), 0x3F80);
    EXPECT_EQ(float_to_bf16(-2.0f), 0xC000);
    // 1 + 2^-8 lies halfway between 1 (0x3F80, even) and 1 + 2^-7 (0x3F81): to 1.
    EXPECT_EQ(float_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);
    // 1 + 3·2^-8 lies halfway between 0x3F81 (odd) and 0x3F82: to 0x3F82.
    EXPECT_EQ(float_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3F82);
    // Just above the halfway point rounds up.
    EXPECT_EQ(float_to_bf16(from_bits(0x3F808001)), 0x3F81);
    EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
    EXPECT_EQ(bf16_to_float(float_to_bf16(std::numeric_limits<float>::infinity())),
              std::numeric_limits<float>::infinity());
    EXPECT_EQ(bf16_to_float(0x3FC0), 1.5f);
}

TEST(Bf16, RoundingAgreesWithLibtorch) {
    torch::manual_seed(3);
    const auto x     = torch::randn({4096}) * torch::exp(torch::randn({4096}) * 8);
    const auto ours  = x.clone();
    const float* src = x.data_ptr<float>();
    float* dst       = ours.data_ptr<float>();
    for (int64_t i = 0; i < x.numel(); ++i) dst[i] = bf16_to_float(float_to_bf16(src[i]));
    EXPECT_TRUE(torch::equal(ours, x.to(torch::kBFloat16).to(torch::kFloat32)));
}

std::vector<uint16_t> random_bf16(size_t n, std::mt19937& rng) {
    std::normal_distribution<float> normal;
    std::vector<uint16_t> out(n);
    for (auto& v : out) v = float_to_bf16(normal(rng));
    return out;
}

TEST(Bf16, GemmEqualsPlainLoopsOnTheSameOperands) {
    if (!bf16_gemm_native()) GTEST_SKIP() << "no native bf16 products on this CPU (" << cpu_isa_name() << ")";
    std::mt19937 rng(11);
    for (const auto& [m, n, k] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{
             {1, 1, 1}, {5, 7, 33}, {70, 90, 300}, {4, 3, 0}}) {
        for (const bool ta : {false, true}) {
            for (const bool tb : {false, true}) {
                for (const auto& [beta, with_bias] : std::vector<std::pair<float, bool>>{
                         {0.0f, false}, {1.0f, false}, {0.0f, true}, {1.0f, true}}) {
                    const int64_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
                    const auto a = random_bf16(size_t((ta ? k : m) * lda), rng);
                    const auto b = random_bf16(size_t((tb ? n : k) * ldb), rng);
                    std::vector<float> c(size_t(m * ldc));
                    std::normal_distribution<float> normal;
                    for (auto& v : c) v = normal(rng);
                    std::vector<float> bias(static_cast<size_t>(n));
                    for (auto& v : bias) v = 10.0f * normal(rng);  // large enough to be seen if dropped
                    const float* bias_or_null = with_bias ? bias.data() : nullptr;
                    auto want                 = c;
                    bf16_gemm(ta, tb, m, n, k, a.data(), lda, b.data(), ldb, beta, c.data(), ldc,
                              bias_or_null);
                    bf16_gemm_reference(ta, tb, m, n, k, a.data(), lda, b.data(), ldb, beta, want.data(), ldc,
                                        bias_or_null);
                    // Exact products, float32 sums in some order: within k float32 roundings of the sum
                    // of magnitudes (|entries| below 5 here, so 25 per product).
                    const float tolerance = 1e-6f * 25.0f * float(k + 1) + 1e-6f;
                    for (int64_t i = 0; i < m; ++i) {
                        for (int64_t j = 0; j < ldc; ++j) {
                            const size_t at = size_t(i * ldc + j);
                            ASSERT_NEAR(c[at], want[at], j < n ? tolerance : 0.0f)
                                << m << "x" << n << "x" << k << " ta " << ta << " tb " << tb << " beta "
                                << beta << " bias " << with_bias << " at " << i << "," << j;
                        }
                    }
                }
            }
        }
    }
}

}  // namespace
}  // namespace bitswitch::kernels
