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
    EXPECT_TRUE(torch::equal(layer->forward(x), base));                       // B = 0
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
    const auto expected = torch::matmul(x, layer->weight.t()) + layer->bias +
                          3.0 * torch::matmul(torch::matmul(x, ad->A.t()), ad->B.t());
    EXPECT_TRUE(torch::allclose(layer->forward(x), expected, 1e-5, 1e-6));
    layer->set_active_adapter("");
    EXPECT_TRUE(
        torch::allclose(layer->forward(x), torch::matmul(x, layer->weight.t()) + layer->bias, 1e-5, 1e-6));
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

namespace bitswitch::quant {
namespace {

QuantizerOptions row_quant(int bits) {
    QuantizerOptions o;
    o.bits = bits;
    return o;
}

TEST(QuantLoRALinear, QuantizedForwardIsQuantizedInputTimesQuantizedWeightPlusAdapter) {
    torch::manual_seed(1);
    QuantLoRALinear layer(8, 4);
    layer->add_adapter("a", {2, 4.0, 0.0});
    layer->set_active_adapter("a");
    torch::NoGradGuard no_grad;
    auto& ad = layer->adapters().at("a");
    ad->B.normal_();
    layer->set_bits(4, 6);
    const auto x = torch::randn({5, 8});
    const auto want =
        torch::matmul(fake_quantize_op_chain(x, row_quant(6)),
                      fake_quantize_op_chain(layer->weight, row_quant(4)).t()) +
        layer->bias +
        2.0 * torch::matmul(torch::matmul(x, ad->A.t()), ad->B.t());  // adapter on the unquantized x
    EXPECT_TRUE(torch::allclose(layer->forward(x), want, 1e-5, 1e-6));
}

TEST(QuantLoRALinear, MergedModeQuantizesTheWeightWithTheAdapterFoldedIn) {
    torch::manual_seed(2);
    QuantLoRALinear layer(8, 4);
    layer->add_adapter("a", {2, 4.0, 0.0});
    layer->set_active_adapter("a");
    LinearQuantOptions merged;
    merged.merged = true;
    layer->set_quant_options(merged);
    torch::NoGradGuard no_grad;
    layer->adapters().at("a")->B.normal_();
    layer->set_bits(4, 32);
    const auto x = torch::randn({5, 8});
    const auto folded =
        layer->weight + 2.0 * torch::matmul(layer->adapters().at("a")->B, layer->adapters().at("a")->A);
    const auto want = torch::matmul(x, fake_quantize_op_chain(folded, row_quant(4)).t()) + layer->bias;
    EXPECT_TRUE(torch::allclose(layer->forward(x), want, 1e-5, 1e-6));
}

TEST(QuantLoRALinear, CachedWeightEqualsAFreshQuantizationAndFollowsWeightUpdates) {
    torch::manual_seed(3);
    QuantLoRALinear layer(16, 8);
    layer->weight.set_requires_grad(false);
    layer->set_bits(4, 32);
    const auto first = layer->effective_weight();
    EXPECT_TRUE(torch::equal(first, fake_quantize_op_chain(layer->weight, row_quant(4))));
    EXPECT_TRUE(layer->effective_weight().is_same(first));  // cached: the same tensor again
    layer->set_bits(8, 32);
    layer->set_bits(4, 32);
    EXPECT_TRUE(layer->effective_weight().is_same(first));  // switching back costs nothing
    {
        torch::NoGradGuard no_grad;
        layer->weight.mul_(2);  // e.g. a checkpoint loaded into the layer
    }
    EXPECT_TRUE(torch::equal(layer->effective_weight(), fake_quantize_op_chain(layer->weight, row_quant(4))));
}

TEST(QuantLoRALinear, FullFineTuningPassesStraightThroughGradientsToTheWeight) {
    torch::manual_seed(4);
    QuantLoRALinear layer(8, 4);
    layer->set_bits(4, 32);
    const auto x = torch::randn({3, 8});
    layer->forward(x).sum().backward();
    // d sum(x · Q(W)ᵀ) / dW = 1 · x summed over rows, for every output row (identity through Q).
    EXPECT_TRUE(torch::allclose(layer->weight.grad(), x.sum(0).expand({4, 8}), 1e-5, 1e-6));
}

TEST(QuantLoRALinear, BitsOutsideTheRangeAreInputErrors) {
    QuantLoRALinear layer(8, 4);
    layer->name = "h.0.mlp.c_fc";
    try {
        layer->set_bits(1, 8);
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("h.0.mlp.c_fc: 1 bits"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace bitswitch::quant
