// PGD: stays in the eps ball, never touches what the threat model protects, raises the loss; the EOT
// gradient of one config is the plain gradient and of several their mean; parameters are left alone.
#include "bitswitch/attack/pgd.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/attack/threat_model.h"
#include "bitswitch/core/error.h"
#include "bitswitch/data/batch.h"
#include "bitswitch/model/qa_head.h"
#include "fixture.h"

namespace bitswitch::attack {
namespace {

struct PgdFixture {
    model::LoadedModel loaded             = two_level_model();
    data::SquadDataset ds                 = two_questions();
    std::vector<data::QAFeature> features = data::build_features(ds, gpt2_tokenizer(), small_windows());
    data::Batch batch                     = data::make_batch(features, {0, 1});
    torch::Tensor attackable;
    PgdFixture() {
        const int64_t T = batch.input_ids.size(1);
        attackable      = torch::zeros({2, T});
        for (size_t i = 0; i < 2; ++i) {
            const auto flags = attackable_positions(features[i], ds.examples[i], ThreatModel{});
            for (int64_t t = 0; t < T; ++t) attackable[int64_t(i)][t] = float(flags[size_t(t)]);
        }
    }
    torch::Tensor clean() {
        torch::NoGradGuard no_grad;
        return loaded.model().embed(batch.input_ids);
    }
    torch::Tensor loss(const torch::Tensor& embeddings, const quant::PrecisionConfig& config) {
        torch::NoGradGuard no_grad;
        const auto [s, e] = loaded.model().forward_embeddings(embeddings, batch.attention_mask, &config);
        return model::qa_span_loss_per_example(s, e, batch.start_positions, batch.end_positions,
                                               batch.attention_mask);
    }
};

TEST(Pgd, StaysInTheBallNeverTouchesTheAnswerAndRaisesTheLoss) {
    PgdFixture f;
    const auto config = f.loaded.config("8");
    PgdOptions o;
    o.steps = 6, o.restarts = 2;
    const double eps = 0.05, alpha = 0.02;
    const auto adv = pgd_attack(
        f.loaded.model(), f.batch, f.attackable, o, eps, alpha,
        [&](int, int) { return std::vector<quant::PrecisionConfig>{config}; }, 7);
    const auto clean  = f.clean();
    const auto delta  = std::get<0>((adv - clean).abs().max(/*dim=*/-1));  // (B, T): L-inf per token
    const auto inside = f.attackable.gt(0);
    EXPECT_LE(delta.masked_select(inside).max().item().toFloat(), float(eps) * (1 + 1e-5f));
    EXPECT_GT(delta.masked_select(inside).min().item().toFloat(), 0.0f) << "every attackable token moved";
    // Outside: bit for bit the clean embeddings (question, answer span, padding).
    EXPECT_TRUE(torch::equal(adv.masked_select(inside.logical_not().unsqueeze(-1).expand_as(adv)),
                             clean.masked_select(inside.logical_not().unsqueeze(-1).expand_as(clean))));
    EXPECT_GT(f.loss(adv, config).sum().item<float>(), f.loss(clean, config).sum().item<float>());
    // Deterministic for a seed.
    const auto again = pgd_attack(
        f.loaded.model(), f.batch, f.attackable, o, eps, alpha,
        [&](int, int) { return std::vector<quant::PrecisionConfig>{config}; }, 7);
    EXPECT_TRUE(torch::equal(adv, again));
}

TEST(Pgd, ExpectationOverOneConfigIsThePlainGradientAndOverSeveralTheirMean) {
    PgdFixture f;
    const auto c8 = f.loaded.config("8"), c4 = f.loaded.config("4");
    const auto plain = [&](const quant::PrecisionConfig& config) {
        auto x            = f.clean().detach().requires_grad_(true);
        const auto [s, e] = f.loaded.model().forward_embeddings(x, f.batch.attention_mask, &config);
        model::qa_span_loss_per_example(s, e, f.batch.start_positions, f.batch.end_positions,
                                        f.batch.attention_mask)
            .sum()
            .backward();
        return x.grad();
    };
    const auto g8 = plain(c8), g4 = plain(c4);
    EXPECT_TRUE(torch::equal(qa_loss_and_gradient(f.loaded.model(), f.clean(), f.batch, {c8}).gradient, g8));
    const auto both = qa_loss_and_gradient(f.loaded.model(), f.clean(), f.batch, {c8, c4});
    EXPECT_TRUE(torch::allclose(both.gradient, (g8 + g4) / 2, 1e-5, 1e-7));
    EXPECT_TRUE(torch::allclose(both.loss, (f.loss(f.clean(), c8) + f.loss(f.clean(), c4)) / 2, 1e-5, 1e-7));
    EXPECT_FALSE(torch::allclose(g8, g4)) << "the two levels must differ for this test to mean anything";
}

TEST(Pgd, LeavesTheModelsParametersAndModeAsItFoundThem) {
    PgdFixture f;
    auto& m = f.loaded.model();
    m.train();
    std::vector<bool> wanted;
    for (const auto& p : m.parameters()) wanted.push_back(p.requires_grad());
    const auto config = f.loaded.config("4");
    pgd_attack(
        m, f.batch, f.attackable, PgdOptions{}, 0.05, 0.01,
        [&](int, int) { return std::vector<quant::PrecisionConfig>{config}; }, 1);
    EXPECT_TRUE(m.is_training());
    size_t i = 0;
    for (const auto& p : m.parameters()) {
        EXPECT_EQ(p.requires_grad(), wanted[i++]);
        EXPECT_FALSE(p.grad().defined()) << "no parameter gradient is computed";
    }
}

TEST(Pgd, BudgetsOutOfRangeAndUnknownPresetsAreInputErrors) {
    EXPECT_NO_THROW(validate(PgdOptions{}));
    EXPECT_THROW(validate(PgdOptions{0.0}), InputError);
    EXPECT_THROW(validate(PgdOptions{-1.0}), InputError);
    EXPECT_THROW(validate(PgdOptions{0.1, std::nan("")}), InputError);
    EXPECT_THROW(validate(PgdOptions{0.1, 0.01, 0}), InputError);
    EXPECT_THROW(validate(PgdOptions{0.1, 0.01, 5, 0}), InputError);
    const auto seed001 = pgd_preset("seed001");
    EXPECT_EQ(seed001.eps, 0.1);
    EXPECT_EQ(seed001.alpha, 0.01);
    EXPECT_EQ(seed001.steps, 5);
    EXPECT_TRUE(seed001.absolute);
    EXPECT_THROW(pgd_preset("seed999"), InputError);
    EXPECT_NEAR(embedding_rms(torch::tensor({3.0f, -4.0f})), std::sqrt(12.5), 1e-6);
}

}  // namespace
}  // namespace bitswitch::attack
