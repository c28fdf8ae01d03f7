// Static precision training: the trained level, its adapter and the quantization settings travel with the
// run; EMA ranges are tracked in training and restored on load; full fine-tuning trains quantized weights.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/train/trainer.h"
#include "support/train_fixture.h"

namespace bitswitch::train {
namespace {

using StaticFixture = bitswitch::testing::TrainFixture;

TEST(StaticPrecision, LoraRunRecordsItsLevelAndEvaluatesAtItByDefault) {
    StaticFixture f;
    auto c               = f.config("w4");
    c.level_lists.w_bits = {4};
    c.level_lists.a_bits = {8};
    c.lora               = {2, 4.0, 0.0};
    c.quant.kv.per_head  = true;
    c.qa_head_lora       = true;
    run_training(c);
    const auto run = core::read_json_file(std::filesystem::path(c.output_dir) / "bitswitch.json");
    EXPECT_EQ(run["levels"][0]["name"], "w4a8kv8");
    EXPECT_EQ(run["quantization"]["kv_granularity"], "head");
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(c.output_dir) /
                                        "adapters/w4a8kv8/adapter_model.safetensors"));

    const auto loaded = model::LoadedModel::load(c.output_dir);
    ASSERT_EQ(loaded.trained_levels().size(), 1u);
    EXPECT_TRUE(loaded.quant_settings().kv.per_head);
    const auto configs = loaded.configs({});
    ASSERT_EQ(configs.size(), 1u);
    EXPECT_EQ(configs[0].at("h.0.mlp.c_fc").bits, (quant::BitWidths{4, 8, 8}));
    EXPECT_EQ(configs[0].at("h.0.mlp.c_fc").adapter, "w4a8kv8");
    // The head's own adapter was trained and saved with the others.
    const auto head = loaded.model().linear("qa_outputs");
    ASSERT_EQ(head->adapters().count("w4a8kv8"), 1u);
    EXPECT_GT(head->adapters().at("w4a8kv8")->B.abs().sum().item<float>(), 0.0f);
    // One level: its adapter serves other bits too (post-training quantization of base + adapter).
    EXPECT_EQ(loaded.config("8").at("h.1.attn.c_proj").adapter, "w4a8kv8");
}

TEST(StaticPrecision, EmaRangesAreTrackedInTrainingAndRestoredOnLoad) {
    StaticFixture f;
    auto c               = f.config("ema");
    c.level_lists.w_bits = {8};
    auto text            = quant::QuantSettingsText::of({});
    text.scheme          = "asymmetric";
    text.act_range       = "ema";
    c.quant              = quant::quant_settings_from_flags(text);
    c.lora               = {2, 4.0, 0.0};
    run_training(c);
    const auto loaded = model::LoadedModel::load(c.output_dir);
    EXPECT_TRUE(loaded.quant_settings().linear.ema_ranges);
    for (const auto& [name, layer] : loaded.model().linear_layers()) {
        ASSERT_TRUE(quant::EmaRange::observed(layer->input_range())) << name;
        EXPECT_LT(layer->input_range()[0].item<float>(), layer->input_range()[1].item<float>()) << name;
    }
}

TEST(StaticPrecision, FullFineTuningAtEightBitsChangesTheBaseWeightsAndSavesAFullRun) {
    StaticFixture f;
    auto c               = f.config("full8");
    c.finetune           = Finetune::kFull;
    c.level_lists.w_bits = {8};
    c.learning_rate      = 1e-3;
    run_training(c);
    const auto run = core::read_json_file(std::filesystem::path(c.output_dir) / "bitswitch.json");
    EXPECT_EQ(run["finetune"], "full");
    const auto before = model::LoadedModel::load(f.model_dir);
    const auto after  = model::LoadedModel::load(c.output_dir);
    EXPECT_EQ(after.trained_levels().at(0).name(), "8");
    EXPECT_FALSE(torch::equal(before.model().linear("h.0.mlp.c_fc")->weight,
                              after.model().linear("h.0.mlp.c_fc")->weight));
}

TEST(StaticPrecision, ARunOverwritingAnotherKeepsNoneOfItsAdapters) {
    StaticFixture f;
    auto c               = f.config("reused");
    c.level_lists.w_bits = {8};
    run_training(c);
    c.level_lists.w_bits   = {4};
    c.overwrite_output_dir = true;
    run_training(c);
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(c.output_dir) / "adapters/8"));
    const auto loaded = model::LoadedModel::load(c.output_dir);
    EXPECT_EQ(loaded.adapters().shared_adapter, "4");
    EXPECT_EQ(loaded.model().linear("h.0.mlp.c_fc")->adapters().count("8"), 0u);
}

TEST(StaticPrecision, StaticModeTrainsExactlyOneLevel) {
    StaticFixture f;
    auto c               = f.config("two");
    c.level_lists.w_bits = {8, 4};
    EXPECT_THROW(validate(c), InputError);
}

}  // namespace
}  // namespace bitswitch::train
