// The threat model: context tokens are attackable except those of a gold answer; the question only when
// asked; padding never; unanswerable questions are refused.
#include "bitswitch/attack/threat_model.h"

#include <gtest/gtest.h>

#include "bitswitch/core/error.h"
#include "bitswitch/data/batch.h"
#include "fixture.h"

namespace bitswitch::attack {
namespace {

// The characters of the context the given positions' tokens cover, from the first to the last.
std::pair<int64_t, int64_t> covered(const data::QAFeature& f, const std::vector<size_t>& positions) {
    int64_t begin = INT64_MAX, end = -1;
    for (const size_t t : positions) {
        begin = std::min(begin, f.offsets[t].start);
        end   = std::max(end, f.offsets[t].end);
    }
    return {begin, end};
}

TEST(ThreatModel, EveryContextTokenButTheAnswersIsAttackableAndNothingElse) {
    const auto ds       = two_questions();
    const auto features = data::build_features(ds, gpt2_tokenizer(), small_windows());
    ASSERT_EQ(features.size(), 2u);  // one window each
    // The answers: "Denver Broncos" at [0, 14), "Poland" at [42, 48).
    const std::pair<int64_t, int64_t> answers[] = {{0, 14}, {42, 48}};
    for (size_t i = 0; i < 2; ++i) {
        const auto& f    = features[i];
        const auto flags = attackable_positions(f, ds.examples[i], ThreatModel{});
        std::vector<size_t> kept;
        for (size_t t = 0; t < flags.size(); ++t) {
            const bool context = int32_t(t) >= f.context_begin && int32_t(t) < f.context_end;
            if (!context) EXPECT_EQ(flags[t], 0) << "question or padding token " << t;
            if (context && flags[t] == 0) kept.push_back(t);
        }
        ASSERT_FALSE(kept.empty());
        EXPECT_EQ(covered(f, kept), answers[i]) << "the protected tokens cover exactly the answer";
        // Everything in the context outside the answer's tokens is attackable.
        EXPECT_EQ(int64_t(kept.size()) + std::count(flags.begin(), flags.end(), 1),
                  f.context_end - f.context_begin);
    }
}

TEST(ThreatModel, TheQuestionIsAttackableOnlyWhenAskedAndPaddingNever) {
    const auto ds       = two_questions();
    const auto features = data::build_features(ds, gpt2_tokenizer(), small_windows());
    const auto& f       = features[1];
    const auto flags    = attackable_positions(f, ds.examples[1], ThreatModel{true});
    for (int32_t t = 0; t < f.context_begin; ++t) EXPECT_EQ(flags[size_t(t)], 1) << t;
    for (size_t t = size_t(data::real_length(f)); t < flags.size(); ++t) EXPECT_EQ(flags[t], 0) << t;
}

TEST(ThreatModel, AQuestionWithoutAnAnswerIsRefusedNamingIt) {
    auto ds = two_questions();
    ds.examples[1].answers.clear();
    ds.examples[1].is_impossible = true;
    try {
        check_attackable(ds);
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("two_questions.json: question b has no answer"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_NO_THROW(check_attackable(two_questions()));
}

}  // namespace
}  // namespace bitswitch::attack
