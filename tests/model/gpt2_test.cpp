#include "bitswitch/model/gpt2.h"
#include "bitswitch/model/qa_head.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "support/gpt2_reference.h"
#include "support/tiny_model.h"

namespace bitswitch::model {
namespace {

using bitswitch::testing::reference_hidden;
using bitswitch::testing::reference_linear;
using bitswitch::testing::tiny_config;
using bitswitch::testing::tiny_model;
using bitswitch::testing::weights_of;

// Two sequences, the second right-padded: lengths 7 and 4 in a (2, 7) batch.
const std::vector<std::vector<int64_t>> kIds = {{5, 17, 3, 60, 22, 9, 41}, {12, 8, 33, 1, 0, 0, 0}};
const std::vector<std::vector<int>> kMask    = {{1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0, 0}};

torch::Tensor batch_ids() {
    return torch::tensor(std::vector<int64_t>{5, 17, 3, 60, 22, 9, 41, 12, 8, 33, 1, 0, 0, 0}).view({2, 7});
}
torch::Tensor batch_mask() {
    return torch::tensor(std::vector<int64_t>{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}).view({2, 7});
}

TEST(Gpt2, QaAndLmLogitsEqualThePlainLoopReference) {
    auto model = tiny_model(1);
    model->eval();
    torch::NoGradGuard no_grad;
    const auto hidden =
        model->transformer->forward(batch_ids(), batch_mask(), model->default_precision());  // (2, 7, C)
    const auto [start, end] = model->forward(batch_ids(), batch_mask());
    const auto lm           = model->transformer->lm_logits(hidden);  // (2, 7, V)
    const auto w            = weights_of(model);
    const auto cfg          = tiny_config();
    for (int b = 0; b < 2; ++b) {
        const auto ref = reference_hidden(cfg, w, kIds[b], kMask[b]);
        const auto qa =
            reference_linear(ref, 7, w.at("qa_outputs.weight"), w.at("qa_outputs.bias"), cfg.n_embd, 2);
        const auto lm_ref =
            reference_linear(ref, 7, w.at("transformer.wte.weight"), {}, cfg.n_embd, cfg.vocab_size);
        for (int t = 0; t < 7; ++t) {
            if (!kMask[b][t]) continue;  // outputs at padding positions are unused
            for (int c = 0; c < cfg.n_embd; ++c) {
                ASSERT_NEAR(hidden[b][t][c].item<float>(), ref[t * cfg.n_embd + c], 1e-5)
                    << b << "," << t << "," << c;
            }
            EXPECT_NEAR(start[b][t].item<float>(), qa[t * 2 + 0], 1e-5);
            EXPECT_NEAR(end[b][t].item<float>(), qa[t * 2 + 1], 1e-5);
            for (int v = 0; v < cfg.vocab_size; ++v)
                ASSERT_NEAR(lm[b][t][v].item<float>(), lm_ref[t * cfg.vocab_size + v], 1e-4);
        }
    }
}

TEST(Gpt2, RightPaddingDoesNotChangeRealTokens) {
    auto model = tiny_model(2);
    model->eval();
    torch::NoGradGuard no_grad;
    const auto padded   = model->transformer->forward(batch_ids(), batch_mask(), model->default_precision());
    const auto unpadded = model->transformer->forward(batch_ids().slice(0, 1, 2).slice(1, 0, 4), {},
                                                      model->default_precision());
    EXPECT_TRUE(torch::allclose(padded[1].slice(0, 0, 4), unpadded[0], 1e-6, 1e-6));
}

TEST(Gpt2, KvCacheDecodingEqualsFullForward) {
    auto model = tiny_model(3);
    model->eval();
    torch::NoGradGuard no_grad;
    const auto ids  = batch_ids().slice(0, 0, 1);  // (1, 7)
    const auto full = model->transformer->forward(ids, {}, model->default_precision());
    KVCache cache;
    std::vector<torch::Tensor> steps;
    steps.push_back(model->transformer->forward(ids.slice(1, 0, 3), {}, model->default_precision(),
                                                &cache));  // a prompt of 3
    for (int t = 3; t < 7; ++t)
        steps.push_back(
            model->transformer->forward(ids.slice(1, t, t + 1), {}, model->default_precision(), &cache));
    EXPECT_EQ(cache.length(), 7);
    EXPECT_TRUE(torch::allclose(torch::cat(steps, 1), full, 1e-5, 1e-6));
}

TEST(Gpt2, KvCacheWithPaddingMaskEqualsFullForward) {
    auto model = tiny_model(4);
    model->eval();
    torch::NoGradGuard no_grad;
    const auto full = model->transformer->forward(batch_ids(), batch_mask(), model->default_precision());
    KVCache cache;
    const auto first  = model->transformer->forward(batch_ids().slice(1, 0, 5), batch_mask().slice(1, 0, 5),
                                                    model->default_precision(), &cache);
    const auto second = model->transformer->forward(batch_ids().slice(1, 5, 7), batch_mask(),
                                                    model->default_precision(), &cache);
    const auto both   = torch::cat({first, second}, 1);
    EXPECT_TRUE(torch::allclose(both[0], full[0], 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(both[1].slice(0, 0, 4), full[1].slice(0, 0, 4), 1e-5, 1e-6));
}

TEST(Gpt2, TooManyPositionsIsAnInputError) {
    auto model = tiny_model(5);
    EXPECT_THROW(
        model->transformer->forward(torch::zeros({1, 33}, torch::kLong), {}, model->default_precision()),
        InputError);
}

TEST(Gpt2, DropoutOnlyInTrainingMode) {
    auto cfg        = tiny_config();
    cfg.resid_pdrop = 0.5;
    auto model      = tiny_model(6, cfg);
    torch::NoGradGuard no_grad;
    model->eval();
    const auto a = model->transformer->forward(batch_ids(), {}, model->default_precision());
    const auto b = model->transformer->forward(batch_ids(), {}, model->default_precision());
    EXPECT_TRUE(torch::equal(a, b));
    model->train();
    const auto c = model->transformer->forward(batch_ids(), {}, model->default_precision());
    EXPECT_FALSE(torch::allclose(a, c));
}

TEST(Gpt2, QaLossIsTheMeanOfStartAndEndCrossEntropies) {
    const auto start   = torch::tensor({0.0f, 1.0f, 2.0f}).view({1, 3});
    const auto end     = torch::tensor({2.0f, 0.0f, 0.0f}).view({1, 3});
    const auto loss    = qa_span_loss(start, end, torch::tensor({2}), torch::tensor({0}));
    const double lse_s = std::log(1 + std::exp(1.0) + std::exp(2.0)), lse_e = std::log(std::exp(2.0) + 2.0);
    EXPECT_NEAR(loss.item<double>(), ((lse_s - 2.0) + (lse_e - 2.0)) / 2, 1e-6);
}

}  // namespace
}  // namespace bitswitch::model

namespace bitswitch::model {
namespace {

TEST(Gpt2, MaskedQaLossDoesNotDependOnPadding) {
    auto model = bitswitch::testing::tiny_model(9);
    model->eval();
    torch::NoGradGuard no_grad;
    // The same two windows, once cut to their longest real length (5) and once padded to 7.
    const auto ids   = torch::tensor(std::vector<int64_t>{5, 17, 3, 60, 22, 9, 41, 12, 0, 0}).view({2, 5});
    const auto mask  = torch::tensor(std::vector<int64_t>{1, 1, 1, 1, 1, 1, 1, 1, 0, 0}).view({2, 5});
    const auto ids7  = torch::cat({ids, torch::zeros({2, 2}, torch::kLong)}, 1);
    const auto mask7 = torch::cat({mask, torch::zeros({2, 2}, torch::kLong)}, 1);
    const auto start = torch::tensor({1, 2}), end = torch::tensor({3, 2});
    const auto [s5, e5] = model->forward(ids, mask);
    const auto [s7, e7] = model->forward(ids7, mask7);
    const auto loss5    = qa_span_loss(s5, e5, start, end, mask).item<double>();
    EXPECT_NEAR(qa_span_loss(s7, e7, start, end, mask7).item<double>(), loss5, 1e-5);
    EXPECT_GT(std::fabs(qa_span_loss(s7, e7, start, end).item<double>() - loss5),
              1e-4);  // unmasked: padding counts
}

}  // namespace
}  // namespace bitswitch::model
