#include "bitswitch/data/qa_features.h"

#include <gtest/gtest.h>

#include "bitswitch/core/error.h"
#include "bitswitch/eval/squad_metric.h"
#include "bitswitch/text/utf8.h"
#include "support/paths.h"

namespace bitswitch::data {
namespace {

using bitswitch::testing::asset;

const text::BpeTokenizer& gpt2() {
    static const text::BpeTokenizer tok = text::BpeTokenizer::load(asset("gpt2-tokenizer"));
    return tok;
}

// One question over one context; `answer` must occur in `context` (its first occurrence is the answer).
SquadDataset make_dataset(const std::string& context, const std::string& question,
                          const std::string& answer) {
    SquadDataset ds;
    ds.version = "1.1";
    ds.contexts.push_back(context);
    QAExample e;
    e.id       = "q";
    e.question = question;
    if (!answer.empty()) {
        const auto cps = text::utf8_to_u32(context);
        const auto pos = cps.find(text::utf8_to_u32(answer));
        EXPECT_NE(pos, std::u32string::npos);
        e.answers.push_back({answer, int64_t(pos)});
    }
    ds.examples.push_back(e);
    return ds;
}

std::vector<int32_t> ids_of(const std::string& s) {
    return gpt2().encode(s);
}

// "a b c ... z A B ...": distinct words of one GPT-2 token each (checked by the tests), so windows can be
// counted by hand. Word i is letter i.
std::string letter_words(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += (i ? " " : "") + std::string(1, char(i < 26 ? 'a' + i : 'A' + i - 26));
    return s;
}

TEST(QaFeatures, SingleWindowLayoutPaddingAndLabels) {
    const auto ds = make_dataset("Denver Broncos won Super Bowl 50.", "  Who won?", "Denver Broncos");
    FeatureOptions o;
    o.max_seq_length      = 32;
    o.doc_stride          = 8;
    o.max_question_length = 16;
    const auto features   = build_features(ds, gpt2(), o);
    ASSERT_EQ(features.size(), 1u);
    const auto& f       = features[0];
    const auto question = ids_of("Who won?");  // leading whitespace stripped, as run_qa.py does
    const auto context  = ids_of("Denver Broncos won Super Bowl 50.");
    ASSERT_EQ(f.context_begin, int32_t(question.size()));
    ASSERT_EQ(f.context_end, int32_t(question.size() + context.size()));
    for (size_t i = 0; i < question.size(); ++i) {
        EXPECT_EQ(f.input_ids[i], question[i]);
        EXPECT_EQ(f.offsets[i].start, kNoOffset);
    }
    for (size_t i = 0; i < context.size(); ++i) EXPECT_EQ(f.input_ids[question.size() + i], context[i]);
    for (size_t i = size_t(f.context_end); i < 32; ++i) {
        EXPECT_EQ(f.input_ids[i], 50256);
        EXPECT_EQ(f.attention_mask[i], 0);
        EXPECT_EQ(f.offsets[i].start, kNoOffset);
    }
    EXPECT_EQ(f.attention_mask[size_t(f.context_end - 1)], 1);
    // "Denver" " Broncos": tokens 0 and 1 of the context; " Broncos" is trimmed to start at 'B'.
    EXPECT_EQ(f.start_position, f.context_begin);
    EXPECT_EQ(f.end_position, f.context_begin + 1);
    EXPECT_EQ(f.offsets[size_t(f.context_begin + 1)], (text::Offset{7, 14}));
}

TEST(QaFeatures, WindowsOverlapByDocStrideAndCoverTheContext) {
    const std::string context = letter_words(30);
    ASSERT_EQ(ids_of(context).size(), 30u);  // one token per word
    const auto ds = make_dataset(context, "Q?", "");
    FeatureOptions o;
    o.max_seq_length      = 12;  // question "Q?" = 2 tokens -> 10 context tokens per window
    o.doc_stride          = 4;   // -> windows start at 0, 6, 12, 18, 24 (last one holds 24..29)
    o.max_question_length = 4;
    const auto features   = build_features(ds, gpt2(), o);
    ASSERT_EQ(features.size(), 4u + 1u);
    const std::vector<int> expected_first{0, 6, 12, 18, 24};
    const auto context_ids = ids_of(context);
    for (size_t w = 0; w < features.size(); ++w) {
        const auto& f = features[w];
        EXPECT_EQ(f.input_ids[size_t(f.context_begin)], context_ids[size_t(expected_first[w])]) << w;
        EXPECT_EQ(f.context_end - f.context_begin, w + 1 < features.size() ? 10 : 6) << w;
        EXPECT_EQ(f.start_position, 0);  // no answer: "no answer here" label
    }
}

TEST(QaFeatures, AnswerAtWindowEdgeAndAnswerSplitAcrossWindows) {
    const std::string context = letter_words(30);
    FeatureOptions o;
    o.max_seq_length      = 12;  // 10 context tokens per window, windows at 0, 6, 12, 18, 24
    o.doc_stride          = 4;
    o.max_question_length = 4;
    ASSERT_EQ(ids_of(context).size(), 30u);
    // Word 9 ("j") is the last token of window 0 and inside window 1 (6..15).
    {
        const auto features = build_features(make_dataset(context, "Q?", "j"), gpt2(), o);
        EXPECT_EQ(features[0].start_position, features[0].context_begin + 9);
        EXPECT_EQ(features[0].end_position, features[0].context_begin + 9);
        EXPECT_EQ(features[1].start_position, features[1].context_begin + 3);
        EXPECT_EQ(features[2].start_position, 0);
    }
    // Words 14..17 ("o p q r") straddle windows 1 (6..15) and 2 (12..21): only window 2 holds all of it.
    {
        const auto features = build_features(make_dataset(context, "Q?", "o p q r"), gpt2(), o);
        EXPECT_EQ(features[0].start_position, 0);
        EXPECT_EQ(features[1].start_position, 0);
        EXPECT_EQ(features[1].end_position, 0);
        EXPECT_EQ(features[2].start_position, features[2].context_begin + 2);
        EXPECT_EQ(features[2].end_position, features[2].context_begin + 5);
    }
    // The context's last token, in the last window.
    {
        const auto features = build_features(make_dataset(context, "Q?", "D"), gpt2(), o);  // word 29
        EXPECT_EQ(features.back().start_position, features.back().context_end - 1);
        EXPECT_EQ(features.back().end_position, features.back().context_end - 1);
    }
}

TEST(QaFeatures, LongQuestionIsCutToMaxQuestionLength) {
    const std::string question = letter_words(40) + "?";
    const auto ds              = make_dataset("Short context here.", question, "context");
    FeatureOptions o;
    o.max_seq_length      = 24;
    o.doc_stride          = 4;
    o.max_question_length = 8;
    const auto features   = build_features(ds, gpt2(), o);
    ASSERT_EQ(features.size(), 1u);
    EXPECT_EQ(features[0].context_begin, 8);
    const auto q = ids_of(question);
    EXPECT_TRUE(std::equal(q.begin(), q.begin() + 8, features[0].input_ids.begin()));
    EXPECT_EQ(features[0].start_position, 9);  // "Short" " context": token 1 of the context
}

TEST(QaFeatures, LengthsThatCannotMakeAWindowAreRejected) {
    FeatureOptions o;
    o.max_seq_length      = 100;
    o.max_question_length = 64;
    o.doc_stride          = 40;  // 100 - 64 = 36 context tokens <= stride 40
    try {
        validate(o);
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("--doc_stride 40"), std::string::npos) << e.what();
    }
    o.doc_stride = 35;
    EXPECT_NO_THROW(validate(o));
}

// Every answer of the shipped subsets: the tokens its label points to, cut from the context by their
// offsets, normalise to the answer (the official metric's normalisation), unless the answer starts or
// ends inside a token, where the tokens hold a little more than the answer.
TEST(QaFeatures, EveryShippedAnswerRoundTripsThroughItsLabelledTokens) {
    FeatureOptions o;  // defaults: 384 / 128 / 64
    int64_t checked = 0, exact = 0, inside_token = 0;
    for (const std::string file : {"squad-v1.1-dev-subset.json", "squad-v1.1-train-subset.json"}) {
        SquadDataset ds = load_squad(asset("data/" + file));
        // One example per answer, so that each answer is "the first" and gets labelled.
        SquadDataset per_answer = ds;
        per_answer.examples.clear();
        for (const auto& e : ds.examples) {
            for (const auto& a : e.answers) {
                QAExample copy = e;
                copy.answers   = {a};
                per_answer.examples.push_back(copy);
            }
        }
        const auto features = build_features(per_answer, gpt2(), o);
        std::vector<bool> found(per_answer.examples.size(), false);
        for (const auto& f : features) {
            if (f.start_position == 0 || found[size_t(f.example_index)]) continue;
            found[size_t(f.example_index)] = true;
            const QAExample& e             = per_answer.examples[size_t(f.example_index)];
            const auto context             = text::utf8_to_u32(per_answer.context_of(e));
            const int64_t s                = f.offsets[size_t(f.start_position)].start;
            const int64_t t                = f.offsets[size_t(f.end_position)].end;
            const std::string cut          = text::u32_to_utf8(context.substr(size_t(s), size_t(t - s)));
            const int64_t a_end = e.answers[0].start + int64_t(text::utf8_length(e.answers[0].text));
            ASSERT_LE(s, e.answers[0].start) << e.id;
            ASSERT_GE(t, a_end) << e.id;
            ++checked;
            if (eval::normalize_answer(cut) == eval::normalize_answer(e.answers[0].text)) {
                ++exact;
            } else {
                // The tokens hold more than the answer: only allowed when a boundary falls inside a token.
                const bool starts_inside =
                    s < e.answers[0].start && !std::iswspace(wint_t(context[size_t(e.answers[0].start - 1)]));
                const bool ends_inside = t > a_end && !std::iswspace(wint_t(context[size_t(a_end)]));
                EXPECT_TRUE(starts_inside || ends_inside)
                    << e.id << ": \"" << cut << "\" vs \"" << e.answers[0].text << "\"";
                ++inside_token;
            }
        }
        for (size_t i = 0; i < found.size(); ++i)
            EXPECT_TRUE(found[i]) << "no window labels " << per_answer.examples[i].id;
    }
    EXPECT_GT(checked, 9000);
    EXPECT_GT(double(exact) / double(checked), 0.97) << exact << " of " << checked;
    std::printf("answers: %lld, exact after normalisation: %lld, boundary inside a token: %lld\n",
                (long long)checked, (long long)exact, (long long)inside_token);
}

}  // namespace
}  // namespace bitswitch::data
