// Logits of many configs in one pass: with the prefix sharing they equal one forward per config bit for bit,
// and the blocks before a config's first change really run once per batch for all the configs sharing them.
#include "bitswitch/eval/logits.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <random>

#include "bitswitch/quant/precision.h"
#include "support/tiny_model.h"

namespace bitswitch::eval {
namespace {

// Windows of 24 tokens with 9..24 real ones (right padding), ids below the tiny vocabulary.
std::vector<data::QAFeature> random_features(size_t n) {
    std::mt19937 rng(3);
    std::vector<data::QAFeature> features(n);
    for (auto& f : features) {
        const int real = 9 + int(rng() % 16);
        f.input_ids.assign(24, 0);
        f.attention_mask.assign(24, 0);
        for (int t = 0; t < real; ++t)
            f.input_ids[size_t(t)] = int32_t(rng() % 64), f.attention_mask[size_t(t)] = 1;
        f.context_begin = 4;
        f.context_end   = real;  // what data::real_length reads
    }
    return features;
}

struct Fixture {
    model::Gpt2ForQuestionAnswering model{nullptr};
    std::vector<quant::PrecisionConfig> configs;
    Fixture() {
        auto config    = testing::tiny_config();
        config.n_layer = 3;
        model          = testing::tiny_model(5, config);
        model->eval();
        const auto& units = model->units();
        const auto base   = quant::parse_precision("8", units, {});
        // The base, each block (and the head) alone at 4 and at 3, other uniform levels, a repeat, and one
        // unit of the middle block changed.
        configs.push_back(base);
        for (const auto* level : {"4", "3"}) {
            for (int64_t g = 0; g < quant::group_count(units); ++g) {
                std::vector<std::string> names;
                for (const auto& u : units)
                    if (u.group == g) names.push_back(u.name);
                configs.push_back(quant::with_units_at(base, names, level, units, {}, "vary"));
            }
        }
        for (const auto* text : {"fp", "2", "8", "4,8,8,8"})
            configs.push_back(quant::parse_precision(text, units, {}));
        configs.push_back(quant::with_units_at(base, {"h.1.mlp.c_fc"}, "2", units, {}, "one unit"));
    }
};

TEST(Logits, SharedPrefixesGiveTheSameLogitsBitForBitAsOneForwardPerConfig) {
    Fixture f;
    const auto features = random_features(37);  // batches of 8: the last one partial
    const auto shared   = predict_logits_for_configs(*f.model, features, 8, f.configs, true);
    const auto separate = predict_logits_for_configs(*f.model, features, 8, f.configs, false);
    ASSERT_EQ(shared.size(), f.configs.size());
    for (size_t c = 0; c < f.configs.size(); ++c) {
        const auto single = predict_logits(*f.model, features, 8, false, &f.configs[c]);
        EXPECT_EQ(shared[c].first, single.first) << c;  // exact float equality, every position
        EXPECT_EQ(shared[c].second, single.second) << c;
        EXPECT_EQ(separate[c].first, single.first) << c;
    }
    // The configs are not all alike: the test would notice a mix-up.
    EXPECT_NE(shared[0].first, shared[1].first);
    EXPECT_NE(shared[0].first, shared.back().first);
}

TEST(Logits, BlocksBeforeTheFirstChangeRunOncePerBatchForTheConfigsSharingThem) {
    Fixture f;
    const auto features = random_features(16);  // 2 batches of 8
    // The configs whose first two blocks are at 8 (the base, a change in block 2 or the head at 4 and 3,
    // the repeated "8"): block 1 then runs once per batch for all six.
    std::vector<quant::PrecisionConfig> configs{f.configs[0], f.configs[3], f.configs[4],
                                                f.configs[7], f.configs[8], f.configs[11]};
    int block1_runs = 0, block2_runs = 0;
    f.model->linear("h.1.attn.c_attn")->observer = [&](const auto&, const auto&) { ++block1_runs; };
    f.model->linear("h.2.attn.c_attn")->observer = [&](const auto&, const auto&) { ++block2_runs; };
    predict_logits_for_configs(*f.model, features, 8, configs, true);
    EXPECT_EQ(block1_runs, 2);
    // Block 2 takes three precisions among them (3, 4 and 8): sorted, each runs once per batch; the configs
    // that differ from their predecessor in the head only resume after block 2.
    EXPECT_EQ(block2_runs, 2 * 3);
    block1_runs = block2_runs = 0;
    predict_logits_for_configs(*f.model, features, 8, configs, false);
    EXPECT_EQ(block1_runs, 2 * 6);
    EXPECT_EQ(block2_runs, 2 * 6);
}

}  // namespace
}  // namespace bitswitch::eval
