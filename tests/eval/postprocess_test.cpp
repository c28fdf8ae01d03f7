#include "bitswitch/eval/postprocess.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace bitswitch::eval {
namespace {

// One example, context "Denver Broncos beat Carolina" (code points 0..28), features built by hand:
// positions 0-1 are question tokens, 2-5 context tokens, 6-7 padding.
//   token 2 "Denver" [0,6)  3 " Broncos" [7,14)  4 " beat" [15,19)  5 " Carolina" [20,28)
struct Fixture {
    data::SquadDataset ds;
    std::vector<data::QAFeature> features;
    Fixture(int n_windows = 1) {
        ds.contexts = {"Denver Broncos beat Carolina"};
        ds.examples = {{"q", "", "Who won?", 0, {{"Denver Broncos", 0}}, {}, false}};
        for (int w = 0; w < n_windows; ++w) {
            data::QAFeature f;
            f.example_index = 0;
            f.input_ids.assign(8, 0);
            f.offsets.assign(8, text::Offset{data::kNoOffset, data::kNoOffset});
            f.offsets[2] = {0, 6};
            f.offsets[3] = {7, 14};
            f.offsets[4] = {15, 19};
            f.offsets[5] = {20, 28};
            features.push_back(f);
        }
    }
};

constexpr float kLow = -10.0f;

TEST(Postprocess, PicksTheBestValidSpanAndCutsItsText) {
    Fixture fx;
    //                            q0    q1    Denver Broncos beat  Carolina pad  pad
    std::vector<float> start = {kLow, 9.0f, 3.0f, 1.0f,
                                0.0f, 0.0f, 8.0f, kLow};  // q1 and pad are not context
    std::vector<float> end   = {kLow, kLow, 0.0f, 4.0f, 0.0f, 2.0f, 9.0f, kLow};
    const auto preds         = postprocess_qa_predictions(fx.ds, fx.features, start, end, {});
    ASSERT_EQ(preds.size(), 1u);
    EXPECT_EQ(preds[0].text, "Denver Broncos");  // 3 + 4 = 7 beats 3 + 2 (Denver..Carolina) and 1 + 4
    EXPECT_FLOAT_EQ(preds[0].nbest[0].score, 7.0f);
    EXPECT_EQ(preds[0].nbest[1].text, "Denver Broncos beat Carolina");  // 3 + 2 = 5
    double total = 0;
    for (const auto& c : preds[0].nbest) total += c.probability;
    EXPECT_NEAR(total, 1.0, 1e-9);
}

TEST(Postprocess, RespectsMaxAnswerLengthAndEndNotBeforeStart) {
    Fixture fx;
    std::vector<float> start = {kLow, kLow, 5.0f, kLow, kLow, 4.0f, kLow, kLow};
    std::vector<float> end   = {kLow, kLow, kLow, kLow, 6.0f, 2.0f, kLow, kLow};
    PostprocessOptions o;
    o.max_answer_length = 2;  // Denver..beat (3 tokens, 11) and Denver..Carolina (4 tokens, 7) are too long
    auto preds          = postprocess_qa_predictions(fx.ds, fx.features, start, end, o);
    // Carolina..beat ends before it starts; the best valid span is Carolina..Carolina (4 + 2).
    EXPECT_EQ(preds[0].text, "Carolina");
    o.max_answer_length = 3;
    preds               = postprocess_qa_predictions(fx.ds, fx.features, start, end, o);
    EXPECT_EQ(preds[0].text, "Denver Broncos beat");  // 5 + 6
}

TEST(Postprocess, BestSpanAcrossWindowsAndNBestLimit) {
    Fixture fx(2);
    std::vector<float> start(16, kLow), end(16, kLow);
    start[2] = 1.0f, end[3] = 1.0f;          // window 0: Denver Broncos = 2
    start[8 + 5] = 2.0f, end[8 + 5] = 2.0f;  // window 1: Carolina = 4
    PostprocessOptions o;
    o.n_best_size    = 1;
    const auto preds = postprocess_qa_predictions(fx.ds, fx.features, start, end, o);
    EXPECT_EQ(preds[0].text, "Carolina");
    EXPECT_EQ(preds[0].nbest.size(), 1u);
}

TEST(Postprocess, NoValidSpanAnswersEmptyLikeUtilsQa) {
    Fixture fx;
    std::vector<float> start = {kLow, kLow, kLow, kLow, kLow, 9.0f, kLow, kLow};
    std::vector<float> end   = {kLow, kLow, 9.0f, kLow, kLow, kLow, kLow, kLow};
    PostprocessOptions o;
    o.n_best_size    = 1;  // only (Carolina, Denver): end before start
    const auto preds = postprocess_qa_predictions(fx.ds, fx.features, start, end, o);
    EXPECT_EQ(preds[0].text, "empty");
}

TEST(Postprocess, Squad2NullScoreThreshold) {
    Fixture fx;
    std::vector<float> start = {3.0f, kLow, 2.0f, kLow, kLow, kLow, kLow, kLow};
    std::vector<float> end   = {3.0f, kLow, kLow, 2.0f, kLow, kLow, kLow, kLow};
    PostprocessOptions o;
    o.version_2_with_negative = true;
    // null score 6, best span (Denver Broncos) 4: diff 2 > threshold 0 -> no answer.
    auto preds = postprocess_qa_predictions(fx.ds, fx.features, start, end, o);
    EXPECT_EQ(preds[0].text, "");
    EXPECT_DOUBLE_EQ(preds[0].null_score_diff, 2.0);
    o.null_score_diff_threshold = 2.5;
    preds                       = postprocess_qa_predictions(fx.ds, fx.features, start, end, o);
    EXPECT_EQ(preds[0].text, "Denver Broncos");
}

TEST(Postprocess, PredictionsJsonIsTheOfficialFormat) {
    std::vector<ExamplePrediction> preds(2);
    preds[0].id   = "b";
    preds[0].text = "Denver";
    preds[1].id   = "a";
    preds[1].text = "";
    const auto j  = nlohmann::json::parse(predictions_json(preds));
    EXPECT_EQ(j, (nlohmann::json{{"b", "Denver"}, {"a", ""}}));
}

}  // namespace
}  // namespace bitswitch::eval
