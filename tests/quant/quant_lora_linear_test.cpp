// The quantized LoRA linear against hand-written formulas: adapters, quantized forward, merged mode,
// the weight cache, straight-through gradients and the errors, each at the precision a call passes.
#include "bitswitch/quant/quant_lora_linear.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"

namespace bitswitch::quant {
namespace {

UnitPrecision at(int w_bits, int a_bits, const std::string& adapter = "") {
    return {{w_bits, a_bits, 32}, adapter};
}
const UnitPrecision kFp = at(32, 32);

QuantizerOptions row_quant(int bits) {
    QuantizerOptions o;
    o.bits = bits;
    return o;
}

TEST(QuantLoRALinear, NewAdapterLeavesOutputUnchanged) {
    torch::manual_seed(0);
    QuantLoRALinear layer(8, 4);
    const auto x    = torch::randn({3, 8});
    const auto base = layer->forward(x, kFp);
    layer->add_adapter("a", {4, 8.0, 0.0});
    EXPECT_TRUE(torch::equal(layer->forward(x, at(32, 32, "a")), base));      // B = 0
    EXPECT_GT(layer->adapters().at("a")->A.abs().sum().item<float>(), 0.0f);  // A is random
}

TEST(QuantLoRALinear, AdapterAddsScaledLowRankProduct) {
    torch::manual_seed(0);
    QuantLoRALinear layer(8, 4);
    layer->add_adapter("a", {2, 6.0, 0.0});
    auto& ad = layer->adapters().at("a");
    torch::NoGradGuard no_grad;
    ad->B.normal_();
    const auto x        = torch::randn({3, 8});
    const auto expected = torch::matmul(x, layer->weight.t()) + layer->bias +
                          3.0 * torch::matmul(torch::matmul(x, ad->A.t()), ad->B.t());
    EXPECT_TRUE(torch::allclose(layer->forward(x, at(32, 32, "a")), expected, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(layer->forward(x, kFp), torch::matmul(x, layer->weight.t()) + layer->bias,
                                1e-5, 1e-6));
}

TEST(QuantLoRALinear, AdapterParametersAreRegisteredUnderItsNameInTheOrderAdded) {
    QuantLoRALinear layer(8, 4);
    layer->add_adapter("w8a8", {2, 4.0, 0.0});
    layer->add_adapter("w4a8", {2, 4.0, 0.0});
    std::vector<std::string> names;
    for (const auto& p : layer->named_parameters()) names.push_back(p.key());
    EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias", "lora_w8a8.A", "lora_w8a8.B", "lora_w4a8.A",
                                               "lora_w4a8.B"}));
    EXPECT_EQ(layer->adapter_order(), (std::vector<std::string>{"w8a8", "w4a8"}));
    EXPECT_THROW(layer->forward(torch::randn({1, 8}), at(32, 32, "w2a8")), InputError);
    EXPECT_THROW(layer->add_adapter("w8a8", {}), InputError);
}

TEST(QuantLoRALinear, AHeadWithoutAdaptersIgnoresTheAdapterAConfigNames) {
    torch::manual_seed(5);
    QuantLoRALinear head(8, 2);
    head->adapters_optional = true;
    const auto x            = torch::randn({3, 8});
    EXPECT_TRUE(torch::equal(head->forward(x, at(8, 8, "8")), head->forward(x, at(8, 8))));
    head->add_adapter("8", {2, 4.0, 0.0});  // once it has adapters, a missing one is an error again
    EXPECT_THROW(head->forward(x, at(4, 4, "4")), InputError);
}

TEST(QuantLoRALinear, QuantizedForwardIsQuantizedInputTimesQuantizedWeightPlusAdapter) {
    torch::manual_seed(1);
    QuantLoRALinear layer(8, 4);
    layer->add_adapter("a", {2, 4.0, 0.0});
    torch::NoGradGuard no_grad;
    auto& ad = layer->adapters().at("a");
    ad->B.normal_();
    const auto x = torch::randn({5, 8});
    const auto want =
        torch::matmul(fake_quantize_op_chain(x, row_quant(6)),
                      fake_quantize_op_chain(layer->weight, row_quant(4)).t()) +
        layer->bias +
        2.0 * torch::matmul(torch::matmul(x, ad->A.t()), ad->B.t());  // adapter on the unquantized x
    EXPECT_TRUE(torch::allclose(layer->forward(x, at(4, 6, "a")), want, 1e-5, 1e-6));
}

TEST(QuantLoRALinear, MergedModeQuantizesTheWeightWithTheAdapterFoldedIn) {
    torch::manual_seed(2);
    QuantLoRALinear layer(8, 4);
    layer->add_adapter("a", {2, 4.0, 0.0});
    LinearQuantOptions merged;
    merged.merged = true;
    layer->set_quant_options(merged);
    torch::NoGradGuard no_grad;
    layer->adapters().at("a")->B.normal_();
    const auto x = torch::randn({5, 8});
    const auto folded =
        layer->weight + 2.0 * torch::matmul(layer->adapters().at("a")->B, layer->adapters().at("a")->A);
    const auto want = torch::matmul(x, fake_quantize_op_chain(folded, row_quant(4)).t()) + layer->bias;
    EXPECT_TRUE(torch::allclose(layer->forward(x, at(4, 32, "a")), want, 1e-5, 1e-6));
}

TEST(QuantLoRALinear, CachedWeightEqualsAFreshQuantizationAndFollowsWeightUpdates) {
    torch::manual_seed(3);
    QuantLoRALinear layer(16, 8);
    layer->weight.set_requires_grad(false);
    const auto first = layer->effective_weight(4, nullptr, "");
    EXPECT_TRUE(torch::equal(first, fake_quantize_op_chain(layer->weight, row_quant(4))));
    EXPECT_TRUE(layer->effective_weight(4, nullptr, "").is_same(first));  // cached: the same tensor again
    layer->effective_weight(8, nullptr, "");
    EXPECT_TRUE(layer->effective_weight(4, nullptr, "").is_same(first));  // switching back costs nothing
    {
        torch::NoGradGuard no_grad;
        layer->weight.mul_(2);  // e.g. a checkpoint loaded into the layer
    }
    EXPECT_TRUE(torch::equal(layer->effective_weight(4, nullptr, ""),
                             fake_quantize_op_chain(layer->weight, row_quant(4))));
}

TEST(QuantLoRALinear, FullFineTuningPassesStraightThroughGradientsToTheWeight) {
    torch::manual_seed(4);
    QuantLoRALinear layer(8, 4);
    const auto x = torch::randn({3, 8});
    layer->forward(x, at(4, 32)).sum().backward();
    // d sum(x · Q(W)ᵀ) / dW = 1 · x summed over rows, for every output row (identity through Q).
    EXPECT_TRUE(torch::allclose(layer->weight.grad(), x.sum(0).expand({4, 8}), 1e-5, 1e-6));
}

TEST(QuantLoRALinear, BitsOutsideTheRangeAreInputErrors) {
    QuantLoRALinear layer(8, 4);
    layer->name = "h.0.mlp.c_fc";
    try {
        layer->forward(torch::randn({1, 8}), at(1, 8));
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("h.0.mlp.c_fc: 1 bits"), std::string::npos) << e.what();
    }
}

// Seed 004's quantizer: asymmetric, EMA ranges, bias and output quantized.
LinearQuantOptions seed004_options() {
    LinearQuantOptions o;
    o.scheme          = Scheme::kAsymmetric;
    o.ema_ranges      = true;
    o.ema_momentum    = 0.9;
    o.quantize_bias   = true;
    o.quantize_output = true;
    return o;
}

TEST(QuantLoRALinear, EmaRangesAreRecordedInTrainingAtFullPrecisionToo) {
    torch::manual_seed(3);
    QuantLoRALinear layer(8, 4);
    const auto x1 = torch::randn({5, 8}), x2 = 3 * torch::randn({5, 8});
    const auto plain = layer->forward(x1, kFp);
    layer->set_quant_options(seed004_options());
    layer->eval();
    layer->forward(x1, kFp);  // evaluation records nothing
    EXPECT_FALSE(EmaRange::observed(layer->input_range()));
    layer->train();
    const auto y1 = layer->forward(x1, kFp);
    // At 32 bits the output is the float product exactly, and both ranges are the batch's own.
    EXPECT_TRUE(torch::equal(y1, plain));
    EXPECT_EQ(layer->input_range()[0].item<float>(), x1.min().item<float>());
    EXPECT_EQ(layer->input_range()[1].item<float>(), x1.max().item<float>());
    EXPECT_EQ(layer->output_range()[1].item<float>(), y1.max().item<float>());
    const auto y2 = layer->forward(x2, kFp);
    EXPECT_FLOAT_EQ(layer->input_range()[0].item<float>(),
                    0.9f * x1.min().item<float>() + 0.1f * x2.min().item<float>());
    EXPECT_FLOAT_EQ(layer->output_range()[1].item<float>(),
                    0.9f * y1.max().item<float>() + 0.1f * y2.max().item<float>());
}

TEST(QuantLoRALinear, BiasAndOutputQuantizationFollowTheirFormulas) {
    torch::manual_seed(4);
    QuantLoRALinear layer(8, 4);
    {
        torch::NoGradGuard no_grad;
        layer->bias.normal_();
    }
    layer->set_quant_options(seed004_options());
    const auto x = torch::randn({6, 8});
    layer->train();
    layer->forward(x, kFp);  // records the ranges the quantized call below uses
    layer->eval();
    torch::NoGradGuard no_grad;
    QuantizerOptions asym;
    asym.scheme      = Scheme::kAsymmetric;
    asym.bits        = 4;
    const auto in_lo = layer->input_range()[0].item<float>(), in_hi = layer->input_range()[1].item<float>();
    const auto out_lo       = layer->output_range()[0].item<float>(),
               out_hi       = layer->output_range()[1].item<float>();
    QuantizerOptions bias_q = asym;
    bias_q.granularity      = Granularity::kTensor;
    auto a_q                = asym;
    a_q.bits                = 6;
    const auto weight_q     = fake_quantize_op_chain(layer->weight, asym);  // per output row
    const auto bias_hat     = fake_quantize_op_chain(layer->bias, bias_q);  // one range, w bits
    const auto y    = torch::addmm(bias_hat, fake_quantize_with_range(x, a_q, in_lo, in_hi), weight_q.t());
    const auto want = fake_quantize_with_range(y, a_q, out_lo, out_hi);
    EXPECT_TRUE(torch::allclose(layer->forward(x, at(4, 6)), want, 1e-5, 1e-6));
    EXPECT_FALSE(torch::equal(bias_hat, layer->bias));  // 4 bits did change the bias
    // The packed engine has no bias or output quantizer: refused with the reason, not run differently.
    LinearQuantOptions symmetric;
    symmetric.quantize_output = true;
    layer->set_quant_options(symmetric);
    layer->set_engine(Engine::kPacked);
    try {
        layer->forward(x, at(4, 8));
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("bias or output quantization"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace bitswitch::quant
