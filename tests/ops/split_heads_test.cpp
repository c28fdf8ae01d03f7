// split_heads against libtorch's chain of views, values and gradients.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/ops/split_heads.h"

namespace bitswitch::ops {
namespace {

TEST(SplitHeads, EqualsTheViewChainWithItsGradient) {
    torch::manual_seed(0);
    const int64_t B = 2, T = 5, H = 3, D = 4, C = H * D;
    const auto x     = torch::randn({B, T, 3 * C}, torch::requires_grad());
    const auto xr    = x.detach().clone().requires_grad_();
    const auto parts = split_heads(x, 3, H, 0.5);
    const auto head  = [&](int64_t i) { return xr.narrow(2, i * C, C).view({B, T, H, D}).transpose(1, 2); };
    const std::vector<torch::Tensor> want{head(0) * 0.5, head(1), head(2)};
    torch::Tensor loss = torch::zeros({}), loss_ref = torch::zeros({});
    for (int64_t i = 0; i < 3; ++i) {
        ASSERT_TRUE(parts[size_t(i)].is_contiguous());
        EXPECT_TRUE(torch::equal(parts[size_t(i)], want[size_t(i)])) << "part " << i;
        const auto w = torch::randn({B, H, T, D});  // a different weight per part
        loss         = loss + (parts[size_t(i)] * w).sum();
        loss_ref     = loss_ref + (want[size_t(i)] * w).sum();
    }
    loss.backward();
    loss_ref.backward();
    EXPECT_TRUE(torch::allclose(x.grad(), xr.grad(), 0, 1e-6));
}

TEST(SplitHeads, AStridedInputAndAnUnusedPartWork) {
    torch::manual_seed(1);
    const auto fused = torch::randn({1, 3, 12}, torch::requires_grad());
    const auto parts = split_heads(fused.narrow(2, 4, 8), 2, 2, 1.0);  // (1, 3, 8) with row stride 12
    EXPECT_TRUE(torch::equal(parts[1], fused.narrow(2, 8, 4).view({1, 3, 2, 2}).transpose(1, 2)));
    parts[0].sum().backward();  // part 1 unused: its gradient slice must be zero
    const auto g = fused.grad();
    EXPECT_TRUE(torch::equal(g.narrow(2, 4, 4), torch::ones({1, 3, 4})));
    EXPECT_TRUE(torch::equal(g.narrow(2, 8, 4), torch::zeros({1, 3, 4})));
    EXPECT_TRUE(torch::equal(g.narrow(2, 0, 4), torch::zeros({1, 3, 4})));
}

}  // namespace
}  // namespace bitswitch::ops
