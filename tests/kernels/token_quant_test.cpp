// Per-token quantization: the vectorized integers equal the scalar formula's exactly, ties included, for
// widths that are not a multiple of the vector length, zero rows and every bit-width; the shifted form is
// the same integers plus 128.
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "bitswitch/kernels/token_quant.h"

namespace bitswitch::kernels {
namespace {

TEST(TokenQuant, VectorizedEqualsTheScalarFormulaExactly) {
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.0f, 2.0f);
    for (const int64_t n : {1, 7, 16, 33, 768, 3071}) {
        for (const int bits : {2, 3, 4, 8}) {
            const int64_t rows = 5;
            std::vector<float> x(size_t(rows * n));
            for (auto& v : x) v = normal(rng);
            for (int64_t i = 0; i < n; ++i) x[size_t(2 * n + i)] = 0.0f;  // a zero row
            std::vector<int8_t> q(x.size()), r(x.size());
            std::vector<uint8_t> u(x.size());
            std::vector<float> d(static_cast<size_t>(rows)), dr(d), du(d);
            quantize_rows(x.data(), rows, n, bits, q.data(), d.data());
            quantize_rows_shifted(x.data(), rows, n, bits, u.data(), du.data());
            quantize_rows_reference(x.data(), rows, n, bits, r.data(), dr.data());
            ASSERT_EQ(q, r) << "n " << n << ", bits " << bits;
            ASSERT_EQ(d, dr);
            ASSERT_EQ(du, dr);
            for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(int(u[i]), int(r[i]) + 128) << i;
            const int qmax = (1 << (bits - 1)) - 1;
            for (const int8_t v : q) ASSERT_LE(std::abs(int(v)), qmax);
        }
    }
}

TEST(TokenQuant, TiesRoundToEven) {
    // At 3 bits with max |x| just under 3, s = (1 / 3) * 3 = 1, so x · s = x and halves are exact ties.
    const float absmax = 3.0f - 1e-6f;  // (1 / (absmax + 1e-6)) * 3 = 1 when absmax + 1e-6 rounds to 3
    ASSERT_EQ((1.0f / (absmax + 1e-6f)) * 3.0f, 1.0f);
    const std::vector<float> x = {0.5f, 1.5f, -0.5f, -1.5f, 2.5f, absmax, -2.5f, 0.0f};
    std::vector<int8_t> q(x.size());
    float d = 0;
    quantize_rows(x.data(), 1, int64_t(x.size()), 3, q.data(), &d);
    EXPECT_EQ(q, (std::vector<int8_t>{0, 2, 0, -2, 2, 3, -2, 0}));
}

}  // namespace
}  // namespace bitswitch::kernels
