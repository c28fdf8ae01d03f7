// The word-level attack's pieces by hand: the attention ranking of a toy two-layer map, norm-link's merge,
// the attackable words of a window; and the attack itself keeping answers and substituting synonyms.
#include "bitswitch/attack/word_attack.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/text/utf8.h"
#include "fixture.h"

namespace bitswitch::attack {
namespace {

TEST(WordAttack, AttentionScoresOfAToyCaseByHand) {
    // Layer 1: both heads [[1, 0], [.5, .5]]; layer 2: both heads [[1, 0], [.2, .8]] (H = 2, T = 2).
    const auto layer1 = torch::tensor({1.0f, 0.0f, 0.5f, 0.5f}).view({1, 2, 2}).repeat({2, 1, 1});
    const auto layer2 = torch::tensor({1.0f, 0.0f, 0.2f, 0.8f}).view({1, 2, 2}).repeat({2, 1, 1});
    const auto scores = attention_token_scores({layer1, layer2});
    // Softmax of each head-mean row: [1, 0] -> [e/(e+1), 1/(e+1)]; [.5, .5] -> [.5, .5];
    // [.2, .8] -> [1/(1+e^.6), e^.6/(1+e^.6)]. Mean over layers, then over the two rows, then / max.
    const double e = std::exp(1.0), f = std::exp(0.6);
    const double row0_col0 = e / (e + 1), row0_col1 = 1 / (e + 1);
    const double row1_col0 = (0.5 + 1 / (1 + f)) / 2, row1_col1 = (0.5 + f / (1 + f)) / 2;
    const double col0 = (row0_col0 + row1_col0) / 2, col1 = (row0_col1 + row1_col1) / 2;
    ASSERT_EQ(scores.size(0), 2);
    EXPECT_NEAR(scores[0].item<double>(), 1.0, 1e-6);
    EXPECT_NEAR(scores[1].item<double>(), col1 / col0, 1e-6);
}

TEST(WordAttack, NormLinkMergesTheTwoTopListsByWord) {
    const std::vector<ContextWord> words{
        {"Paris", 0, 5, {}}, {"city", 6, 10, {}}, {"Paris", 11, 16, {}}, {"river", 17, 22, {}}};
    const std::vector<double> attention{1.0, 0.2, 0.9, 0.5}, removal{0.1, 1.0, 0.3, 0.6};
    // Removal's top 2: city 1.0, river 0.6; attention's: Paris 1.0 and Paris 0.9, one word: 1.9 at index 0.
    const auto ranked = norm_link(words, attention, removal, 2);
    ASSERT_EQ(ranked.size(), 2u);
    EXPECT_EQ(ranked[0].word, 0u);
    EXPECT_DOUBLE_EQ(ranked[0].score, 1.9);
    EXPECT_EQ(ranked[1].word, 1u);
    EXPECT_DOUBLE_EQ(ranked[1].score, 1.0);
}

TEST(WordAttack, WindowWordsSkipAnswersFunctionWordsAndNumbers) {
    const auto ds       = two_questions();
    const auto features = data::build_features(ds, gpt2_tokenizer(), small_windows());
    const auto rows     = features_by_example(ds, features);
    const auto window   = answer_window(gpt2_tokenizer(), ds, features, 0, rows[0]);
    ASSERT_TRUE(window.has_value());
    const auto& context = ds.contexts[0];
    const auto words    = window_words(context, *window);
    std::vector<std::string> texts;
    for (const auto& w : words) {
        texts.push_back(w.text);
        EXPECT_EQ(
            text::u32_to_utf8(text::utf8_to_u32(context).substr(size_t(w.begin), size_t(w.end - w.begin))),
            w.text);
        EXPECT_FALSE(w.positions.empty());
    }
    // "Denver Broncos" is the answer; the, to, in, at are function words; 24, 10, 50 have no letter.
    const std::vector<std::string> expected{"beat", "Carolina", "Panthers", "Super",
                                            "Bowl", "Levi's",   "Stadium"};
    EXPECT_EQ(texts, expected);
}

TEST(WordAttack, SubstitutesSynonymsAndKeepsTheAnswer) {
    auto loaded         = two_level_model();
    const auto ds       = two_questions();
    const auto features = data::build_features(ds, gpt2_tokenizer(), small_windows());
    const auto rows     = features_by_example(ds, features);
    const auto wordnet  = text::WordNet::load();
    WordAttackContext ctx;
    auto& model               = loaded.model();
    ctx.model                 = &model;
    ctx.tokenizer             = &gpt2_tokenizer();
    ctx.wordnet               = &wordnet;
    ctx.base                  = quant::uniform_config({}, "", model.units(), "fp");
    ctx.features              = small_windows();
    const auto config         = loaded.config("8");
    const StepConfigs configs = [&](int, int) { return std::vector<quant::PrecisionConfig>{config}; };
    WordAttackOptions o;
    o.top_k           = 3;
    const auto window = answer_window(gpt2_tokenizer(), ds, features, 0, rows[0]);
    const auto q      = word_attack(ctx, ds, 0, *window, o, configs);
    ASSERT_GT(q.edits.size(), 0u);
    EXPECT_LE(q.edits.size(), 3u);
    EXPECT_EQ(q.record["words_substituted"].get<size_t>(), q.edits.size());
    const auto words = window_words(ds.contexts[0], *window);
    for (const auto& edit : q.edits) {
        std::string original;
        for (const auto& w : words) {
            if (w.begin == edit.begin && w.end == edit.end) original = w.text;
        }
        ASSERT_FALSE(original.empty()) << "edits replace whole attackable words";
        const auto lower = [](std::string s) {
            for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
            return s;
        };
        bool synonym = false;
        for (const auto pos : {text::WordPos::kNoun, text::WordPos::kVerb, text::WordPos::kAdjective,
                               text::WordPos::kAdverb}) {
            for (const auto& s : wordnet.synonyms(lower(original), pos))
                synonym = synonym || s == lower(edit.replacement);
        }
        EXPECT_TRUE(synonym) << original << " -> " << edit.replacement;
    }
    const auto adv = adversarial_dataset(ds, {q});
    EXPECT_EQ(adv.contexts[0].substr(size_t(adv.examples[0].answers[0].start), 14), "Denver Broncos");
}

TEST(WordAttack, BadOptionsNameTheFlag) {
    WordAttackOptions o;
    o.top_k = 0;
    try {
        validate(o);
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("--top_k 0"), std::string::npos) << e.what();
    }
    o                = {};
    o.max_candidates = 0;
    EXPECT_THROW(validate(o), InputError);
}

}  // namespace
}  // namespace bitswitch::attack
