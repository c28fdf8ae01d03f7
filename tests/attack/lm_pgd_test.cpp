// PGD against the LM loss: with a vanishing budget it scores the text as `score` does, token for token and
// window for window; with a real budget it raises the loss at every precision.
#include "bitswitch/attack/lm_pgd.h"

#include <gtest/gtest.h>

#include "fixture.h"

namespace bitswitch::attack {
namespace {

std::vector<int32_t> long_text_ids() {
    // More than n_positions (64) tokens, so several overlapping windows are scored.
    std::string text;
    for (int i = 0; i < 12; ++i) text += "Warsaw is the capital and largest city of Poland. ";
    return gpt2_tokenizer().encode(text);
}

TEST(LmPgd, VanishingBudgetScoresLikeScore) {
    auto loaded    = two_level_model();
    const auto ids = long_text_ids();
    ASSERT_GT(ids.size(), 64u);
    const auto config = loaded.config("8");
    auto gpt2         = loaded.gpt2();
    const auto clean  = eval::score_tokens(gpt2, ids, 0, &config);
    PgdOptions o;
    o.steps        = 2;
    const auto adv = pgd_lm_score(loaded.model(), ids, 64, 0, o, 1e-12, 1e-13, config, 3);
    ASSERT_EQ(adv.tokens, clean.tokens);
    for (size_t t = 0; t < clean.token_logprobs.size(); ++t)
        EXPECT_NEAR(adv.token_logprobs[t], clean.token_logprobs[t], 1e-4) << "token " << t;
}

TEST(LmPgd, RealBudgetRaisesTheLossAtEveryPrecision) {
    auto loaded    = two_level_model();
    const auto ids = long_text_ids();
    PgdOptions o;
    o.steps          = 4;
    const double rms = embedding_rms(loaded.model().token_embedding_table());
    for (const char* level : {"8", "4"}) {
        const auto config = loaded.config(level);
        auto gpt2         = loaded.gpt2();
        const auto clean  = eval::score_tokens(gpt2, ids, 0, &config);
        const auto adv    = pgd_lm_score(loaded.model(), ids, 64, 0, o, 0.5 * rms, 0.1 * rms, config, 3);
        EXPECT_GT(adv.nll, clean.nll + 0.01 * double(clean.tokens)) << level;
    }
}

}  // namespace
}  // namespace bitswitch::attack
