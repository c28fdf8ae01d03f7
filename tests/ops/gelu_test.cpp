// The SIMD GELUs (tanh approximation and exact) against the formulas in double precision and libtorch's
// torch::gelu, forward and gradient.
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

// The exact GELU in double precision: ½x(1 + erf(x/√2)) and its derivative ½(1 + erf(x/√2)) + x·φ(x), with
// 1 + erf(x/√2) as erfc(−x/√2) so that it keeps its digits far on the negative side.
std::pair<torch::Tensor, torch::Tensor> erf_reference(const torch::Tensor& x_float, const torch::Tensor& dy) {
    const auto x       = x_float.to(torch::kFloat64);
    const auto two_cdf = torch::erfc(-x / std::sqrt(2.0));
    const auto pdf     = torch::exp(-0.5 * x * x) / std::sqrt(2 * M_PI);
    return {0.5 * x * two_cdf, dy.to(torch::kFloat64) * (0.5 * two_cdf + x * pdf)};
}

TEST(GeluErf, ValuesAndGradientsMatchTheDoublePrecisionFormula) {
    torch::manual_seed(0);
    auto x = torch::cat(
        {torch::randn({1001}) * 3, torch::tensor({-30.f, -9.f, -4.f, -1e-4f, 0.f, 1e-4f, 4.f, 9.f, 30.f})});
    x.requires_grad_();
    const auto dy = torch::randn(x.sizes());
    const auto y  = gelu_erf(x);
    y.backward(dy);
    const auto [y_exact, dx_exact] = erf_reference(x.detach(), dy);
    const auto abs_err             = [](const torch::Tensor& got, const torch::Tensor& want) {
        return (got.to(torch::kFloat64) - want).abs();
    };
    // erf's approximation is good to 1.5e-7 absolute: |error| ≤ ½|x|·1.5e-7 plus float32 rounding.
    const auto xd     = x.detach().to(torch::kFloat64);
    const auto bound  = 1e-7 * xd.abs() + 2e-7 * y_exact.abs() + 1e-9;
    const auto y_err  = abs_err(y, y_exact);
    const auto dx_err = abs_err(x.grad(), dx_exact);
    EXPECT_TRUE((y_err <= bound).all().item<bool>()) << "max |error| " << y_err.max().item<double>();
    EXPECT_LT(dx_err.max().item<double>(), 2e-6);
    // Exactly 0 and x where erf saturates; the exact zero at 0.
    EXPECT_EQ(y[x.size(0) - 9].item<float>(), -0.0f);  // -30: 1 + erf underflows to 0
    EXPECT_EQ(y[x.size(0) - 1].item<float>(), 30.0f);
    EXPECT_EQ(y[x.size(0) - 5].item<float>(), 0.0f);
    // No worse than libtorch's float32 GELU by more than float32 rounding.
    const double torch_y_err = abs_err(torch::gelu(x.detach()), y_exact).max().item<double>();
    EXPECT_LE(y_err.max().item<double>(), torch_y_err + 2e-6);
    // Far on the negative side 1 + erf is tiny: relative error stays small there (no cancellation).
    const auto tail = torch::tensor({-4.f, -5.f, -6.f});
    const auto rel =
        (abs_err(gelu_erf(tail), erf_reference(tail, tail).first) / erf_reference(tail, tail).first.abs())
            .max()
            .item<double>();
    EXPECT_LT(rel, 2e-2);
}

TEST(GeluErf, NonContiguousInputGivesTheSameAsItsContiguousCopy) {
    torch::manual_seed(1);
    const auto x = torch::randn({64, 48}).t();
    EXPECT_TRUE(torch::equal(gelu_erf(x), gelu_erf(x.contiguous())));
}

TEST(GeluTanh, NonContiguousInputGivesTheSameAsItsContiguousCopy) {
    torch::manual_seed(1);
    const auto x = torch::randn({64, 48}).t();
    EXPECT_TRUE(torch::equal(gelu_tanh(x), gelu_tanh(x.contiguous())));
    EXPECT_EQ(gelu_tanh(x).sizes(), x.sizes());
}

// The reusing variants overwrite only memory nothing else can see, and only when no gradient is needed.
TEST(GeluReusing, OverwritesAFreshTensorOrItsSoleViewInInference) {
    torch::manual_seed(2);
    torch::NoGradGuard no_grad;
    auto fresh             = torch::randn({6, 40});
    const auto expected    = gelu_erf(fresh);
    const void* memory     = fresh.data_ptr();
    const auto overwritten = gelu_erf_reusing(std::move(fresh));
    EXPECT_EQ(overwritten.data_ptr(), memory);
    EXPECT_TRUE(torch::equal(overwritten, expected));
    // A layer's (B·T, F) output seen as (B, T, F): the view is all that holds the base.
    auto view                   = torch::randn({6, 40}).view({2, 3, 40});
    const auto expected_view    = gelu_tanh(view);
    const void* view_memory     = view.data_ptr();
    const auto overwritten_view = gelu_tanh_reusing(std::move(view));
    EXPECT_EQ(overwritten_view.data_ptr(), view_memory);
    EXPECT_TRUE(torch::equal(overwritten_view, expected_view));
}

TEST(GeluReusing, LeavesSharedMemoryAndTensorsThatNeedGradientsAlone) {
    torch::manual_seed(3);
    const auto base = torch::randn({6, 40});
    const auto kept = base.clone();
    {
        torch::NoGradGuard no_grad;
        EXPECT_TRUE(torch::equal(gelu_erf_reusing(base), gelu_erf(kept)));  // another handle
        EXPECT_TRUE(torch::equal(gelu_erf_reusing(base.view({2, 3, 40})).view({6, 40}), gelu_erf(kept)));
        EXPECT_TRUE(torch::equal(gelu_tanh_reusing(base.narrow(1, 0, 20)), gelu_tanh(kept.narrow(1, 0, 20))));
    }
    EXPECT_TRUE(torch::equal(base, kept));
    // With a gradient to come, the input is kept for the backward and the gradient is GELU's.
    auto x = torch::randn({5, 8}, torch::requires_grad());
    auto y = gelu_erf_reusing(x * 1.0);
    y.sum().backward();
    auto x2 = x.detach().clone().requires_grad_();
    gelu_erf(x2).sum().backward();
    EXPECT_TRUE(torch::equal(x.grad(), x2.grad()));
}

}  // namespace
}  // namespace bitswitch::ops
