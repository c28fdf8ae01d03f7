// FusedAdamW against libtorch's AdamW: the same parameters after several steps in two groups (with and
// without weight decay), the tensors it leaves to libtorch (non-contiguous, float64) bit-identical, and
// its saved state loading into libtorch's AdamW (and back) so that runs resume across either; versions
// bumped as by any in-place op; a resumed run bit-identical to the uninterrupted one.
#include "bitswitch/train/fused_adamw.h"

#include <sstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace bitswitch::train {
namespace {

struct Params {
    torch::Tensor big, small, strided, wide;  // fused, fused (no decay), non-contiguous, float64
    std::vector<torch::Tensor> all() const { return {big, small, strided, wide}; }
};

Params make_params() {
    torch::manual_seed(11);
    return {torch::randn({1000, 7}).requires_grad_(), torch::randn({33}).requires_grad_(),
            torch::randn({6, 5}).t().requires_grad_(), torch::randn({9}, torch::kDouble).requires_grad_()};
}

Params clone(const Params& p) {
    const auto c = [](const torch::Tensor& t) {
        // Keep the strides: the non-contiguous parameter must stay non-contiguous in the copy.
        auto out = torch::empty_strided(t.sizes(), t.strides(), t.options());
        return out.copy_(t.detach()).requires_grad_();
    };
    return {c(p.big), c(p.small), c(p.strided), c(p.wide)};
}

template <class Optimizer>
std::unique_ptr<Optimizer> make_optimizer(const Params& p) {
    const auto options = [](double wd) {
        return std::make_unique<torch::optim::AdamWOptions>(
            torch::optim::AdamWOptions(1e-2).betas({0.9, 0.98}).eps(1e-6).weight_decay(wd));
    };
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<torch::Tensor>{p.big, p.strided, p.wide}, options(0.1));
    groups.emplace_back(std::vector<torch::Tensor>{p.small}, options(0.0));
    return std::make_unique<Optimizer>(groups, torch::optim::AdamWOptions(1e-2));
}

// The same pseudo-random gradients for both sides at a given step.
void set_gradients(const Params& p, int step) {
    torch::manual_seed(100 + step);
    for (const auto& t : p.all()) {
        auto g = torch::empty_strided(t.sizes(), t.strides(), t.options());
        g.copy_(torch::randn(t.sizes(), t.options()));
        if (step == 2) g.zero_();  // a step where only decay and momentum move the weights
        const_cast<torch::Tensor&>(t).mutable_grad() = g;
    }
}

void expect_equal(const Params& fused, const Params& reference, double rtol) {
    for (size_t i = 0; i < 2; ++i) {
        EXPECT_TRUE(torch::allclose(fused.all()[i], reference.all()[i], rtol, 1e-7)) << "parameter " << i;
    }
    // Left to libtorch: the very same arithmetic.
    EXPECT_TRUE(torch::equal(fused.strided, reference.strided));
    EXPECT_TRUE(torch::equal(fused.wide, reference.wide));
}

TEST(FusedAdamW, EqualsLibtorchsAdamWInTwoGroupsOverSeveralSteps) {
    const auto a = make_params(), b = clone(a);
    ASSERT_FALSE(a.strided.is_contiguous());
    auto fused     = make_optimizer<FusedAdamW>(a);
    auto reference = make_optimizer<torch::optim::AdamW>(b);
    for (int step = 1; step <= 5; ++step) {
        set_gradients(a, step);
        set_gradients(b, step);
        if (step == 1) {
            const auto& o = static_cast<const torch::optim::AdamWOptions&>(fused->defaults());
            ASSERT_TRUE(FusedAdamW::fuses(a.big, a.big.grad(), o));
            ASSERT_TRUE(FusedAdamW::fuses(a.small, a.small.grad(), o));
            ASSERT_FALSE(FusedAdamW::fuses(a.strided, a.strided.grad(), o));
            ASSERT_FALSE(FusedAdamW::fuses(a.wide, a.wide.grad(), o));
        }
        const int64_t version = a.big._version();
        fused->step();
        reference->step();
        for (const auto& t : a.all()) ASSERT_TRUE(t.grad().defined()) << "gradients are left in place";
        // An update is an in-place change: caches keyed on the version (quantized weights) must see it.
        ASSERT_GT(a.big._version(), version);
    }
    expect_equal(a, b, 1e-5);
    EXPECT_FALSE(torch::allclose(a.big, make_params().big)) << "the parameters moved";
}

TEST(FusedAdamW, StateSavedByEitherOptimizerResumesTheOther) {
    const auto a = make_params(), b = clone(a);
    auto fused     = make_optimizer<FusedAdamW>(a);
    auto reference = make_optimizer<torch::optim::AdamW>(b);
    for (int step = 1; step <= 3; ++step) {
        set_gradients(a, step);
        set_gradients(b, step);
        fused->step();
        reference->step();
    }
    // Swap: libtorch's AdamW continues from the fused state and the fused one from libtorch's.
    std::stringstream fused_state, reference_state;
    torch::save(*fused, fused_state);
    torch::save(*reference, reference_state);
    auto resumed_reference = make_optimizer<torch::optim::AdamW>(a);
    auto resumed_fused     = make_optimizer<FusedAdamW>(b);
    torch::load(*resumed_reference, fused_state);
    torch::load(*resumed_fused, reference_state);
    for (int step = 4; step <= 5; ++step) {
        set_gradients(a, step);
        set_gradients(b, step);
        resumed_reference->step();
        resumed_fused->step();
    }
    for (size_t i = 0; i < 2; ++i)
        EXPECT_TRUE(torch::allclose(a.all()[i], b.all()[i], 1e-5, 1e-7)) << "parameter " << i;
    // The step counts carried over (a fresh state would restart the bias correction at step 1).
    EXPECT_EQ(static_cast<torch::optim::AdamWParamState&>(*resumed_fused->state().begin()->second).step(), 5);
}

// Saved and reloaded mid-run, with a parameter that gets no gradient on some steps (an adapter of a level
// the step does not run): the resumed optimizer ends bit-identical to the uninterrupted one.
TEST(FusedAdamW, AResumedRunEqualsTheUninterruptedOneBitForBit) {
    const auto run = [](int stop_after, std::stringstream* checkpoint, const Params& p, int first_step) {
        auto opt = make_optimizer<FusedAdamW>(p);
        if (first_step > 1) torch::load(*opt, *checkpoint);
        for (int step = first_step; step <= stop_after; ++step) {
            set_gradients(p, step);
            if (step % 2 == 1) p.small.mutable_grad() = torch::Tensor();  // skipped on odd steps
            opt->step();
        }
        if (checkpoint && first_step == 1) torch::save(*opt, *checkpoint);
    };
    const auto whole = make_params(), resumed = clone(whole);
    run(6, nullptr, whole, 1);
    std::stringstream checkpoint;
    run(3, &checkpoint, resumed, 1);
    run(6, &checkpoint, resumed, 4);
    for (size_t i = 0; i < 4; ++i)
        EXPECT_TRUE(torch::equal(whole.all()[i], resumed.all()[i])) << "parameter " << i;
}

}  // namespace
}  // namespace bitswitch::train
