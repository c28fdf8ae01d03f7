// PassLogits keeps only the logits post-processing looks at: the answers, n-best lists and null scores
// from its expanded arrays equal those from the full logits, including ties and windows shorter than the
// n-best size.
#include "bitswitch/attack/batch_logits.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/data/batch.h"
#include "bitswitch/eval/postprocess.h"
#include "fixture.h"

namespace bitswitch::attack {
namespace {

void expect_same_predictions(const std::vector<eval::ExamplePrediction>& a,
                             const std::vector<eval::ExamplePrediction>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].text, b[i].text) << i;
        EXPECT_EQ(a[i].null_score_diff, b[i].null_score_diff) << i;
        ASSERT_EQ(a[i].nbest.size(), b[i].nbest.size()) << i;
        for (size_t k = 0; k < a[i].nbest.size(); ++k) {
            EXPECT_EQ(a[i].nbest[k].text, b[i].nbest[k].text) << i << " " << k;
            EXPECT_EQ(a[i].nbest[k].score, b[i].nbest[k].score) << i << " " << k;
            EXPECT_EQ(a[i].nbest[k].probability, b[i].nbest[k].probability) << i << " " << k;
        }
    }
}

TEST(PassLogits, ExpandedLogitsPostprocessLikeTheFullOnes) {
    const auto ds = two_questions();
    data::FeatureOptions windows;  // several windows per question
    windows.max_seq_length      = 20;
    windows.doc_stride          = 4;
    windows.max_question_length = 12;
    const auto features         = data::build_features(ds, gpt2_tokenizer(), windows);
    const size_t F = features.size(), T = features[0].input_ids.size();
    ASSERT_GT(F, 2u);
    torch::manual_seed(3);
    // Coarse values make ties common (the tie rule decides which positions are kept).
    auto start = torch::randint(0, 6, {int64_t(F), int64_t(T)}).to(torch::kFloat);
    auto end   = torch::randint(0, 6, {int64_t(F), int64_t(T)}).to(torch::kFloat);
    std::vector<size_t> rows(F);
    for (size_t i = 0; i < F; ++i) rows[i] = i;

    for (const int n_best : {3, 8, 30}) {  // 30 exceeds every window's length
        for (const bool v2 : {false, true}) {
            eval::PostprocessOptions o;
            o.n_best_size             = n_best;
            o.version_2_with_negative = v2;
            // The full logits as the evaluator keeps them: the lowest float past each real length.
            std::vector<float> full_start(F * T, std::numeric_limits<float>::lowest()), full_end = full_start;
            for (size_t f = 0; f < F; ++f) {
                for (int64_t t = 0; t < data::real_length(features[f]); ++t) {
                    full_start[f * T + size_t(t)] = start[int64_t(f)][t].item<float>();
                    full_end[f * T + size_t(t)]   = end[int64_t(f)][t].item<float>();
                }
            }
            PassLogits kept(F, T, n_best);
            kept.store({start, end}, features, rows);
            const auto [s, e] = kept.expand();
            expect_same_predictions(eval::postprocess_qa_predictions(ds, features, full_start, full_end, o),
                                    eval::postprocess_qa_predictions(ds, features, s, e, o));
        }
    }
}

}  // namespace
}  // namespace bitswitch::attack
