// The SIMD GELU (tanh approximation) against libtorch's torch::gelu(x, "tanh"), forward and gradient.
#include <cmath>
#include <cstdio>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/ops/gelu.h"

namespace bitswitch::ops {
namespace {

// The formula in double precision, written out: the reference both float implementations approximate.
std::pair<torch::Tensor, torch::Tensor> reference(const torch::Tensor& x_float, const torch::Tensor& dy) {
    const auto x      = x_float.to(torch::kFloat64);
    const double beta = std::sqrt(2.0 / M_PI), kappa = 0.044715;
    const auto t = torch::tanh(beta * (x + kappa * x.pow(3)));
    const auto y = 0.5 * x * (1 + t);
    const auto dx =
        dy.to(torch::kFloat64) * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * beta * (1 + 3 * kappa * x * x));
    return {y, dx};
}

TEST(GeluTanh, ValuesAndGradientsMatchTheDoublePrecisionFormulaAsCloselyAsLibtorch) {
    torch::manual_seed(0);
    // A vector tail (odd length), the saturated regions and values near zero.
    auto x =
        torch::cat({torch::randn({1001}) * 3, torch::tensor({-30.f, -9.f, -1e-4f, 0.f, 1e-4f, 9.f, 30.f})});
    x.requires_grad_();
    const auto dy = torch::randn(x.sizes());
    const auto y  = gelu_tanh(x);
    y.backward(dy);
    const auto xr = x.detach().clone().requires_grad_();
    torch::gelu(xr, "tanh").backward(dy);
    const auto [y_exact, dx_exact] = reference(x.detach(), dy);
    const auto err                 = [](const torch::Tensor& got, const torch::Tensor& want) {
        return (got.to(torch::kFloat64) - want).abs().max().item<double>();
    };
    const double y_err = err(y, y_exact), dx_err = err(x.grad(), dx_exact);
    const double torch_y_err  = err(torch::gelu(x.detach(), "tanh"), y_exact),
                 torch_dx_err = err(xr.grad(), dx_exact);
    // Values up to ~9 and gradients up to ~10 in magnitude: float32 resolution there is ~1e-6.
    EXPECT_LT(y_err, 2e-6) << "libtorch: " << torch_y_err;
    EXPECT_LT(dx_err, 4e-6) << "libtorch: " << torch_dx_err;
    // As close as libtorch's own float32 GELU: within a quarter of its error (equal on these inputs).
    EXPECT_LE(y_err, 1.25 * torch_y_err);
    EXPECT_LE(dx_err, 1.25 * torch_dx_err);
    std::printf("max |error| vs double: ours %.2g / %.2g, libtorch %.2g / %.2g (value / gradient)\n", y_err,
                dx_err, torch_y_err, torch_dx_err);
}

TEST(GeluTanh, NonContiguousInputGivesTheSameAsItsContiguousCopy) {
    torch::manual_seed(1);
    const auto x = torch::randn({64, 48}).t();
    EXPECT_TRUE(torch::equal(gelu_tanh(x), gelu_tanh(x.contiguous())));
    EXPECT_EQ(gelu_tanh(x).sizes(), x.sizes());
}

}  // namespace
}  // namespace bitswitch::ops
