#include "bitswitch/text/sequence_format.h"

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "support/paths.h"

namespace bitswitch::text {
namespace {

using bitswitch::testing::asset;
using bitswitch::testing::fixture_path;

const BpeTokenizer& roberta_tokenizer() {
    static const BpeTokenizer t = BpeTokenizer::load(asset("roberta-tokenizer"));
    return t;
}

// Single texts and pairs framed by Hugging Face's tokenizers.js on the same vocab.json and merges.txt
// (tests/fixtures/make_roberta_fixtures.mjs): GLUE rows, accents, CJK, emoji, runs of spaces.
TEST(SequenceFormat, RobertaFramingEqualsHuggingFaceTokenizersJs) {
    const auto format = SequenceFormat::roberta(roberta_tokenizer(), "vocab.json");
    EXPECT_EQ(format.tokens.cls, 0);
    EXPECT_EQ(format.tokens.pad, 1);
    EXPECT_EQ(format.tokens.sep, 2);
    EXPECT_EQ(format.tokens.unk, 3);
    EXPECT_EQ(format.tokens.mask, 50260);
    std::ifstream in(fixture_path("roberta_pairs.jsonl"));
    std::string line;
    int rows = 0, pairs = 0;
    while (std::getline(in, line)) {
        const auto row = nlohmann::json::parse(line);
        SCOPED_TRACE(line);
        const auto a = roberta_tokenizer().encode(row["a"].get<std::string>());
        std::vector<int32_t> b;
        if (!row["b"].is_null()) b = roberta_tokenizer().encode(row["b"].get<std::string>());
        const auto framed = frame_sequence(format, a, row["b"].is_null() ? nullptr : &b, 512);
        EXPECT_EQ(framed.ids, row["ids"].get<std::vector<int32_t>>());
        EXPECT_EQ(framed.segments, std::vector<int32_t>(framed.ids.size(), 0));
        ++rows;
        pairs += !row["b"].is_null();
    }
    EXPECT_EQ(rows, 25);
    EXPECT_EQ(pairs, 15);  // 8 MRPC rows, 4 RTE rows, 3 made up
}

SequenceFormat toy_format(PairStyle style) {
    return {style, {100, 101, 102, 103, 104}};
}

TEST(SequenceFormat, LongestFirstTruncationCutsTheLongerTextThenBFirst) {
    const std::vector<int32_t> a = {1, 2, 3, 4, 5, 6}, b = {7, 8, 9};
    // Room for 11 - 4 = 7 of 9 tokens: A loses 6 then 5 (it stays the longer).
    auto s = frame_sequence(toy_format(PairStyle::kRoberta), a, &b, 11);
    EXPECT_EQ(s.ids, (std::vector<int32_t>{100, 1, 2, 3, 4, 101, 101, 7, 8, 9, 101}));
    EXPECT_EQ(s.kept_a, 4);
    EXPECT_EQ(s.kept_b, 3);
    // Room for 5: A down to 3 (= B), then B, then A: 3 + 2.
    s = frame_sequence(toy_format(PairStyle::kRoberta), a, &b, 9);
    EXPECT_EQ(s.ids, (std::vector<int32_t>{100, 1, 2, 3, 101, 101, 7, 8, 101}));
    // BERT: one separator between the texts, segment 1 from B's first token.
    s = frame_sequence(toy_format(PairStyle::kBert), a, &b, 8);
    EXPECT_EQ(s.ids, (std::vector<int32_t>{100, 1, 2, 3, 101, 7, 8, 101}));
    EXPECT_EQ(s.segments, (std::vector<int32_t>{0, 0, 0, 0, 0, 1, 1, 1}));
    // One text: cut at its end; nothing cut when it fits.
    EXPECT_EQ(frame_sequence(toy_format(PairStyle::kRoberta), a, nullptr, 5).ids,
              (std::vector<int32_t>{100, 1, 2, 3, 101}));
    EXPECT_EQ(frame_sequence(toy_format(PairStyle::kRoberta), b, nullptr, 512).ids,
              (std::vector<int32_t>{100, 7, 8, 9, 101}));
}

TEST(SequenceFormat, ErrorsNameTheVocabularyAndTheLength) {
    const auto gpt2 = BpeTokenizer::load(asset("gpt2-tokenizer"));
    try {
        SequenceFormat::roberta(gpt2, "encoder.json");
        ADD_FAILURE();
    } catch (const InputError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "encoder.json: no token \"<s>\" (RoBERTa's vocabulary has <s>, </s>, <pad>, "
                  "<mask> and <unk>; is this a GPT-2 vocabulary?)");
    }
    const std::vector<int32_t> a = {1, 2};
    EXPECT_THROW(frame_sequence(toy_format(PairStyle::kRoberta), a, &a, 5),
                 InputError);  // 4 specials + 2 texts
    EXPECT_NO_THROW(frame_sequence(toy_format(PairStyle::kRoberta), a, &a, 6));
    EXPECT_EQ(roberta_tokenizer().token_id("\xC4\xA0the"), 262 + 4);  // "Ġthe": GPT-2's 262, after 4 specials
    EXPECT_EQ(roberta_tokenizer().token_id("<nothing>"), -1);
}

}  // namespace
}  // namespace bitswitch::text
