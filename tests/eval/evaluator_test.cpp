#include "bitswitch/eval/evaluator.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "bitswitch/data/batch.h"
#include "bitswitch/eval/lm_score.h"
#include "support/paths.h"
#include "support/tiny_model.h"

namespace bitswitch::eval {
namespace {

const text::BpeTokenizer& gpt2() {
    static const text::BpeTokenizer tok =
        text::BpeTokenizer::load(bitswitch::testing::asset("gpt2-tokenizer"));
    return tok;
}

model::Gpt2ForQuestionAnswering tiny_gpt2_vocab(uint64_t seed, int64_t n_positions = 64) {
    auto cfg        = bitswitch::testing::tiny_config();
    cfg.vocab_size  = 50257;
    cfg.n_positions = n_positions;
    auto m          = bitswitch::testing::tiny_model(seed, cfg);
    m->eval();
    return m;
}

data::SquadDataset two_questions() {
    data::SquadDataset ds;
    ds.contexts = {"Denver Broncos beat the Carolina Panthers 24 to 10 in Super Bowl 50 at Levi's Stadium.",
                   "Warsaw is the capital of Poland."};
    ds.examples = {{"a", "", "Who won Super Bowl 50?", 0, {{"Denver Broncos", 0}}, {}, false},
                   {"b", "", "What is the capital of Poland?", 1, {{"Warsaw", 0}}, {}, false}};
    return ds;
}

// Batches cut to their longest sequence (and run longest first) give the logits of full-length padding.
TEST(Evaluator, TrimmedBatchesGiveTheLogitsOfFullPadding) {
    auto model    = tiny_gpt2_vocab(1);
    const auto ds = two_questions();
    data::FeatureOptions fo;
    fo.max_seq_length       = 48;
    fo.doc_stride           = 8;
    fo.max_question_length  = 16;
    const auto features     = data::build_features(ds, gpt2(), fo);
    const auto [start, end] = predict_logits(*model, features, 2, false);
    torch::NoGradGuard no_grad;
    const auto full   = data::make_batch(features, {0, 1}, /*trim=*/false);
    const auto [s, e] = model->forward(full.input_ids, full.attention_mask);
    for (size_t f = 0; f < features.size(); ++f) {
        for (int64_t t = 0; t < data::real_length(features[f]); ++t) {
            EXPECT_NEAR(start[f * 48 + size_t(t)], s[int64_t(f)][t].item<float>(), 1e-5) << f << "," << t;
            EXPECT_NEAR(end[f * 48 + size_t(t)], e[int64_t(f)][t].item<float>(), 1e-5) << f << "," << t;
        }
    }
}

// The answer is the best-scoring span of the logits, found here by trying every valid span (start <= end
// inside the context, at most max_answer_length tokens): the context is short enough that the n-best
// candidates postprocessing keeps cover every position.
TEST(Evaluator, AnswerQuestionIsTheBestSpanOfTheLogits) {
    auto model                 = tiny_gpt2_vocab(2);
    const std::string context  = "Warsaw is the capital of Poland.";
    const std::string question = "What is the capital?";
    const auto p               = answer_question(*model, gpt2(), question, context, {}, {});

    data::SquadDataset ds;
    ds.contexts  = {context};
    ds.examples  = {{"q", "", question, 0, {}, {}, false}};
    const auto f = data::build_features(ds, gpt2(), {}).at(0);
    torch::NoGradGuard no_grad;
    const auto batch   = data::make_batch({f}, {0});
    const auto [s, e]  = model->forward(batch.input_ids, batch.attention_mask);
    float best         = -std::numeric_limits<float>::infinity();
    int64_t best_start = -1, best_end = -1;
    for (int32_t i = f.context_begin; i < f.context_end; ++i) {
        for (int32_t j = i; j < std::min(f.context_end, i + 30); ++j) {
            const float score = s[0][i].item<float>() + e[0][j].item<float>();
            if (score > best) best = score, best_start = f.offsets[i].start, best_end = f.offsets[j].end;
        }
    }
    ASSERT_GE(best_start, 0);
    EXPECT_EQ(p.text, context.substr(size_t(best_start), size_t(best_end - best_start)));
    EXPECT_EQ(p.nbest.front().char_start, best_start);
    EXPECT_EQ(p.nbest.front().char_end, best_end);
    EXPECT_NEAR(p.nbest.front().score, best, 1e-5);
}

TEST(LmScore, ShortTextEqualsTheLogSoftmaxOfOneForward) {
    auto model     = tiny_gpt2_vocab(3);
    const auto ids = gpt2().encode("The quick brown fox jumps over the lazy dog.");
    const auto r   = score_tokens(model, ids);
    ASSERT_EQ(r.tokens, int64_t(ids.size()) - 1);
    torch::NoGradGuard no_grad;
    const auto input = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end())).view({1, -1});
    const auto logp  = torch::log_softmax(
         model->transformer->lm_logits(model->transformer->forward(input, {}, model->default_precision())),
         -1)[0];
    double nll = 0;
    for (size_t t = 1; t < ids.size(); ++t) nll -= logp[int64_t(t) - 1][ids[t]].item<double>();
    EXPECT_NEAR(r.nll, nll, 1e-4);
    EXPECT_NEAR(r.ppl, std::exp(nll / double(ids.size() - 1)), 1e-3);
}

TEST(LmScore, LongTextIsScoredOnceperTokenInWindows) {
    auto model = tiny_gpt2_vocab(4, 16);  // n_positions 16
    std::vector<int32_t> ids;
    for (int i = 0; i < 50; ++i) ids.push_back(int32_t(100 + i * 7));
    const auto r =
        score_tokens(model, ids, 8);  // windows [0,16) [8,24) [16,32) ... each scores only new tokens
    EXPECT_EQ(r.tokens, 49);
    // Token 20 is scored in window [8, 24) with context tokens 8..19.
    torch::NoGradGuard no_grad;
    const auto input = torch::tensor(std::vector<int64_t>(ids.begin() + 8, ids.begin() + 24)).view({1, -1});
    const auto logp  = torch::log_softmax(
         model->transformer->lm_logits(model->transformer->forward(input, {}, model->default_precision())),
         -1)[0];
    EXPECT_NEAR(r.token_logprobs[19], logp[11][ids[20]].item<double>(), 1e-5);
}

}  // namespace
}  // namespace bitswitch::eval
