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

// B=2, H=3, T=7 queries after 4 cached keys (S=11), D=5; batch 1 pads its last two keys.
Inputs make_inputs() {
    torch::manual_seed(11);
    Inputs in;
    in.q        = torch::randn({2, 3, 7, 5}, torch::requires_grad());
    in.k        = torch::randn({2, 3, 11, 5}, torch::requires_grad());
    in.v        = torch::randn({2, 3, 11, 5}, torch::requires_grad());
    in.key_bias = torch::zeros({2, 11});
    in.key_bias[1].narrow(0, 9, 2).fill_(-std::numeric_limits<float>::infinity());
    return in;
}

torch::Tensor reference(const Inputs& in, const torch::Tensor& dropout_multipliers, bool causal = true) {
    const int64_t T = in.q.size(2), S = in.k.size(2);
    auto scores  = torch::matmul(in.q, in.k.transpose(-2, -1));
    auto hidden  = causal ? torch::ones({T, S}, torch::kBool).tril(S - T).logical_not()
                          : torch::zeros({T, S}, torch::kBool);
    hidden       = hidden.logical_or(in.key_bias.isinf().view({2, 1, 1, S}));
    const auto p = torch::softmax(scores.masked_fill(hidden, -std::numeric_limits<float>::infinity()), -1);
    return torch::matmul(p * dropout_multipliers, in.v);
}

TEST(Attention, ForwardAndGradientsEqualTheOpChainWithTheSameDropoutMask) {
    const auto in  = make_inputs();
    const double p = 0.3;
    torch::manual_seed(5);
    const uint64_t seed = draw_dropout_seed();  // the seed the function will draw after the same reseed
    auto mult           = torch::empty({2, 3, 7, 11});
    for (int64_t r = 0; r < 2 * 3 * 7; ++r) {
        kernels::dropout_row_multipliers(seed, uint64_t(r), kernels::dropout_threshold(p),
                                         float(1.0 / (1.0 - p)), 0, 11, mult.data_ptr<float>() + r * 11);
    }
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
