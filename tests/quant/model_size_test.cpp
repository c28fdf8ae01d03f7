// Bit budget and model bytes against hand computation.
#include "bitswitch/quant/model_size.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bitswitch/quant/quant_settings.h"

namespace bitswitch::quant {
namespace {

TEST(ModelSize, BudgetAndBytesMatchHandComputation) {
    // Units made up here (no model): a linear and a KV unit in group 0, a head in group 1.
    const UnitList linears = {{"h.0.attn.c_attn", UnitKind::kLinear, 0, 4, 12, true, "attention"},
                              {"h.0.attn.kv", UnitKind::kKv, 0, 0, 0, false, "kv"},
                              {"qa_outputs", UnitKind::kHead, 1, 4, 2, true, "head"}};
    const auto config =
        parse_precision("8,fp", linears, {});  // group 0 at 8 bits, the head in full precision
    QuantSettings sym;
    const auto m = model_size(linears, config, 100, sym);
    EXPECT_EQ(m.linear_weights, 56);
    EXPECT_DOUBLE_EQ(m.weight_bits, 48 * 8 + 8 * 32);
    EXPECT_DOUBLE_EQ(m.avg_weight_bits, 640.0 / 56.0);
    // Bit-operations per token: 48 MACs at 8 x 8 bits, 8 at 32 x 32.
    EXPECT_DOUBLE_EQ(m.bit_operations_per_token, 48 * 64 + 8 * 1024);
    // c_attn: 48 one-byte weights + 12 float biases + 12 float scales; head: 8 floats + 2 float biases;
    // 100 other float parameters.
    EXPECT_DOUBLE_EQ(m.bytes, (48 + 48 + 48) + (32 + 8) + 400);

    QuantSettings asym_groups;
    asym_groups.linear.scheme             = Scheme::kAsymmetric;
    asym_groups.linear.weight_granularity = Granularity::kGroup;
    asym_groups.linear.weight_group_size  = 2;
    // 24 groups of 2 weights, each with a float scale and a float zero point.
    EXPECT_DOUBLE_EQ(model_size(linears, config, 100, asym_groups).bytes,
                     (48 + 48 + 24 * 8) + (32 + 8) + 400);
}

TEST(ModelSize, AnFpHeadCountsThirtyTwoBitsWhateverTheConfig) {
    const UnitList linears = {{"h.0.attn.c_attn", UnitKind::kLinear, 0, 4, 12, true, "attention"},
                              {"qa_outputs", UnitKind::kHead, 1, 4, 2, true, "head"}};
    QuantSettings fp_head;
    fp_head.fp_head   = true;
    const auto at_8   = model_size(linears, parse_precision("8", linears, {}), 0, fp_head);
    const auto honest = model_size(linears, parse_precision("8,fp", linears, {}), 0, QuantSettings{});
    EXPECT_DOUBLE_EQ(at_8.weight_bits, 48 * 8 + 8 * 32);
    EXPECT_DOUBLE_EQ(at_8.weight_bits, honest.weight_bits);
    EXPECT_DOUBLE_EQ(at_8.bytes, honest.bytes);
    EXPECT_DOUBLE_EQ(at_8.bit_operations_per_token, honest.bit_operations_per_token);
    // The setting survives bitswitch.json.
    EXPECT_TRUE(quant_settings_from_json(to_json(fp_head), "test").fp_head);
    EXPECT_FALSE(quant_settings_from_json(nlohmann::json::object(), "test").fp_head);
    // So do seed 004's bias and output quantizers (absent in older runs: off).
    QuantSettings seed004;
    seed004.linear.quantize_output = true;
    const auto back                = quant_settings_from_json(to_json(seed004), "test");
    EXPECT_TRUE(back.linear.quantize_output);
    EXPECT_FALSE(back.linear.quantize_bias);
    EXPECT_FALSE(quant_settings_from_json(nlohmann::json::object(), "test").linear.quantize_output);
}

}  // namespace
}  // namespace bitswitch::quant
