// Sensitivity on a toy model with one deliberately fragile unit: every measure ranks it first. The questions'
// gold answers are the full-precision model's own answers, so that full precision scores 100 and every
// change of an answer is a drop.
#include "bitswitch/analysis/sensitivity.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/analysis/rank_correlation.h"
#include "bitswitch/core/error.h"
#include "bitswitch/data/synth.h"
#include "bitswitch/eval/evaluator.h"
#include "support/paths.h"
#include "support/temp_dir.h"
#include "support/toy_model.h"

namespace bitswitch::analysis {
namespace {

using bitswitch::testing::ToyQaModel;

// body0's and the head's weights are all ±0.5, which 3 bits represent exactly (max |w| maps to the top
// level), so quantizing their weights changes nothing; body1's are ordinary (normal), and 3 bits round them.
ToyQaModel fragile_toy() {
    torch::manual_seed(4);
    ToyQaModel m(50257, 16, 2);
    torch::NoGradGuard no_grad;
    const auto plus_minus_half = [](int64_t rows, int64_t cols) {
        return torch::randint(0, 2, {rows, cols}).to(torch::kFloat32).sub(0.5);
    };
    m->embedding->weight.normal_(0, 1);
    m->body[0]->weight.copy_(plus_minus_half(16, 16));
    m->body[1]->weight.normal_(0, 1);
    m->head->weight.copy_(plus_minus_half(2, 16));
    m->eval();
    return m;
}

eval::QaEvalSet questions_answered_by(model::QuantModel& m) {
    const auto tok = text::BpeTokenizer::load(bitswitch::testing::asset("gpt2-tokenizer"));
    bitswitch::testing::TempDir dir;
    eval::QaEvalSet set;
    set.dataset =
        data::load_squad(dir.write("q.json", data::synth_squad_json({12, 1, 3, 9, true, true})).string());
    data::FeatureOptions fo;
    fo.max_seq_length      = 128;
    fo.doc_stride          = 32;
    fo.max_question_length = 24;
    set.features           = data::build_features(set.dataset, tok, fo);
    eval::EvalOptions options;
    options.show_progress = false;
    const auto r          = eval::evaluate_qa(m, set.dataset, set.features, options);
    for (size_t i = 0; i < set.dataset.examples.size(); ++i) {
        const auto& best                = r.predictions[i].nbest.front();
        set.dataset.examples[i].answers = {{r.predictions[i].text, best.char_start}};
    }
    set.features = data::build_features(set.dataset, tok, fo);  // labels from the new answers
    return set;
}

TEST(Sensitivity, AFragileUnitRanksFirstByTheMeasuredDropAndByBothProxies) {
    auto m            = fragile_toy();
    const auto set    = questions_answered_by(*m);
    const auto loaded = model::LoadedModel::wrap(m.ptr());
    SensitivityConfig c;
    c.base                = "fp";
    c.test_levels         = {"w3"};  // weights only (a bare model's omitted bits stay at full precision)
    c.calibration_samples = 64;
    c.eval.batch_size     = 8;
    c.eval.features.max_seq_length = 128;
    c.bootstrap                    = {300, 0.95, 2};
    const auto r                   = sensitivity_of(loaded, set, c);
    ASSERT_EQ(r.rows.size(), 3u);  // body0, body1, head at w3
    EXPECT_DOUBLE_EQ(r.base_score->estimate, 100.0);
    const auto& body0 = r.rows[0];
    const auto& body1 = r.rows[1];
    const auto& head  = r.rows[2];
    ASSERT_EQ(body1.target, "body1");
    EXPECT_GT(body1.drop->estimate, 10.0);
    EXPECT_GT(body1.drop->low, 0.0);               // and it is not noise
    EXPECT_NEAR(body0.drop->estimate, 0.0, 1e-9);  // ±0.5 survive 3 bits exactly
    EXPECT_NEAR(head.drop->estimate, 0.0, 1e-9);
    for (const auto* other : {&body0, &head}) {
        EXPECT_GT(body1.drop->estimate, other->drop->estimate) << other->target;
        EXPECT_GT(body1.kl, other->kl) << other->target;
        EXPECT_GT(*body1.fisher, *other->fisher) << other->target;
    }
    EXPECT_LT(body0.kl, 1e-9);
    EXPECT_LT(head.kl, 1e-9);
    ASSERT_TRUE(r.kl_spearman.has_value());
}

TEST(Sensitivity, SpearmanUsesAverageRanksForTies) {
    EXPECT_EQ(average_ranks({10, 20, 20, 5}), (std::vector<double>{2, 3.5, 3.5, 1}));
    EXPECT_DOUBLE_EQ(spearman({1, 2, 3}, {10, 20, 30}), 1.0);
    EXPECT_DOUBLE_EQ(spearman({1, 2, 3}, {3, 2, 1}), -1.0);
    // Ranks (1, 2.5, 2.5) and (1, 2, 3): covariance 1, variances 0.5 and 2 -> 1 / sqrt(1) = ... by hand:
    // deviations (-1, 0.5, 0.5) and (-1, 0, 1): Σxy = 1.5, Σx² = 1.5, Σy² = 2 -> 1.5 / sqrt(3) = 0.866.
    EXPECT_NEAR(spearman({1, 2, 2}, {1, 2, 3}), 1.5 / std::sqrt(3.0), 1e-12);
    EXPECT_TRUE(std::isnan(spearman({1, 1, 1}, {1, 2, 3})));
}

TEST(Sensitivity, NoTestLevelIsAnInputError) {
    auto m         = fragile_toy();
    const auto set = questions_answered_by(*m);
    SensitivityConfig c;
    c.base = "fp";
    EXPECT_THROW(sensitivity_of(model::LoadedModel::wrap(m.ptr()), set, c), InputError);
}

}  // namespace
}  // namespace bitswitch::analysis
