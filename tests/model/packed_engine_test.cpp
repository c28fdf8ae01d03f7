// The packed engine on a whole GPT-2: its span logits equal fake quantization's at the same config up to
// float rounding (LLM-QAT's fake quantization is exactly representable in integers), with and without
// adapters, merged or not; what it cannot run is an InputError naming the layer, never a silent fallback.
#include <thread>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/model/gpt2.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quant_settings.h"
#include "support/tiny_model.h"

namespace bitswitch::model {
namespace {

using testing::tiny_model;

torch::Tensor ids() {
    return torch::tensor(std::vector<int64_t>{5, 17, 3, 60, 22, 9, 41, 12, 8, 33, 1, 2, 7, 0}).view({2, 7});
}

std::pair<torch::Tensor, torch::Tensor> run(Gpt2ForQuestionAnswering& model, const quant::PrecisionConfig& c,
                                            quant::Engine engine) {
    torch::NoGradGuard no_grad;
    model->set_engine(engine);
    auto out = model->forward(ids(), {}, &c);
    model->set_engine(quant::Engine::kFakeQuant);
    return out;
}

// max |packed - fake| <= 1e-4 · max |fake|, for both span logits.
void expect_packed_equals_fake(Gpt2ForQuestionAnswering& model, const quant::PrecisionConfig& c) {
    const auto fake   = run(model, c, quant::Engine::kFakeQuant),
               packed = run(model, c, quant::Engine::kPacked);
    for (const auto& [f, p] : {std::pair{fake.first, packed.first}, std::pair{fake.second, packed.second}}) {
        const double scale = f.abs().max().item<double>(), diff = (p - f).abs().max().item<double>();
        EXPECT_LE(diff, 1e-4 * scale) << c.source << ": " << diff << " of " << scale;
        EXPECT_GT(scale, 0.0);
    }
}

TEST(PackedEngine, LogitsEqualFakeQuantizationAtEveryConfigKind) {
    auto model = tiny_model(3);
    model->eval();
    for (const char* text : {"w8a8", "w4a8", "w8a8kv8", "w4a8kv4", "w8a32", "w4a4kv4", "8,4,fp"}) {
        const auto c = quant::parse_precision(text, model->units(), {});
        expect_packed_equals_fake(model, c);
    }
}

TEST(PackedEngine, PerGroupWeightsAndAdaptersMergedOrNot) {
    auto model     = tiny_model(4);
    const auto set = testing::two_levels(8);
    testing::add_level_adapters(model, set);
    model->eval();  // after the adapters exist: their dropout is off
    quant::QuantSettings settings;
    for (const bool merged : {false, true}) {
        for (const int64_t group : {int64_t(0), int64_t(16)}) {
            settings.linear.merged = merged;
            if (group > 0) {
                settings.linear.weight_granularity = quant::Granularity::kGroup;
                settings.linear.weight_group_size  = group;
            }
            model->set_quant_settings(settings);
            for (const char* text : {"w8a8", "w4a8", "w4a8,w8a8,w4a8"}) {
                const auto c = quant::parse_precision(text, model->units(), set);
                SCOPED_TRACE(std::string("merged ") + (merged ? "yes" : "no") + ", group " +
                             std::to_string(group));
                expect_packed_equals_fake(model, c);
            }
        }
    }
}

// Per-request precision on the packed engine: two threads at two configs on one model, each getting what
// it gets alone, while the first calls pack their weights concurrently.
TEST(PackedEngine, TwoThreadsAtTwoConfigsGetTheirOwnResults) {
    auto model = tiny_model(6);
    model->eval();
    const std::vector<quant::PrecisionConfig> configs = {quant::parse_precision("w8a8", model->units(), {}),
                                                         quant::parse_precision("w4a8", model->units(), {})};
    std::vector<torch::Tensor> expected;
    for (const auto& c : configs) expected.push_back(run(model, c, quant::Engine::kPacked).first);
    ASSERT_FALSE(torch::allclose(expected[0], expected[1], 1e-3, 1e-3));
    auto fresh = tiny_model(6);  // the same weights, nothing packed yet
    fresh->eval();
    fresh->set_engine(quant::Engine::kPacked);
    std::vector<int> mismatches(2, 0);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < 2; ++i) {
        threads.emplace_back([&, i] {
            torch::NoGradGuard guard;  // grad mode is per thread
            for (int r = 0; r < 20; ++r)
                mismatches[i] +=
                    !torch::allclose(fresh->forward(ids(), {}, &configs[i]).first, expected[i], 1e-5, 1e-6);
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(mismatches, (std::vector<int>{0, 0}));
}

TEST(PackedEngine, WhatItCannotRunIsAnInputErrorNamingTheLayer) {
    auto model = tiny_model(5);
    model->eval();
    const auto a16 = quant::parse_precision("w8a16", model->units(), {});
    try {
        run(model, a16, quant::Engine::kPacked);
        FAIL() << "w8a16 ran on the packed engine";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("h.0.attn.c_attn"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("--engine fake"), std::string::npos) << e.what();
    }
    quant::QuantSettings tensor_ranges;
    tensor_ranges.linear.weight_granularity = quant::Granularity::kTensor;
    model->set_quant_settings(tensor_ranges);
    EXPECT_THROW(run(model, quant::parse_precision("8", model->units(), {}), quant::Engine::kPacked),
                 InputError);
    // Training needs gradients, which integer kernels do not give.
    model->set_quant_settings({});
    model->train();
    model->set_engine(quant::Engine::kPacked);
    const auto c = quant::parse_precision("8", model->units(), {});
    EXPECT_THROW(model->forward(ids(), {}, &c), InputError);
}

// Deployment: keeping only some levels' packed weights frees every float weight, and those levels (and
// configs mixing them per block) give exactly what they gave before; anything needing the float weight is an
// InputError naming the layer and what it kept.
TEST(PackedEngine, KeepingOnlyPackedLevelsFreesTheFloatWeightsAndChangesNothingElse) {
    auto model = tiny_model(7);
    model->eval();
    const auto w8    = quant::parse_precision("w8a8", model->units(), {});
    const auto w4    = quant::parse_precision("w4a8", model->units(), {});
    const auto mixed = quant::parse_precision("w8a8,w4a8,w8a8", model->units(), {});
    std::vector<torch::Tensor> before;
    for (const auto* c : {&w8, &w4, &mixed}) before.push_back(run(model, *c, quant::Engine::kPacked).first);
    EXPECT_THROW(model->keep_only_packed({quant::parse_precision("fp", model->units(), {})}), InputError);
    model->keep_only_packed({w8, w4});
    for (auto& [name, layer] : model->linear_layers()) {
        EXPECT_EQ(layer->weight.numel(), 0) << name;
        EXPECT_TRUE(layer->float_weight_released()) << name;
    }
    torch::NoGradGuard no_grad;
    size_t i = 0;
    for (const auto* c : {&w8, &w4, &mixed})
        EXPECT_TRUE(torch::equal(model->forward(ids(), {}, c).first, before[i++]));
    const auto expect_refused = [&](const char* text, const char* engine_name, quant::Engine engine) {
        const auto c = quant::parse_precision(text, model->units(), {});
        model->set_engine(engine);
        try {
            model->forward(ids(), {}, &c);
            ADD_FAILURE() << text << " ran on the " << engine_name << " engine without its weights";
        } catch (const InputError& e) {
            const std::string message = e.what();
            EXPECT_NE(message.find("h.0.attn.c_attn"), std::string::npos) << message;
            EXPECT_NE(message.find("w8, w4"), std::string::npos) << message;
        }
        model->set_engine(quant::Engine::kPacked);
    };
    expect_refused("fp", "packed", quant::Engine::kPacked);
    expect_refused("w6a8", "packed", quant::Engine::kPacked);
    expect_refused("w8a8", "fake", quant::Engine::kFakeQuant);
}

}  // namespace
}  // namespace bitswitch::model
