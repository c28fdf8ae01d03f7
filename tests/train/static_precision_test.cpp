// Static precision training: the trained level, its adapter and the quantization settings travel with the
// run; EMA ranges are tracked in training and restored on load; full fine-tuning trains quantized weights.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/model/adapters.h"
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
    c.quant.kv_per_head  = true;
    c.qa_head_lora       = true;
    run_training(c);
    const auto run = core::read_json_file(std::filesystem::path(c.output_dir) / "bitswitch.json");
    EXPECT_EQ(run["levels"][0]["name"], "w4a8kv8");
    EXPECT_EQ(run["quantization"]["kv_granularity"], "head");
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(c.output_dir) /
                                        "adapters/w4a8kv8/adapter_model.safetensors"));

    auto loaded = model::load_model(c.output_dir);
    ASSERT_EQ(loaded.trained_levels.size(), 1u);
    EXPECT_TRUE(loaded.quant.kv_per_head);
    const auto configs = model::precision_configs(loaded, {}, {});
    ASSERT_EQ(configs.size(), 1u);
    EXPECT_EQ(configs[0].at("h.0.mlp.c_fc").bits, (quant::BitWidths{4, 8, 8}));
    EXPECT_EQ(configs[0].at("h.0.mlp.c_fc").adapter, "w4a8kv8");
    // The head's own adapter was trained and saved with the others.
    ASSERT_EQ(loaded.model->qa_outputs->adapters().count("w4a8kv8"), 1u);
    EXPECT_GT(loaded.model->qa_outputs->adapters().at("w4a8kv8")->B.abs().sum().item<float>(), 0.0f);
    // One level: its adapter serves other bits too (post-training quantization of base + adapter).
    EXPECT_EQ(model::precision_configs(loaded, {"8"}, {})[0].at("h.1.attn.c_proj").adapter, "w4a8kv8");
}

TEST(StaticPrecision, EmaRangesAreTrackedInTrainingAndRestoredOnLoad) {
    StaticFixture f;
    auto c               = f.config("ema");
    c.level_lists.w_bits = {8};
    c.quant =
        quant::quant_settings_from_flags("asymmetric", "channel", 0, "token", "token", "ema", 0.9, 0, false);
    c.lora = {2, 4.0, 0.0};
    run_training(c);
    auto loaded = model::load_model(c.output_dir);
    EXPECT_TRUE(loaded.quant.linear.ema_ranges);
    for (const auto& [name, layer] : loaded.model->linear_layers()) {
        ASSERT_TRUE(quant::EmaRange::observed(layer->input_range())) << name;
        EXPECT_LT(layer->input_range()[0].item<float>(), layer->input_range()[1].item<float>()) << name;
    }
}

TEST(StaticPrecision, FullFineTuningAtEightBitsChangesTheBaseWeightsAndSavesAFullRun) {
    StaticFixture f;
    auto c               = f.config("full8");
    c.finetune           = "full";
    c.level_lists.w_bits = {8};
    c.learning_rate      = 1e-3;
    run_training(c);
    const auto run = core::read_json_file(std::filesystem::path(c.output_dir) / "bitswitch.json");
    EXPECT_EQ(run["finetune"], "full");
    auto before = model::load_model(f.model_dir);
    auto after  = model::load_model(c.output_dir);
    EXPECT_EQ(after.trained_levels.at(0).name(), "8");
    EXPECT_FALSE(torch::equal(before.model->transformer->blocks[0]->mlp->c_fc->weight,
                              after.model->transformer->blocks[0]->mlp->c_fc->weight));
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
    const auto loaded = model::load_model(c.output_dir);
    EXPECT_EQ(loaded.adapters.shared_adapter, "4");
    EXPECT_EQ(loaded.model->transformer->blocks[0]->mlp->c_fc->adapters().count("8"), 0u);
}

TEST(StaticPrecision, StaticModeTrainsExactlyOneLevel) {
    StaticFixture f;
    auto c               = f.config("two");
    c.level_lists.w_bits = {8, 4};
    EXPECT_THROW(validate(c), InputError);
}

}  // namespace
}  // namespace bitswitch::train
