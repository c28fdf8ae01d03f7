#include "bitswitch/ops/dropout.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace bitswitch::ops {
namespace {

TEST(FastDropout, DropsAboutPAndScalesTheRestExactly) {
    torch::manual_seed(1);
    const auto x         = torch::rand({1000, 1000}) + 0.5;  // no zeros: a zero output means dropped
    const auto y         = fast_dropout(x, 0.1, true);
    const double dropped = (y == 0).sum().item<double>() / double(x.numel());
    // Binomial(1e6, 6553/65536): standard deviation 3e-4; allow 5 of them.
    EXPECT_NEAR(dropped, 6553.0 / 65536.0, 1.5e-3);
    const auto kept = y != 0;
    EXPECT_TRUE(torch::equal(y.masked_select(kept), x.masked_select(kept) * float(1.0 / 0.9)));
}

TEST(FastDropout, GradientIsTheMaskTimesTheScale) {
    torch::manual_seed(2);
    const auto x = (torch::rand({64, 33}) + 0.5).requires_grad_(true);
    const auto w = torch::randn({64, 33});
    const auto y = fast_dropout(x, 0.3, true);
    (y * w).sum().backward();
    const auto expected = torch::where(y != 0, w * float(1.0 / 0.7), torch::zeros_like(w));
    EXPECT_TRUE(torch::allclose(x.grad(), expected, 0, 0));
}

TEST(FastDropout, SeedDeterminesTheMaskWhateverTheThreadCount) {
    const auto x = torch::ones({257, 1001});
    torch::manual_seed(3);
    at::set_num_threads(1);
    const auto a = fast_dropout(x, 0.5, true);
    torch::manual_seed(3);
    at::set_num_threads(2);
    const auto b = fast_dropout(x, 0.5, true);
    const auto c = fast_dropout(x, 0.5, true);  // the generator moved on
    EXPECT_TRUE(torch::equal(a, b));
    EXPECT_FALSE(torch::equal(b, c));
}

TEST(FastDropout, IdentityOutsideTrainingOrAtZero) {
    const auto x = torch::randn({4, 4});
    EXPECT_TRUE(fast_dropout(x, 0.5, false).is_same(x));
    EXPECT_TRUE(fast_dropout(x, 0.0, true).is_same(x));
}

}  // namespace
}  // namespace bitswitch::ops
