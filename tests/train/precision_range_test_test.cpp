// The precision range test's candidates start from the same point: each bit-width's first loss is the
// run's model at that precision on the first batch, whatever the candidates before it trained; afterwards
// the trainable weights are the run's again.
#include "bitswitch/train/precision_range_test.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/model/qa_head.h"
#include "bitswitch/train/trainer.h"
#include "support/tiny_model.h"

namespace bitswitch::train {
namespace {

TEST(PrecisionRangeTest, EveryBitWidthStartsFromTheRunsWeightsOnTheSameBatches) {
    TrainConfig c;
    c.mode              = Mode::kCyclic;
    c.num_bit_min       = 3;
    c.num_bit_max       = 5;
    c.prt_steps         = 1;  // a candidate's loss is then its first step's, before any update of its own
    c.learning_rate     = 0.05;
    const auto levels   = levels_of(c);
    const auto adapters = adapter_set_for(c, levels);
    ASSERT_FALSE(adapters.shared_adapter.empty());
    auto m = bitswitch::testing::tiny_model(7);
    for (auto& [name, layer] : m->linear_layers()) {
        if (name != "qa_outputs") layer->add_adapter(adapters.shared_adapter, levels.front().lora);
    }
    const auto trainable = mark_trainable(*m, Finetune::kLora);
    std::vector<torch::Tensor> params;
    for (const auto& [name, p] : trainable) params.push_back(p);
    const PrecisionPlanner planner(c, levels, adapters, m->units(), 100);

    torch::manual_seed(11);
    std::vector<data::Batch> batches;
    for (int i = 0; i < 3; ++i) {
        data::Batch b;
        b.input_ids       = torch::randint(0, 64, {4, 12}, torch::kLong);
        b.attention_mask  = torch::ones({4, 12}, torch::kLong);
        b.start_positions = torch::randint(4, 12, {4}, torch::kLong);
        b.end_positions   = b.start_positions;
        b.context_begin   = torch::full({4}, 4, torch::kLong);
        batches.push_back(b);
    }
    std::vector<torch::Tensor> before;
    for (const auto& p : params) before.push_back(p.detach().clone());
    std::vector<double> expected;
    {
        torch::NoGradGuard no_grad;
        for (int bits = 3; bits <= 5; ++bits) {
            const auto config = planner.cyclic_config(bits, bits);
            const auto& x     = batches[0];
            const auto [s, e] = m->forward(x.input_ids, x.attention_mask, &config);
            expected.push_back(model::qa_span_loss(s, e, x.start_positions, x.end_positions, x.attention_mask)
                                   .item<double>());
        }
    }

    const auto result =
        run_precision_range_test(*m, params, planner, c, [&](int64_t i) { return batches[size_t(i)]; });
    EXPECT_EQ(result.bits, (std::vector<int>{3, 4, 5}));
    ASSERT_EQ(result.losses.size(), 3u);
    for (size_t i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(result.losses[i], expected[i]) << result.bits[i];
    for (size_t i = 0; i < params.size(); ++i) EXPECT_TRUE(torch::equal(params[i], before[i])) << i;
}

}  // namespace
}  // namespace bitswitch::train
