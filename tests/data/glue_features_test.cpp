#include "bitswitch/data/glue_features.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "support/paths.h"

namespace bitswitch::data {
namespace {

using bitswitch::testing::asset;

struct Roberta {
    text::BpeTokenizer tokenizer = text::BpeTokenizer::load(asset("roberta-tokenizer"));
    text::SequenceFormat format  = text::SequenceFormat::roberta(tokenizer, "vocab.json");
};

const Roberta& roberta() {
    static const Roberta r;
    return r;
}

TEST(GlueFeatures, ExamplesAreFramedAndCutAsTheTokenizerFramesThem) {
    const auto d = parse_glue(
        "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t1\t2\tHello world\tA much longer "
        "second sentence here\n0\t3\t4\tShort\tOne\n",
        "dev.tsv", GlueTask::kMrpc);
    const auto& r = roberta();
    const auto f  = build_glue_features(d, r.tokenizer, r.format, 512);
    // "Hello world" is GPT-2's 15496 995, 4 higher in RoBERTa's layout; <s> 0, </s> 2.
    ASSERT_EQ(f.ids.size(), 2u);
    EXPECT_EQ(std::vector<int32_t>(f.ids[0].begin(), f.ids[0].begin() + 5),
              (std::vector<int32_t>{0, 15500, 999, 2, 2}));
    EXPECT_EQ(f.ids[0].back(), 2);
    EXPECT_EQ(f.labels, (std::vector<int32_t>{1, 0}));
    EXPECT_EQ(f.truncated, 0);
    EXPECT_EQ(f.pad_id, 1);
    // 10 ids: 4 specials and 6 of the 2 + 6 text tokens; the second text is the longer, so it is cut.
    const auto cut = build_glue_features(d, r.tokenizer, r.format, 10);
    EXPECT_EQ(cut.ids[0].size(), 10u);
    EXPECT_EQ(cut.truncated, 1);
    EXPECT_EQ(std::vector<int32_t>(cut.ids[0].begin(), cut.ids[0].begin() + 5),
              (std::vector<int32_t>{0, 15500, 999, 2, 2}));
}

TEST(GlueFeatures, BatchesArePaddedToTheLongestWithMaskAndLabels) {
    GlueFeatures f;
    f.ids        = {{0, 5, 6, 2}, {0, 7, 2}, {0, 8, 9, 10, 11, 2}};
    f.labels     = {1, 0, 1};
    f.scores     = {0.5f, 1.5f, 2.5f};
    f.pad_id     = 1;
    const auto b = make_classification_batch(f, {1, 0});
    EXPECT_TRUE(
        torch::equal(b.input_ids, torch::tensor(std::vector<int64_t>{0, 7, 2, 1, 0, 5, 6, 2}).view({2, 4})));
    EXPECT_TRUE(torch::equal(b.attention_mask,
                             torch::tensor(std::vector<int64_t>{1, 1, 1, 0, 1, 1, 1, 1}).view({2, 4})));
    EXPECT_TRUE(torch::equal(b.labels, torch::tensor(std::vector<int64_t>{0, 1})));
    EXPECT_TRUE(torch::equal(b.scores, torch::tensor(std::vector<float>{1.5f, 0.5f})));
    EXPECT_TRUE(b.is_classification());
    EXPECT_FALSE(b.start_positions.defined());
}

}  // namespace
}  // namespace bitswitch::data
