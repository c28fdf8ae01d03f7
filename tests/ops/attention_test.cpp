// The fused attention function against the same equations written as autograd-tracked libtorch ops, with
// the dropout mask rebuilt from the seed the function draws.
#include <limits>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/kernels/dropout_hash.h"
#include "bitswitch/ops/attention.h"
#include "bitswitch/ops/dropout.h"

namespace bitswitch::ops {
namespace {

struct Inputs {
    torch::Tensor q, k, v, key_bias;
};

// B=2, H=3, T queries after S - T cached keys, D=5; batch 1 pads its last two keys. The default: T=7 after
// 4 cached keys (S=11).
Inputs make_inputs(int64_t T = 7, int64_t S = 11) {
    torch::manual_seed(11);
    Inputs in;
    in.q        = torch::randn({2, 3, T, 5}, torch::requires_grad());
    in.k        = torch::randn({2, 3, S, 5}, torch::requires_grad());
    in.v        = torch::randn({2, 3, S, 5}, torch::requires_grad());
    in.key_bias = torch::zeros({2, S});
    in.key_bias[1].narrow(0, S - 2, 2).fill_(-std::numeric_limits<float>::infinity());
    return in;
}

// The dropout multipliers the function applies after torch::manual_seed(5), element (row, key).
torch::Tensor dropout_multipliers(int64_t rows, int64_t keys, double p) {
    torch::manual_seed(5);
    const uint64_t seed = draw_dropout_seed();  // the seed the function will draw after the same reseed
    auto mult           = torch::empty({rows, keys});
    for (int64_t r = 0; r < rows; ++r) {
        kernels::dropout_row_multipliers(seed, uint64_t(r), kernels::dropout_threshold(p),
                                         float(1.0 / (1.0 - p)), 0, keys, mult.data_ptr<float>() + r * keys);
    }
    return mult;
}

torch::Tensor reference(const Inputs& in, const torch::Tensor& dropout_multipliers, bool causal = true) {
    const int64_t T = in.q.size(2), S = in.k.size(2);
    auto scores  = torch::matmul(in.q, in.k.transpose(-2, -1));
    auto hidden  = causal ? torch::ones({T, S}, torch::kBool).tril(S - T).logical_not()
                          : torch::zeros({T, S}, torch::kBool);
    hidden       = hidden.logical_or(in.key_bias.isinf().view({in.q.size(0), 1, 1, S}));
    const auto p = torch::softmax(scores.masked_fill(hidden, -std::numeric_limits<float>::infinity()), -1);
    return torch::matmul(p * dropout_multipliers, in.v);
}

TEST(Attention, ForwardAndGradientsEqualTheOpChainWithTheSameDropoutMask) {
    const auto in   = make_inputs();
    const double p  = 0.3;
    const auto mult = dropout_multipliers(2 * 3 * 7, 11, p).view({2, 3, 7, 11});
    ASSERT_GT(mult.eq(0).sum().item<int64_t>(), 0);

    torch::manual_seed(5);
    const auto y     = attention(in.q, in.k, in.v, in.key_bias, /*causal=*/true, p, /*training=*/true);
    const auto y_ref = reference(in, mult);
    ASSERT_TRUE(torch::allclose(y, y_ref, 1e-5, 1e-6));

    const auto upstream  = torch::randn(y.sizes());
    const auto grads     = torch::autograd::grad({y}, {in.q, in.k, in.v}, {upstream});
    const auto grads_ref = torch::autograd::grad({y_ref}, {in.q, in.k, in.v}, {upstream});
    for (size_t i = 0; i < 3; ++i)
        EXPECT_TRUE(torch::allclose(grads[i], grads_ref[i], 1e-4, 1e-5)) << "input " << i;
}

TEST(Attention, EvaluationIgnoresDropoutAndNoBiasMeansNoPadding) {
    auto in          = make_inputs();
    in.key_bias      = torch::zeros({2, 11});
    const auto y     = attention(in.q, in.k, in.v, {}, /*causal=*/true, 0.3, /*training=*/false);
    const auto y_ref = reference(in, torch::ones({2, 3, 7, 11}));
    EXPECT_TRUE(torch::allclose(y, y_ref, 1e-5, 1e-6));
}

// Encoders: every query sees every real key. Checked against the op chain with padding, gradients and the
// inference path, and against causal attention, which must differ (the flag is not ignored).
TEST(Attention, NonCausalEqualsTheOpChainWithoutTheCausalLimit) {
    const auto in    = make_inputs();
    const auto y     = attention(in.q, in.k, in.v, in.key_bias, /*causal=*/false, 0.0, /*training=*/true);
    const auto y_ref = reference(in, torch::ones({2, 3, 7, 11}), /*causal=*/false);
    ASSERT_TRUE(torch::allclose(y, y_ref, 1e-5, 1e-6));
    EXPECT_FALSE(torch::allclose(y, reference(in, torch::ones({2, 3, 7, 11})), 1e-3, 1e-3));
    const auto upstream  = torch::randn(y.sizes());
    const auto grads     = torch::autograd::grad({y}, {in.q, in.k, in.v}, {upstream});
    const auto grads_ref = torch::autograd::grad({y_ref}, {in.q, in.k, in.v}, {upstream});
    for (size_t i = 0; i < 3; ++i)
        EXPECT_TRUE(torch::allclose(grads[i], grads_ref[i], 1e-4, 1e-5)) << "input " << i;
    torch::NoGradGuard no_grad;
    const auto inference =
        attention(in.q, in.k, in.v, in.key_bias, /*causal=*/false, 0.0, /*training=*/false);
    EXPECT_TRUE(torch::allclose(inference, y_ref, 1e-5, 1e-6));
}

// Causal self-attention over more than one block of queries runs tile by tile, skipping the keys above each
// block's diagonal: 300 tokens are blocks of 128, 128 and 44. Forward, gradients (with dropout and padding)
// and the inference path must still equal the op chain over the whole matrix.
TEST(Attention, TiledCausalSelfAttentionEqualsTheWholeMatrix) {
    const int64_t T = 300;
    const auto in   = make_inputs(T, T);
    const double p  = 0.2;
    const auto mult = dropout_multipliers(2 * 3 * T, T, p).view({2, 3, T, T});
    // Score-sized buffers full of NaN, freed: the allocator hands their memory to the function's own
    // buffers, so a tile that read an element no kernel wrote would show.
    for (int i = 0; i < 4; ++i) torch::full({2, 3, T, T}, std::numeric_limits<float>::quiet_NaN());
    torch::manual_seed(5);
    const auto y     = attention(in.q, in.k, in.v, in.key_bias, /*causal=*/true, p, /*training=*/true);
    const auto y_ref = reference(in, mult);
    ASSERT_TRUE(torch::allclose(y, y_ref, 1e-5, 1e-6)) << (y - y_ref).abs().max().item<float>();
    const auto upstream  = torch::randn(y.sizes());
    const auto grads     = torch::autograd::grad({y}, {in.q, in.k, in.v}, {upstream});
    const auto grads_ref = torch::autograd::grad({y_ref}, {in.q, in.k, in.v}, {upstream});
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_TRUE(torch::allclose(grads[i], grads_ref[i], 1e-4, 1e-5))
            << "input " << i << ": " << (grads[i] - grads_ref[i]).abs().max().item<float>();
    }
    torch::NoGradGuard no_grad;
    const auto inference = attention(in.q, in.k, in.v, in.key_bias, /*causal=*/true, p, /*training=*/false);
    EXPECT_TRUE(torch::allclose(inference, reference(in, torch::ones({2, 3, T, T})), 1e-5, 1e-6));
}

// Without gradients the batch runs in slices through one reused score buffer (8 x 2 x 1024 x 1024 floats
// would be 64 MB): it must give the autograd path's result, padding and cached keys included.
TEST(Attention, InferenceInSlicesEqualsTheAutogradPath) {
    torch::manual_seed(3);
    const int64_t B = 3, H = 2, T = 1000, S = 1024, D = 8;
    const auto q = torch::randn({B, H, T, D}), k = torch::randn({B, H, S, D}), v = torch::randn({B, H, S, D});
    auto bias = torch::zeros({B, S});
    bias[2].narrow(0, 1000, 24).fill_(-std::numeric_limits<float>::infinity());
    torch::Tensor sliced;
    {
        torch::NoGradGuard no_grad;
        sliced = attention(q, k, v, bias, /*causal=*/true, 0.1, /*training=*/false);
    }
    const auto graph =
        attention(q.clone().requires_grad_(), k, v, bias, /*causal=*/true, 0.1, /*training=*/false);
    ASSERT_TRUE(graph.requires_grad());
    EXPECT_TRUE(torch::allclose(sliced, graph.detach(), 1e-6, 1e-6))
        << (sliced - graph).abs().max().item<float>();
}

}  // namespace
}  // namespace bitswitch::ops
