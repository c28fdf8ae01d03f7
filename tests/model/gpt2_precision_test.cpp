// Switching a whole model between precision configs: exactness at 32 bits, cheap round trips, adapter
// gradients only where active, KV quantization in the full forward and with the cache.
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

using testing::add_level_adapters;
using testing::tiny_model;
using testing::two_levels;

torch::Tensor ids() {
    return torch::tensor(std::vector<int64_t>{5, 17, 3, 60, 22, 9, 41, 12, 8, 33, 1, 2, 7, 0}).view({2, 7});
}

std::pair<torch::Tensor, torch::Tensor> run(Gpt2ForQuestionAnswering& model) {
    torch::NoGradGuard no_grad;
    return model->forward(ids(), {});
}

TEST(Gpt2Precision, ThirtyTwoBitsEqualsTheUnquantizedModelBitForBit) {
    auto model = tiny_model(1);
    model->eval();
    const auto [s0, e0] = run(model);
    model->set_precision(quant::parse_precision("fp", model->units(), {}));
    const auto [s1, e1] = run(model);
    EXPECT_TRUE(torch::equal(s0, s1));
    EXPECT_TRUE(torch::equal(e0, e1));
    model->set_precision(quant::parse_precision("8", model->units(), {}));
    EXPECT_FALSE(torch::equal(run(model).first, s0));  // 8 bits does change something
}

// --fp_head: the head computes in float at any config, exactly as a config that puts it at fp; the blocks
// stay quantized.
TEST(Gpt2Precision, AnFpHeadIsTheHeadAtFullPrecisionInAnyConfig) {
    auto model = tiny_model(3);
    model->eval();
    const auto units = model->units();
    model->set_precision(quant::parse_precision("4,4,fp", units, {}));  // blocks at 4 bits, head fp
    const auto [s_fp, e_fp] = run(model);
    model->set_precision(quant::parse_precision("4", units, {}));
    const auto [s_4, e_4] = run(model);
    EXPECT_FALSE(torch::equal(s_4, s_fp));  // the head's 4 bits do change the logits

    quant::QuantSettings settings;
    settings.fp_head = true;
    model->set_quant_settings(settings);
    const auto [s, e] = run(model);  // still the all-4-bit config
    EXPECT_TRUE(torch::equal(s, s_fp));
    EXPECT_TRUE(torch::equal(e, e_fp));
    EXPECT_EQ(
        quant::with_full_precision_head(quant::parse_precision("4", units, {}), units).at("qa_outputs").bits,
        (quant::BitWidths{32, 32, 32}));
}

TEST(Gpt2Precision, SwitchingAToBToAReturnsIdenticalOutputs) {
    auto model     = tiny_model(2);
    const auto set = two_levels();
    add_level_adapters(model, set);
    model->eval();
    model->set_precision(quant::parse_precision("8", model->units(), set));
    const auto a = run(model).first;
    model->set_precision(quant::parse_precision("w4a4kv4", model->units(), set));
    const auto b = run(model).first;
    model->set_precision(quant::parse_precision("8,4,8", model->units(), set));
    run(model);
    model->set_precision(quant::parse_precision("8", model->units(), set));
    EXPECT_TRUE(torch::equal(run(model).first, a));
    EXPECT_FALSE(torch::allclose(a, b, 1e-3, 1e-3));
}

TEST(Gpt2Precision, OnlyTheActiveLevelsAdaptersGetGradients) {
    auto model     = tiny_model(3);
    const auto set = two_levels();
    add_level_adapters(model, set);
    for (auto& p : model->parameters()) p.set_requires_grad(false);
    for (auto& [name, layer] : model->linear_layers()) {
        for (auto& [level, adapter] : layer->adapters()) {
            adapter->A.set_requires_grad(true);
            adapter->B.set_requires_grad(true);
        }
    }
    model->train();
    model->set_precision(quant::parse_precision("8,4,8", model->units(), set));  // block 1 at 4 bits
    const auto [s, e] = model->forward(ids(), {});
    (s.sum() + e.sum()).backward();
    for (auto& [name, layer] : model->linear_layers()) {
        const std::string active = name.rfind("h.1.", 0) == 0 ? "4" : "8";
        for (auto& [level, adapter] : layer->adapters()) {
            const bool has_grad =
                adapter->B.grad().defined() && adapter->B.grad().abs().sum().item<float>() > 0;
            EXPECT_EQ(has_grad, level == active) << name << " level " << level;
        }
    }
}

TEST(Gpt2Precision, MissingAdapterIsAnInputErrorNamingTheLayer) {
    auto model            = tiny_model(4);
    quant::AdapterSet set = two_levels();
    // Only the 8-bit adapters exist in the model, but the config (resolved against both levels) wants 4.
    quant::AdapterSet only8{{set.levels[0]}, ""};
    add_level_adapters(model, only8);
    try {
        model->set_precision(quant::parse_precision("w4a4kv4", model->units(), set));
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("h.0.attn.c_attn: no adapter \"4\""), std::string::npos)
            << e.what();
    }
}

// Attention output of block 0 at a given KV precision, everything else full precision.
torch::Tensor attention_output(Gpt2ForQuestionAnswering& model, const std::string& kv) {
    torch::NoGradGuard no_grad;
    const auto c = quant::parse_precision(kv, model->units(), {});
    const auto x =
        model->transformer->wte->forward(ids()) + model->transformer->wpe->forward(torch::arange(7));
    return model->transformer->blocks[0]->attn->forward(x, {}, BlockPrecision{c[0], c[1], c[2], c[3], c[4]},
                                                        nullptr, nullptr);
}

TEST(Gpt2Precision, KvQuantizationAtSixteenBitsIsTinyAndAtFourBitsVisible) {
    auto model = tiny_model(5);
    model->eval();
    const auto full = attention_output(model, "fp");
    const auto rel = [&](const torch::Tensor& y) { return ((y - full).norm() / full.norm()).item<double>(); };
    EXPECT_LT(rel(attention_output(model, "w32a32kv16")), 1e-3);
    EXPECT_GT(rel(attention_output(model, "w32a32kv4")), 1e-2);
    // Per head uses each head's own range: a different result from across heads at the same 4 bits (the
    // ranges themselves are checked by hand in quant/kv_quant_test.cpp).
    const auto across = attention_output(model, "w32a32kv4");
    quant::QuantSettings per_head;
    per_head.kv.per_head = true;
    model->set_quant_settings(per_head);
    const auto per_head_out = attention_output(model, "w32a32kv4");
    EXPECT_FALSE(torch::allclose(per_head_out, across, 1e-6, 1e-6));
    EXPECT_GT(rel(per_head_out), 1e-3);  // still quantized
}

TEST(Gpt2Precision, QuantizedKvCacheDecodingEqualsTheFullForward) {
    auto model = tiny_model(6);
    model->eval();
    const auto c = quant::parse_precision("w8a8kv4", model->units(), {});
    torch::NoGradGuard no_grad;
    const auto all = model->transformer->forward(ids(), {}, c);
    KVCache cache;
    const auto head = model->transformer->forward(ids().narrow(1, 0, 4), {}, c, &cache);
    const auto tail = model->transformer->forward(ids().narrow(1, 4, 3), {}, c, &cache);
    EXPECT_TRUE(torch::allclose(torch::cat({head, tail}, 1), all, 1e-5, 1e-5));
}

// On the packed engine the cache stores each token packed at kv_bits: int8 at 8 bits, two values a byte at 4
// (plus one float per token and range), and decoding token by token still equals the full forward, whose
// keys and values are fake-quantized, up to the rounding of q · d; per head too.
TEST(Gpt2Precision, PackedKvCacheHoldsKvBitsAndDecodesAsTheFullForward) {
    auto model = tiny_model(6);
    model->eval();
    model->set_engine(quant::Engine::kPacked);
    torch::NoGradGuard no_grad;
    const auto& cfg = model->transformer->config;
    for (const bool per_head : {false, true}) {
        quant::QuantSettings settings;
        settings.kv.per_head = per_head;
        model->set_quant_settings(settings);
        for (const int kv : {8, 4, 3}) {
            const auto c   = quant::parse_precision("w8a8kv" + std::to_string(kv), model->units(), {});
            const auto all = model->transformer->forward(ids(), {}, c);
            KVCache cache;
            std::vector<torch::Tensor> steps{
                model->transformer->forward(ids().narrow(1, 0, 4), {}, c, &cache)};
            for (int64_t t = 4; t < ids().size(1); ++t)
                steps.push_back(model->transformer->forward(ids().narrow(1, t, 1), {}, c, &cache));
            EXPECT_TRUE(torch::allclose(torch::cat(steps, 1), all, 1e-4, 1e-5))
                << "kv" << kv << " per head " << per_head << ": "
                << (torch::cat(steps, 1) - all).abs().max().item<double>();
            // Bytes: B x S tokens x (C values at kv bits + one float per range), for keys and values of
            // every layer.
            const int64_t B = ids().size(0), S = ids().size(1), ranges = per_head ? cfg.n_head : 1;
            const int64_t value_bytes = kv <= 4 ? cfg.n_embd / 2 : cfg.n_embd;
            EXPECT_EQ(cache.length(), S);
            EXPECT_EQ(cache.bytes(), 2 * cfg.n_layer * B * S * (value_bytes + 4 * ranges)) << kv;
            EXPECT_EQ(cache.keys[0].bits, kv);
        }
    }
    // The float cache at full precision, for comparison: 4 bytes a value.
    KVCache full;
    model->transformer->forward(ids(), {}, quant::parse_precision("w8a8", model->units(), {}), &full);
    EXPECT_EQ(full.bytes(), 2 * cfg.n_layer * ids().size(0) * ids().size(1) * cfg.n_embd * 4);
}

// Precision is an argument of every forward: two threads running one model at two precisions at once get
// what each precision gives alone. The concurrent model starts with empty weight caches, so the threads also
// race to fill them; each thread repeats its forward to meet the other at different points.
TEST(Gpt2Precision, TwoThreadsAtTwoPrecisionsGetTheirSequentialLogits) {
    const auto set  = two_levels();
    const auto make = [&] {  // the same weights and adapters every time
        auto m = tiny_model(7);
        torch::manual_seed(0);
        add_level_adapters(m, set);
        m->eval();
        return m;
    };
    auto reference = make(), shared = make();
    const auto configs =
        std::vector<quant::PrecisionConfig>{quant::parse_precision("8", shared->units(), set),
                                            quant::parse_precision("w4a4kv4", shared->units(), set)};
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> expected;
    for (const auto& c : configs) expected.push_back(reference->forward(ids(), {}, &c).first);
    ASSERT_FALSE(torch::allclose(expected[0], expected[1], 1e-3, 1e-3));

    std::vector<int> mismatches(2, 0);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < 2; ++i) {
        threads.emplace_back([&, i] {
            torch::NoGradGuard guard;  // grad mode is per thread
            for (int r = 0; r < 20; ++r) {
                const auto got = shared->forward(ids(), {}, &configs[i]).first;
                mismatches[i] += !torch::allclose(got, expected[i], 1e-5, 1e-6);
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(mismatches, (std::vector<int>{0, 0}));
}

}  // namespace
}  // namespace bitswitch::model
