// The model's products (oneDNN sgemm where it applies) against libtorch's own matmul and autograd, on
// odd shapes, transposed and strided operands, and empty ones.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/kernels/bf16_gemm.h"
#include "bitswitch/kernels/sgemm.h"
#include "bitswitch/ops/matmul.h"

namespace bitswitch::ops {
namespace {

void expect_close(const torch::Tensor& got, const torch::Tensor& want, const char* what) {
    ASSERT_EQ(got.sizes(), want.sizes()) << what;
    EXPECT_TRUE(torch::allclose(got, want, 1e-5, 1e-5))
        << what << ": max |diff| " << (got - want).abs().max().item<float>();
}

TEST(Matmul, TheFastPathIsOnWhenTheBuildHasOneDnn) {
    // BITSWITCH_GEMM=torch turns it off on purpose; otherwise a build with oneDNN must use it.
    if (std::getenv("BITSWITCH_GEMM") == nullptr) {
        EXPECT_EQ(fast_gemm_enabled(), kernels::sgemm_available());
    }
}

TEST(Matmul, LinearAndItsGradientsEqualAddmm) {
    torch::manual_seed(0);
    for (const auto& [n, in, out] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{
             {1, 1, 1}, {7, 13, 5}, {33, 64, 17}, {128, 96, 200}}) {
        for (const bool with_bias : {true, false}) {
            const auto x  = torch::randn({n, in}, torch::requires_grad());
            const auto w  = torch::randn({out, in}, torch::requires_grad());
            const auto b  = with_bias ? torch::randn({out}, torch::requires_grad()) : torch::Tensor();
            const auto dy = torch::randn({n, out});
            const auto y  = linear(x, w, b);
            y.backward(dy);
            const auto xr = x.detach().clone().requires_grad_(), wr = w.detach().clone().requires_grad_();
            const auto br = with_bias ? b.detach().clone().requires_grad_() : torch::Tensor();
            const auto yr = with_bias ? torch::addmm(br, xr, wr.t()) : torch::mm(xr, wr.t());
            yr.backward(dy);
            expect_close(y, yr, "y");
            expect_close(x.grad(), xr.grad(), "dx");
            expect_close(w.grad(), wr.grad(), "dw");
            if (with_bias) expect_close(b.grad(), br.grad(), "db");
        }
    }
}

// Under bf16 products, linear and its gradients are the float32 products of the bfloat16-rounded
// operands (x, w and dy); the bias and the results stay float32.
TEST(Matmul, Bf16LinearIsTheFloat32ProductOfRoundedOperands) {
    if (!bf16_products_available()) {
        EXPECT_THROW(set_bf16_products(true), InputError);
        GTEST_SKIP() << "no native bf16 products here";
    }
    torch::manual_seed(6);
    const auto round = [](const torch::Tensor& t) {
        return t.detach().to(torch::kBFloat16).to(torch::kFloat);
    };
    for (const auto& [n, in, out] :
         std::vector<std::tuple<int64_t, int64_t, int64_t>>{{7, 13, 5}, {64, 96, 40}}) {
        const auto x  = torch::randn({n, in}, torch::requires_grad());
        const auto w  = torch::randn({out, in}, torch::requires_grad());
        const auto b  = torch::randn({out}, torch::requires_grad());
        const auto dy = torch::randn({n, out});
        torch::Tensor y;
        {
            const Bf16ProductsScope bf16(true);
            EXPECT_TRUE(bf16_products());
            y = linear(x, w, b);
            y.backward(dy);
        }
        EXPECT_FALSE(bf16_products());  // the scope restored float32
        EXPECT_EQ(y.scalar_type(), torch::kFloat);
        const auto xr = round(x).requires_grad_(), wr = round(w).requires_grad_();
        const auto br = b.detach().clone().requires_grad_();
        torch::addmm(br, xr, wr.t()).backward(round(dy));
        expect_close(y, torch::addmm(b.detach(), round(x), round(w).t()), "y");
        expect_close(x.grad(), xr.grad(), "dx");
        expect_close(w.grad(), wr.grad(), "dw");
        // db sums dy itself (not rounded): the bias path is float32.
        expect_close(b.grad(), dy.sum(0), "db");
        // And it differs from the float32 product: the rounding really happened.
        EXPECT_GT((y - torch::addmm(b, x, w.t())).abs().max().item<float>(), 1e-4f);
    }
}

TEST(Matmul, AccumulatingAProductEqualsAddmmInPlaceWithGradients) {
    torch::manual_seed(4);
    const auto x    = torch::randn({9, 8}, torch::requires_grad()),
               w    = torch::randn({6, 8}, torch::requires_grad());
    const auto base = torch::randn({9, 6}, torch::requires_grad());
    const auto dy   = torch::randn({9, 6});
    auto y          = base * 2;  // a non-leaf, as the base layer's output is
    linear_accumulate(y, x, w);
    y.backward(dy);
    const auto xr = x.detach().clone().requires_grad_(), wr = w.detach().clone().requires_grad_();
    const auto br = base.detach().clone().requires_grad_();
    auto yr       = br * 2;
    yr.addmm_(xr, wr.t());
    yr.backward(dy);
    expect_close(y, yr, "y");
    expect_close(x.grad(), xr.grad(), "dx");
    expect_close(w.grad(), wr.grad(), "dw");
    expect_close(base.grad(), br.grad(), "d base");
}

TEST(Matmul, LinearReadsTransposedAndStridedInputsInPlace) {
    torch::manual_seed(1);
    const auto x_t  = torch::randn({24, 10}).t();  // (10, 24), column-major storage
    const auto wide = torch::randn({6, 3 * 24});   // every third column block
    const auto w    = wide.narrow(1, 24, 24);      // (6, 24), row stride 72
    const auto b    = torch::randn({6});
    expect_close(linear(x_t, w, b), torch::addmm(b, x_t, w.t()), "strided");
    const auto x_odd = torch::randn({10, 48}).slice(1, 0, 48, 2);  // neither last stride is 1: copied
    expect_close(linear(x_odd, w, b), torch::addmm(b, x_odd, w.t()), "copied");
}

TEST(Matmul, AFrozenWeightGetsNoGradientAndTheInputStillDoes) {
    torch::manual_seed(2);
    const auto x = torch::randn({5, 8}, torch::requires_grad());
    const auto w = torch::randn({3, 8});
    linear(x, w, torch::Tensor()).sum().backward();
    EXPECT_FALSE(w.grad().defined());
    expect_close(x.grad(), w.sum(0).expand({5, 8}), "dx of a sum");
}

// Only the bias trains: nothing is saved for the products and none runs, in float32 and bf16 alike.
TEST(Matmul, ABiasAloneGetsItsGradient) {
    torch::manual_seed(8);
    const auto x = torch::randn({5, 8}), w = torch::randn({3, 8});
    for (const bool bf16 : {false, true}) {
        if (bf16 && !bf16_products_available()) continue;
        const Bf16ProductsScope products(bf16);
        const auto b = torch::zeros({3}, torch::requires_grad());
        linear(x, w, b).sum().backward();
        expect_close(b.grad(), torch::full({3}, 5.0f), bf16 ? "db (bf16)" : "db");
    }
}

TEST(Matmul, BatchedProductsEqualMatmulForEveryTransposeAndLayout) {
    torch::manual_seed(3);
    const int64_t B = 2, H = 3, M = 7, K = 5, N = 11;
    // Operands as attention sees them: heads of a fused (B, T, 3, H, D) tensor, transposed views.
    const auto fused = torch::randn({B, M, 3, H, K});
    const auto a     = fused.select(2, 1).transpose(1, 2);  // (B, H, M, K), row stride 3·H·K
    for (const bool ta : {false, true}) {
        for (const bool tb : {false, true}) {
            const auto a_op = ta ? torch::randn({B, H, K, M}) : a;
            // tb: the (B, H, K, N) operand is stored as its transpose and passed as (N, K) matrices.
            const auto b_op  = tb ? torch::randn({B, H, N, K}).transpose(-2, -1) : torch::randn({B, H, K, N});
            const auto b_arg = tb ? b_op.transpose(-2, -1) : b_op;
            const auto want  = torch::matmul(ta ? a_op.transpose(-2, -1) : a_op, b_op);
            expect_close(batched_matmul(a_op, ta, b_arg, tb), want, "4-D");
            // Into a transposed-heads output, (B, M, H, N) storage, as the attention output is written.
            auto out = torch::empty({B, M, H, N}).transpose(1, 2);
            batched_matmul_into(a_op, ta, b_arg, tb, out);
            expect_close(out, want, "4-D into a strided output");
            expect_close(batched_matmul(a_op.flatten(0, 1), ta, b_arg.flatten(0, 1), tb), want.flatten(0, 1),
                         "3-D");
        }
    }
}

TEST(Matmul, EmptyOperandsGiveEmptyOrZeroResults) {
    const auto y = linear(torch::randn({0, 4}), torch::randn({3, 4}), torch::randn({3}));
    EXPECT_EQ(y.sizes(), torch::IntArrayRef({0, 3}));
    const auto z = batched_matmul(torch::randn({2, 4, 0}), false, torch::randn({2, 0, 5}), false);
    EXPECT_TRUE(z.eq(0).all().item<bool>());
    EXPECT_THROW(batched_matmul(torch::randn({2, 4, 3}), false, torch::randn({2, 4, 5}), false), c10::Error);
}

}  // namespace
}  // namespace bitswitch::ops
