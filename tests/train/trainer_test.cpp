// Training end to end on tiny models: learning happens, LoRA touches only what it should, --resume is
// exact, a NaN loss stops cleanly.
#include "bitswitch/train/trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/model/checkpoint.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/model/qa_head.h"
#include "bitswitch/model/safetensors.h"
#include "support/paths.h"
#include "support/tiny_model.h"
#include "support/train_fixture.h"

namespace bitswitch::train {
namespace {

// A wider tiny model (32) and easy data (one person, no distractor facts) with a dev split, so that it
// learns in a few hundred steps.
bitswitch::testing::TrainFixtureOptions learnable() {
    bitswitch::testing::TrainFixtureOptions o;
    o.n_embd = 32;
    o.train  = {300, 1, 3, 1, false, false};
    o.dev    = {40, 1, 3, 2, true, false};
    return o;
}

struct Fixture : bitswitch::testing::TrainFixture {
    Fixture() : TrainFixture(learnable()) {}
    TrainConfig config(const std::string& out) const {
        TrainConfig c                 = base_config(out);
        c.per_device_train_batch_size = 8;
        c.logging_steps               = 5;
        c.seed                        = 3;
        return c;
    }
};

std::vector<double> logged_losses(const std::string& out) {
    std::vector<double> losses;
    for (const auto& j : bitswitch::testing::read_jsonl(std::filesystem::path(out) / "log.jsonl")) {
        if (j.contains("loss")) losses.push_back(j["loss"]);
    }
    return losses;
}

TEST(Trainer, ShortFullFineTuningLowersLossAndRaisesF1) {
    Fixture fx;
    auto c            = fx.config("full");
    c.finetune        = Finetune::kFull;
    c.validation_file = fx.dev_file;
    c.learning_rate   = 3e-3;
    c.max_steps       = 600;
    c.warmup_steps    = 10;
    const auto r      = run_training(c);
    const auto losses = logged_losses(c.output_dir);
    ASSERT_GE(losses.size(), 10u);
    EXPECT_LT(losses.back(), 0.5 * losses.front()) << "first " << losses.front() << " last " << losses.back();
    // Chance: a random span of a ~60-token context scores F1 of a few percent.
    EXPECT_GT(r.eval["f1"].get<double>(), 40.0) << r.eval.dump();
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(c.output_dir) / "predictions.json"));
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(c.output_dir) / "model.safetensors"));
}

TEST(Trainer, LoraTrainsOnlyAdaptersAndHeadAndLeavesTheBaseUnchanged) {
    Fixture fx;
    auto c          = fx.config("lora");
    c.max_steps     = 4;
    c.learning_rate = 1e-2;
    run_training(c);
    const auto base   = model::load_pretrained(fx.model_dir).model;
    const auto loaded = model::LoadedModel::load(c.output_dir);
    const auto& tuned = loaded.model();
    for (const auto& p : base->named_parameters()) {
        const auto q = tuned.named_parameters()[p.key()];
        if (p.key().rfind("qa_outputs.", 0) == 0) {
            EXPECT_FALSE(torch::equal(p.value(), q)) << p.key() << " (the head is trained)";
        } else {
            EXPECT_TRUE(torch::equal(p.value(), q)) << p.key() << " (the base is frozen)";
        }
    }
    int adapters = 0;
    for (const auto& [name, layer] : tuned.linear_layers()) {
        if (name == "qa_outputs") continue;
        ASSERT_EQ(tuned.default_precision().at(name).adapter, "fp") << name;
        EXPECT_GT(layer->adapters().at("fp")->B.abs().sum().item<float>(), 0.0f)
            << name << ": B moved from zero";
        ++adapters;
    }
    EXPECT_EQ(adapters, 8);
    // PEFT names in the adapter file.
    const model::SafetensorsReader reader(std::filesystem::path(c.output_dir) /
                                          "adapters/fp/adapter_model.safetensors");
    EXPECT_TRUE(reader.contains("base_model.model.transformer.h.1.mlp.c_fc.lora_A.weight"));
    EXPECT_TRUE(reader.contains("base_model.model.qa_outputs.weight"));
}

TEST(Trainer, InLoraModeOnlyAdaptersAndTheHeadGetGradients) {
    auto model = bitswitch::testing::tiny_model(11);
    for (auto& [name, layer] : model->transformer->linear_layers())
        layer->add_adapter("default", {2, 4.0, 0.0});
    model->set_precision(quant::uniform_config({}, "default", model->units(), "default"));
    const auto trainable = mark_trainable(*model, Finetune::kLora);
    EXPECT_EQ(trainable.size(), 2u * 8 + 2);  // A and B of 8 linears, head weight and bias
    const auto ids    = torch::randint(0, 64, {2, 6});
    const auto [s, e] = model->forward(ids, torch::ones({2, 6}, torch::kLong));
    model::qa_span_loss(s, e, torch::tensor({1, 2}), torch::tensor({3, 4})).backward();
    for (const auto& p : model->named_parameters()) {
        const bool adapter_or_head =
            p.key().find(".lora_") != std::string::npos || p.key().rfind("qa_outputs.", 0) == 0;
        EXPECT_EQ(p.value().grad().defined(), adapter_or_head) << p.key();
    }
    // With B = 0 at the start, A's gradient is zero but B's is not: the adapter still learns.
    const auto& adapter = model->transformer->blocks[0]->attn->c_attn->adapters().at("default");
    EXPECT_GT(adapter->B.grad().abs().sum().item<float>(), 0.0f);
    EXPECT_EQ(mark_trainable(*model, Finetune::kFull).size(), model->parameters().size());
}

TEST(Trainer, ResumeAfterInterruptionReachesTheSameWeights) {
    Fixture fx;
    auto full                        = fx.config("uninterrupted");
    full.max_steps                   = 8;
    full.save_steps                  = 3;
    full.lora.dropout                = 0.1;  // the RNG state must be restored too
    full.gradient_accumulation_steps = 2;
    full.learning_rate               = 5e-3;
    run_training(full);

    auto part                  = full;
    part.output_dir            = (fx.dir.path() / "interrupted").string();
    part.interrupt_after_steps = 4;  // killed after step 4: the newest checkpoint is step 3
    run_training(part);
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(part.output_dir) / "checkpoint-3"));
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(part.output_dir) / "checkpoint-8"));
    part.interrupt_after_steps = -1;
    part.resume                = true;
    run_training(part);

    const auto a = model::LoadedModel::load(full.output_dir);
    const auto b = model::LoadedModel::load(part.output_dir);
    for (const auto& p : a.model().named_parameters()) {
        EXPECT_TRUE(torch::allclose(p.value(), b.model().named_parameters()[p.key()], 0.0, 1e-7)) << p.key();
    }
}

std::vector<nlohmann::json> log_entries(const std::string& out) {
    return bitswitch::testing::read_jsonl(std::filesystem::path(out) / "log.jsonl");
}

// train_results.json's train_loss is the mean step loss of the whole run (as transformers reports it), not
// the last log window's, also across a resume; grad_norm is measured when clipping is off.
TEST(Trainer, TrainLossIsTheRunsMeanAndTheGradNormIsLoggedWithoutClipping) {
    Fixture fx;
    auto c          = fx.config("mean");
    c.max_steps     = 6;
    c.logging_steps = 2;
    c.save_steps    = 2;
    c.max_grad_norm = 0.0;
    run_training(c);
    double sum  = 0.0;
    int windows = 0;
    for (const auto& e : log_entries(c.output_dir)) {
        if (!e.contains("loss")) continue;
        sum += e["loss"].get<double>();  // equal windows of 2 steps: the mean of means is the mean
        ++windows;
        EXPECT_GT(e["grad_norm"].get<double>(), 0.0) << e.dump();
    }
    ASSERT_EQ(windows, 3);
    const auto results =
        nlohmann::json::parse(core::read_file(std::filesystem::path(c.output_dir) / "train_results.json"));
    EXPECT_NEAR(results["train_loss"].get<double>(), sum / 3, 1e-9);
    EXPECT_GT(std::fabs(results["train_loss"].get<double>() -
                        log_entries(c.output_dir).back()["loss"].get<double>()),
              1e-6);

    auto part       = c;
    part.output_dir = (fx.dir.path() / "mean_resumed").string();
    bitswitch::testing::train_with_interruption(part, 3);
    const auto resumed =
        nlohmann::json::parse(core::read_file(std::filesystem::path(part.output_dir) / "train_results.json"));
    EXPECT_NEAR(resumed["train_loss"].get<double>(), results["train_loss"].get<double>(), 1e-9);
}

TEST(Trainer, NanLossStopsWithAClearErrorAndKeepsTheLastCheckpoint) {
    Fixture fx;
    auto c          = fx.config("nan");
    c.max_steps     = 50;
    c.save_steps    = 1;
    c.max_grad_norm = 0.0;
    c.learning_rate = 1e12;  // diverges within a few steps
    try {
        run_training(c);
        FAIL() << "expected the loss to become NaN";
    } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("the loss is"), std::string::npos) << what;
        EXPECT_NE(what.find("The last good checkpoint is"), std::string::npos) << what;
    }
    // The newest checkpoint is whole: it loads.
    std::filesystem::path newest;
    for (const auto& e : std::filesystem::directory_iterator(c.output_dir)) {
        if (e.path().filename().string().rfind("checkpoint-", 0) == 0 && e.path().extension() != ".tmp")
            newest = e.path();
    }
    ASSERT_FALSE(newest.empty());
    EXPECT_NO_THROW(model::LoadedModel::load(newest));
}

TEST(Trainer, ExistingCheckpointsNeedResumeOrOverwrite) {
    Fixture fx;
    auto c      = fx.config("twice");
    c.max_steps = 1;
    run_training(c);
    EXPECT_THROW(run_training(c), InputError);
    c.overwrite_output_dir = true;
    EXPECT_NO_THROW(run_training(c));
    auto r      = fx.config("never");
    r.max_steps = 1;
    r.resume    = true;
    EXPECT_THROW(run_training(r), InputError);
}

}  // namespace
}  // namespace bitswitch::train
