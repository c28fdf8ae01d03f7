#include "bitswitch/quant/quant_lora_linear.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"

namespace bitswitch::quant {
namespace {

TEST(QuantLoRALinear, NewAdapterLeavesOutputUnchanged) {
    torch::manual_seed(0);
    QuantLoRALinear layer(8, 4);
    const auto x    = torch::randn({3, 8});
    const auto base = layer->forward(x);
    layer->add_adapter("a", {4, 8.0, 0.0});
    layer->set_active_adapter("a");
    EXPECT_TRUE(torch::equal(layer->forward(x), base));  // B = 0
    EXPECT_GT(layer->adapters().at("a")->A.abs().sum().item<float>(), 0.0f);  // A is random
}

TEST(QuantLoRALinear, AdapterAddsScaledLowRankProduct) {
    torch::manual_seed(0);
    QuantLoRALinear layer(8, 4);
    layer->add_adapter("a", {2, 6.0, 0.0});
    layer->set_active_adapter("a");
    auto& ad = layer->adapters().at("a");
    torch::NoGradGuard no_grad;
    ad->B.normal_();
    const auto x        = torch::randn({3, 8});
    const auto expected = torch::matmul(x, layer->weight.t()) + layer->bias + 3.0 * torch::matmul(torch::matmul(x, ad->A.t()), ad->B.t());
    EXPECT_TRUE(torch::allclose(layer->forward(x), expected, 1e-5, 1e-6));
    layer->set_active_adapter("");
    EXPECT_TRUE(torch::allclose(layer->forward(x), torch::matmul(x, layer->weight.t()) + layer->bias, 1e-5, 1e-6));
}

TEST(QuantLoRALinear, AdapterParametersAreRegisteredUnderItsName) {
    QuantLoRALinear layer(8, 4);
    layer->add_adapter("w8a8", {2, 4.0, 0.0});
    std::vector<std::string> names;
    for (const auto& p : layer->named_parameters()) names.push_back(p.key());
    EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias", "lora_w8a8.A", "lora_w8a8.B"}));
    EXPECT_THROW(layer->set_active_adapter("w4a8"), InputError);
    EXPECT_THROW(layer->add_adapter("w8a8", {}), InputError);
}

}  // namespace
}  // namespace bitswitch::quant
