// A QuantModel made up here (an embedding, one quantized linear and a QA head; no GPT-2 anywhere) run
// through the same quant/, train/ and eval/ code as GPT-2: precision configs resolve against its units, a
// switchable training step runs every level with its own adapter, an evaluation sweep scores each config.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/data/batch.h"
#include "bitswitch/eval/evaluator.h"
#include "bitswitch/model/qa_head.h"
#include "bitswitch/model/quant_model.h"
#include "bitswitch/quant/model_size.h"
#include "bitswitch/train/objective.h"
#include "bitswitch/train/planner.h"
#include "bitswitch/train/trainer.h"
#include "support/paths.h"
#include "support/temp_dir.h"
#include "support/toy_model.h"

namespace bitswitch::train {
namespace {

using bitswitch::testing::ToyQaModel;

// ids -> embedding (V, 8) -> tanh(body0(x)) -> head: start and end logits. Two units in two groups.
ToyQaModel toy(int64_t vocab = 64) {
    torch::manual_seed(21);
    return ToyQaModel(vocab, 8);
}

quant::AdapterSet two_levels() {
    TrainConfig c;
    c.level_lists.w_bits = {8, 4};
    c.mode               = Mode::kSwitchable;
    return adapter_set_for(c, levels_of(c));
}

TEST(ToyQuantModel, PrecisionConfigsAndSizesResolveAgainstItsUnits) {
    auto m          = toy();
    const auto list = quant::parse_precision("8,4", m->units(), {});  // one entry per group: body0, head
    EXPECT_EQ(list.at("body0").bits, (quant::BitWidths{8, 8, 8}));
    EXPECT_EQ(list.at("head").bits, (quant::BitWidths{4, 4, 4}));
    EXPECT_THROW(quant::parse_precision("8,4,4", m->units(), {}), InputError);  // three entries, two groups
    bitswitch::testing::TempDir dir;
    try {  // a GPT-2 pattern matches nothing here; the error lists this model's units
        quant::parse_precision(dir.write("gpt2.json", R"({"h.*.mlp.*": 4, "default": 8})").string(),
                               m->units(), {});
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("units: body0, head"), std::string::npos) << e.what();
    }
    // Sizes by hand: body 64 weights at 8 bits + 8 scales + 8 biases, head 16 weights at 4 bits + 2 scales
    // + 2 biases (all scales and biases float32), the 64 x 8 embedding in full precision.
    const auto size = quant::model_size(m->units(), list, m->full_precision_parameters(), {});
    EXPECT_DOUBLE_EQ(size.bytes, (64 + 4 * 8 + 4 * 8) + (8 + 4 * 2 + 4 * 2) + 4 * 64 * 8);
    EXPECT_DOUBLE_EQ(size.avg_weight_bits, (64 * 8 + 16 * 4) / 80.0);
}

TEST(ToyQuantModel, ASwitchableStepRunsEveryLevelWithItsOwnAdapter) {
    auto m              = toy();
    const auto adapters = two_levels();
    TrainConfig c;
    c.mode               = Mode::kSwitchable;
    c.level_lists.w_bits = {8, 4};
    for (const auto& level : adapters.levels) m->body[0]->add_adapter(level.name(), level.lora);
    const auto trainable = mark_trainable(*m, Finetune::kLora);
    EXPECT_EQ(trainable.size(), 2u * 2 + 2);  // A and B of two adapters, the head's weight and bias
    const PrecisionPlanner planner(c, adapters.levels, adapters, m->units(), 10);
    const auto plan = planner.plan(0);
    ASSERT_EQ(plan.passes.size(), 2u);
    EXPECT_EQ(plan.passes[0].config.at("body0").adapter, "8");
    EXPECT_EQ(plan.passes[1].config.at("body0").adapter, "4");

    m->train();
    const data::Batch batch{torch::randint(0, 64, {3, 5}), torch::ones({3, 5}, torch::kLong),
                            torch::tensor({1, 2, 0}), torch::tensor({3, 2, 4})};
    const auto loss = backward_micro_batch(*m, batch, plan, {}, {}, 1.0);
    // The objective's loss is the plan's weighted sum of the head's QA loss at each level's config.
    double want = 0.0;
    for (const auto& pass : plan.passes) {
        torch::NoGradGuard no_grad;
        const auto [s, e] = m->forward(batch.input_ids, batch.attention_mask, &pass.config);
        want += pass.weight *
                model::qa_span_loss(s, e, batch.start_positions, batch.end_positions, batch.attention_mask)
                    .item<double>();
    }
    EXPECT_NEAR(loss.total, want, 1e-6);
    // B starts at zero, so each level's B gets a gradient (A's is zero): both adapters learn from one step.
    for (const auto& name : {"8", "4"}) {
        const auto& B = m->body[0]->adapters().at(name)->B;
        ASSERT_TRUE(B.grad().defined()) << name;
        EXPECT_GT(B.grad().abs().sum().item<float>(), 0.0f) << name;
    }
}

// Seed 003's sequential schedule with distillation: in the lowest level's share of the steps, the step's loss
// is (1 - α)·CE + α·mean of D to each higher level's logits, and only the trained level's adapter learns.
TEST(ToyQuantModel, ASequentialKdStepDistillsFromEveryHigherLevelAndTrainsOnlyItsOwn) {
    auto m = toy();
    TrainConfig c;
    c.mode               = Mode::kSwitchable;
    c.level_lists.w_bits = {8, 4, 2};
    c.switch_schedule    = SwitchSchedule::kSequential;
    c.switch_loss        = SwitchLoss::kKd;
    const auto adapters  = adapter_set_for(c, levels_of(c));
    torch::manual_seed(5);
    for (const auto& level : adapters.levels) {
        m->body[0]->add_adapter(level.name(), level.lora);
        // Non-zero B, so that each level's logits differ by more than its quantization.
        torch::NoGradGuard no_grad;
        m->body[0]->adapters().at(level.name())->B.normal_(0.0, 0.5);
    }
    mark_trainable(*m, Finetune::kLora);
    const PrecisionPlanner planner(c, adapters.levels, adapters, m->units(), 3);
    const auto plan = planner.plan(2);
    ASSERT_EQ(plan.passes.size(), 1u);
    ASSERT_EQ(plan.teachers.size(), 2u);
    m->eval();  // no dropout: the expected loss below is computed from the same forwards
    const data::Batch batch{torch::randint(0, 64, {3, 5}), torch::ones({3, 5}, torch::kLong),
                            torch::tensor({1, 2, 0}), torch::tensor({3, 2, 4})};
    DistillSettings distill;
    distill.alpha   = 0.3;
    const auto loss = backward_micro_batch(*m, batch, plan, distill, {}, 1.0);

    torch::NoGradGuard no_grad;
    const auto logits = [&](const quant::PrecisionConfig& config) {
        return m->forward(batch.input_ids, batch.attention_mask, &config);
    };
    const auto [s, e] = logits(plan.passes[0].config);
    const double ce =
        model::qa_span_loss(s, e, batch.start_positions, batch.end_positions, batch.attention_mask)
            .item<double>();
    double distances = 0;
    for (const auto& teacher : plan.teachers) {
        const auto [ts, te] = logits(teacher.config);
        const double d      = distill_loss(s, e, ts, te, KdLoss::kKl, 2.0).item<double>();
        EXPECT_GT(d, 1e-4) << teacher.label;  // the levels differ, so the term is tested
        distances += d;
    }
    EXPECT_NEAR(loss.total, 0.7 * ce + 0.3 * distances / 2, 1e-6);
    EXPECT_NEAR(loss.passes.at(0).task_loss, ce, 1e-6);
    for (const auto& name : {"8", "4"}) {  // the teachers' adapters get no gradient
        const auto& grad = m->body[0]->adapters().at(name)->B.grad();
        EXPECT_TRUE(!grad.defined() || grad.abs().sum().item<float>() == 0.0f) << name;
    }
    EXPECT_GT(m->body[0]->adapters().at("2")->B.grad().abs().sum().item<float>(), 0.0f);
}

TEST(ToyQuantModel, AnEvaluationSweepScoresEveryConfig) {
    auto m = toy(50257);  // the data pipeline uses GPT-2's tokenizer
    m->eval();
    data::SquadDataset ds;
    ds.contexts = {"Denver Broncos beat the Carolina Panthers 24 to 10 in Super Bowl 50 at Levi's Stadium.",
                   "Warsaw is the capital of Poland."};
    ds.examples = {{"a", "", "Who won Super Bowl 50?", 0, {{"Denver Broncos", 0}}, {}, false},
                   {"b", "", "What is the capital of Poland?", 1, {{"Warsaw", 0}}, {}, false}};
    const auto tok = text::BpeTokenizer::load(bitswitch::testing::asset("gpt2-tokenizer"));
    data::FeatureOptions fo;
    fo.max_seq_length                                 = 48;
    fo.doc_stride                                     = 8;
    fo.max_question_length                            = 16;
    const auto features                               = data::build_features(ds, tok, fo);
    const std::vector<quant::PrecisionConfig> configs = {quant::parse_precision("fp", m->units(), {}),
                                                         quant::parse_precision("2", m->units(), {})};
    eval::EvalOptions options;
    options.show_progress = false;
    std::vector<std::string> seen;
    const auto results =
        eval::evaluate_configs(*m, ds, features, configs, options,
                               [&](const auto& config, const auto&) { seen.push_back(config.source); });
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(seen, (std::vector<std::string>{"fp", "2"}));
    for (size_t i = 0; i < 2; ++i) {
        const auto alone = eval::evaluate_qa(*m, ds, features, options, &configs[i]);
        EXPECT_EQ(results[i].predictions.front().text, alone.predictions.front().text);
        EXPECT_DOUBLE_EQ(results[i].f1, alone.f1);
    }
    // The config takes effect: 2-bit weights and inputs move the logits.
    const auto fp = eval::predict_logits(*m, features, 2, false, &configs[0]);
    const auto q2 = eval::predict_logits(*m, features, 2, false, &configs[1]);
    EXPECT_NE(fp.first, q2.first);
}

}  // namespace
}  // namespace bitswitch::train
