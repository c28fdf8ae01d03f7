// GBDA: a one-hot distribution of the clean tokens is the clean text; the margin, idf and placeable tokens
// by hand; the attack edits only attackable tokens, deterministically, and its edits give answerable
// questions whose answers are where they say.
#include "bitswitch/attack/gbda.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/data/batch.h"
#include "bitswitch/text/utf8.h"
#include "fixture.h"

namespace bitswitch::attack {
namespace {

struct GbdaFixture {
    model::LoadedModel loaded             = two_level_model();
    data::SquadDataset ds                 = two_questions();
    std::vector<data::QAFeature> features = data::build_features(ds, gpt2_tokenizer(), small_windows());
    std::vector<std::vector<size_t>> rows = features_by_example(ds, features);
    TextWindow window(size_t example) {
        auto w = answer_window(gpt2_tokenizer(), ds, features, example, rows[example]);
        EXPECT_TRUE(w.has_value());
        return *w;
    }
};

TEST(Gbda, OneHotSoftInputIsTheHardTextsForward) {
    GbdaFixture f;
    auto& model     = f.loaded.model();
    const auto w    = f.window(0);
    const int64_t T = w.length;
    const auto ids =
        torch::tensor(std::vector<int64_t>(w.feature->input_ids.begin(), w.feature->input_ids.begin() + T))
            .unsqueeze(0);
    const auto positions = torch::tensor(w.attackable, torch::kLong);
    const auto table     = model.token_embedding_table().detach();
    const auto one_hot   = torch::one_hot(ids[0].index_select(0, positions), table.size(0)).to(torch::kFloat);
    torch::NoGradGuard no_grad;
    const auto soft =
        soft_embeddings(model.embed(ids), one_hot.unsqueeze(0).repeat({2, 1, 1}), table, positions);
    const auto config   = f.loaded.config("8");
    const auto [hs, he] = model.forward(ids, {}, &config);
    const auto [ss, se] = model.forward_embeddings(soft, {}, &config);
    ASSERT_EQ(ss.size(0), 2);
    for (int64_t s = 0; s < 2; ++s) {
        EXPECT_TRUE(torch::equal(ss[s], hs[0]));
        EXPECT_TRUE(torch::equal(se[s], he[0]));
    }
}

TEST(Gbda, SpanMarginByHand) {
    const auto start = torch::tensor({{1.0f, 5.0f, 2.0f, 9.0f}, {4.0f, 1.0f, 2.0f, 9.0f}});
    const auto end   = torch::tensor({{0.0f, 1.0f, 3.0f, 9.0f}, {0.0f, 1.0f, 3.0f, 9.0f}});
    // Only the first 3 positions are real (the 9s are padding).
    // Row 0: start 5 - 2 + 1 = 4, end 3 - 1 + 1 = 3.
    // Row 1: start 1 - 4 + 1 < 0 -> 0, end 3.
    const auto m = span_margin(start, end, 1, 2, 3, 1.0);
    EXPECT_FLOAT_EQ(m[0].item<float>(), 7.0f);
    EXPECT_FLOAT_EQ(m[1].item<float>(), 3.0f);
}

TEST(Gbda, IdfAndPlaceableTokens) {
    const auto& tok = gpt2_tokenizer();
    data::SquadDataset ds;
    ds.contexts    = {"cat dog", "cat bird", "cat dog"};  // the repeated paragraph counts once: N = 2
    const auto idf = token_idf(ds, tok, tok.vocab_size());
    const auto cat = tok.encode("cat")[0], dog = tok.encode(" dog")[0], bird = tok.encode(" bird")[0];
    const auto unseen = tok.encode(" zebra")[0];
    EXPECT_FLOAT_EQ(idf[cat].item<float>(), 0.0f);                   // log(3 / 3)
    EXPECT_FLOAT_EQ(idf[dog].item<float>(), std::log(3.0f / 2.0f));  // df 1
    EXPECT_FLOAT_EQ(idf[bird].item<float>(), std::log(3.0f / 2.0f));
    EXPECT_FLOAT_EQ(idf[unseen].item<float>(), std::log(3.0f));

    const auto placeable = placeable_tokens(tok, tok.vocab_size() + 3);
    EXPECT_TRUE(placeable[dog].item<bool>());
    EXPECT_FALSE(placeable[tok.end_of_text_id()].item<bool>());
    EXPECT_FALSE(placeable[tok.vocab_size() + 1].item<bool>()) << "ids past the tokenizer's vocabulary";
    int32_t lead_byte = -1;  // the byte-level token of 0xE2 alone: part of a character
    for (int32_t id = 0; id < tok.vocab_size() && lead_byte < 0; ++id) {
        if (tok.decode_bytes({id}) == "\xe2") lead_byte = id;
    }
    ASSERT_GE(lead_byte, 0);
    EXPECT_FALSE(placeable[lead_byte].item<bool>()) << "a token holding part of a character";
}

TEST(Gbda, EditsOnlyAttackableTokensDeterministically) {
    GbdaFixture f;
    GbdaContext ctx;
    auto& model   = f.loaded.model();
    ctx.model     = &model;
    ctx.tokenizer = &gpt2_tokenizer();
    ctx.base      = quant::uniform_config({}, "", model.units(), "fp");
    ctx.idf       = token_idf(f.ds, gpt2_tokenizer(), model.token_embedding_table().size(0));
    ctx.placeable = placeable_tokens(gpt2_tokenizer(), model.token_embedding_table().size(0));
    GbdaOptions o;
    o.iterations = 3, o.samples = 2, o.hard_samples = 4, o.initial_coeff = 1;  // a flat start changes tokens
    const auto config         = f.loaded.config("4");
    const StepConfigs configs = [&](int, int) { return std::vector<quant::PrecisionConfig>{config}; };
    for (size_t e = 0; e < 2; ++e) {
        const auto w = f.window(e);
        const auto a = gbda_attack(ctx, e, w, o, configs, 11);
        const auto b = gbda_attack(ctx, e, w, o, configs, 11);
        ASSERT_EQ(a.edits.size(), b.edits.size());
        for (size_t i = 0; i < a.edits.size(); ++i) EXPECT_EQ(a.edits[i].replacement, b.edits[i].replacement);
        EXPECT_GT(a.edits.size(), 0u);
        EXPECT_EQ(a.record["tokens_changed"].get<size_t>(), a.edits.size());
        EXPECT_EQ(a.record["attackable_tokens"].get<size_t>(), w.attackable.size());
        EXPECT_LE(a.record["hard_samples_tried"].get<int>(), 4);
        for (const auto& edit : a.edits) {
            bool is_attackable_span = false;
            for (const int64_t p : w.attackable) {
                if (w.spans[size_t(p)].start == edit.begin && w.spans[size_t(p)].end == edit.end)
                    is_attackable_span = true;
            }
            EXPECT_TRUE(is_attackable_span) << edit.begin << ".." << edit.end;
            EXPECT_TRUE(text::utf8_is_valid(edit.replacement));
        }
        // The edited question is still answerable: its answer text sits at its (moved) offset.
        const auto adv     = adversarial_dataset(f.ds, {a});
        const auto& answer = adv.examples[0].answers[0];
        EXPECT_EQ(text::u32_to_utf8(text::utf8_to_u32(adv.contexts[0])
                                        .substr(size_t(answer.start), text::utf8_length(answer.text))),
                  answer.text);
    }
}

TEST(Gbda, BadOptionsNameTheFlag) {
    GbdaOptions o;
    o.iterations = 0;
    try {
        validate(o);
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("--iterations 0"), std::string::npos) << e.what();
    }
    o       = {};
    o.kappa = -1;
    EXPECT_THROW(validate(o), InputError);
    o    = {};
    o.lr = std::nan("");
    EXPECT_THROW(validate(o), InputError);
}

}  // namespace
}  // namespace bitswitch::attack
