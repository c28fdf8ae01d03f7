// Fused attention rows against a double-precision softmax written out here, including rows whose length is
// not a multiple of any SIMD width, padding, cached keys, rows with nothing visible, and dropout.
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "bitswitch/kernels/attention_softmax.h"
#include "bitswitch/kernels/dropout_hash.h"

namespace bitswitch::kernels {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

struct Case {
    AttentionRows rows;
    std::vector<float> bias;  // (batch, S)
    int64_t batch;
    int64_t count() const { return batch * rows.heads * rows.queries; }
};

// B=2, H=2, T=5 queries after 32 cached keys (S=37); batch 1 pads its keys 3..36 and key 0.
// The multipliers of every element, row by row, from the scalar reference.
std::vector<float> multipliers(const Case& c) {
    const int64_t S = c.rows.keys;
    std::vector<float> m(size_t(c.count() * S));
    const float scale = 1.0f / (1.0f - c.rows.dropout_p);
    for (int64_t r = 0; r < c.count(); ++r) {
        dropout_row_multipliers(c.rows.dropout_seed, uint64_t(r), dropout_threshold(c.rows.dropout_p), scale,
                                0, S, m.data() + r * S);
    }
    return m;
}

Case make_case(float p) {
    Case c;
    c.batch        = 2;
    c.rows.heads   = 2;
    c.rows.queries = 5;
    c.rows.keys    = 37;
    c.rows.past    = 32;
    c.bias.assign(size_t(c.batch * c.rows.keys), 0.0f);
    for (int64_t s = 3; s < 37; ++s) c.bias[size_t(37 + s)] = -kInf;
    c.bias[37]          = -kInf;
    c.rows.key_bias     = c.bias.data();
    c.rows.dropout_p    = p;
    c.rows.dropout_seed = 1234;
    return c;
}

std::vector<float> scores_for(const Case& c) {
    std::vector<float> x(size_t(c.count() * c.rows.keys));
    for (size_t i = 0; i < x.size(); ++i) x[i] = float(std::sin(0.37 * double(i)) * 4.0);
    return x;
}

// Softmax over the visible, non-padding keys of row r in double precision; 0 elsewhere.
std::vector<double> reference_probs(const Case& c, const std::vector<float>& x, int64_t r) {
    const int64_t S = c.rows.keys, t = r % c.rows.queries, b = r / (c.rows.queries * c.rows.heads);
    std::vector<double> p(size_t(S), 0.0);
    double max = -1e300, total = 0;
    const auto visible = [&](int64_t s) { return s <= c.rows.past + t && c.bias[size_t(b * S + s)] == 0.0f; };
    for (int64_t s = 0; s < S; ++s)
        if (visible(s)) max = std::max(max, double(x[size_t(r * S + s)]));
    for (int64_t s = 0; s < S; ++s)
        if (visible(s)) total += (p[size_t(s)] = std::exp(double(x[size_t(r * S + s)]) - max));
    for (auto& v : p) v = total > 0 ? v / total : 0.0;
    return p;
}

TEST(AttentionSoftmax, ForwardEqualsMaskedSoftmax) {
    const auto c  = make_case(0.0f);
    auto x        = scores_for(c);
    const auto x0 = x;
    attention_softmax_forward(c.rows, 0, c.count(), x.data(), nullptr);
    for (int64_t r = 0; r < c.count(); ++r) {
        const auto want = reference_probs(c, x0, r);
        for (int64_t s = 0; s < c.rows.keys; ++s) {
            ASSERT_NEAR(x[size_t(r * c.rows.keys + s)], want[size_t(s)], 1e-6) << "row " << r << " key " << s;
        }
    }
}

TEST(AttentionSoftmax, RowWithNothingVisibleIsZero) {
    auto c = make_case(0.0f);
    std::fill(c.bias.begin() + 37, c.bias.end(), -kInf);  // batch 1: every key is padding
    auto x = scores_for(c);
    attention_softmax_forward(c.rows, 0, c.count(), x.data(), nullptr);
    const int64_t first = c.rows.heads * c.rows.queries * c.rows.keys;  // batch 1 starts here
    for (size_t i = size_t(first); i < x.size(); ++i) ASSERT_EQ(x[i], 0.0f);
}

TEST(AttentionSoftmax, DropoutScalesTheKeptProbabilitiesOfTheHashMask) {
    const auto c = make_case(0.25f);
    auto x       = scores_for(c);
    std::vector<float> dropped(x.size(), -1.0f);
    attention_softmax_forward(c.rows, 0, c.count(), x.data(), dropped.data());
    const auto mult = multipliers(c);
    int64_t zeros   = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        ASSERT_FLOAT_EQ(dropped[i], x[i] * mult[i]) << i;
        zeros += mult[i] == 0.0f;
    }
    EXPECT_NEAR(double(zeros) / double(x.size()), 0.25, 0.04);  // 740 draws
}

TEST(AttentionSoftmax, BackwardEqualsTheSoftmaxJacobianWithDropout) {
    const auto c = make_case(0.25f);
    auto probs   = scores_for(c);
    std::vector<float> dropped(probs.size());
    attention_softmax_forward(c.rows, 0, c.count(), probs.data(), dropped.data());
    std::vector<float> grad(probs.size()), dropped_again(probs.size());
    for (size_t i = 0; i < grad.size(); ++i) grad[i] = float(std::cos(0.11 * double(i)));
    const auto upstream = grad;
    attention_softmax_backward(c.rows, 0, c.count(), probs.data(), grad.data(), dropped_again.data());
    const auto mult = multipliers(c);
    const int64_t S = c.rows.keys;
    for (int64_t r = 0; r < c.count(); ++r) {
        // dL/dscore_s = sum_j dL/dP_j · P_j (δ_js − P_s), with dL/dP_j = upstream_j · mult_j.
        double dot = 0;
        for (int64_t j = 0; j < S; ++j)
            dot += double(upstream[size_t(r * S + j)]) * mult[size_t(r * S + j)] * probs[size_t(r * S + j)];
        for (int64_t s = 0; s < S; ++s) {
            const size_t i    = size_t(r * S + s);
            const double want = probs[i] * (double(upstream[i]) * mult[i] - dot);
            ASSERT_NEAR(grad[i], want, 1e-5) << "row " << r << " key " << s;
            ASSERT_EQ(dropped_again[i], dropped[i]);
        }
    }
}

TEST(DropoutHash, AnySplitOfARowGivesTheSameMultipliersAndRowsDiffer) {
    std::vector<float> whole(103), parts(103), other(103);
    dropout_row_multipliers(7, 3, dropout_threshold(0.5), 2.0f, 5, 103, whole.data());
    dropout_row_multipliers(7, 3, dropout_threshold(0.5), 2.0f, 5, 2, parts.data());
    dropout_row_multipliers(7, 3, dropout_threshold(0.5), 2.0f, 7, 101, parts.data() + 2);
    EXPECT_EQ(whole, parts);
    dropout_row_multipliers(7, 4, dropout_threshold(0.5), 2.0f, 5, 103, other.data());
    EXPECT_NE(whole, other);
}

TEST(DropoutHash, KeepRateMatchesPOverManyRows) {
    std::vector<float> m(4096);
    int64_t dropped = 0, total = 0;
    for (uint64_t row = 0; row < 64; ++row) {
        dropout_row_multipliers(11, row, dropout_threshold(0.1), 1.0f / 0.9f, 0, 4096, m.data());
        for (const float v : m) dropped += v == 0.0f;
        total += 4096;
    }
    EXPECT_NEAR(double(dropped) / double(total), 0.1, 0.003);  // 262,144 draws: sd 0.0006
}

}  // namespace
}  // namespace bitswitch::kernels
