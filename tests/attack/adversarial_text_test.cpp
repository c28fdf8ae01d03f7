// Edited contexts by hand (answers move by the edits before them, code points not bytes), edits that
// would touch an answer refused, and the adversarial SQuAD file read back as the same questions.
#include "bitswitch/attack/adversarial_text.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "support/temp_dir.h"

namespace bitswitch::attack {
namespace {

TEST(AdversarialText, EditsMoveTheAnswersByHand) {
    // "é" is one code point (two bytes): offsets count code points, as SQuAD's answer_start does.
    const std::string context = "The café sat on the mat.";
    const std::vector<data::Answer> answers{{"mat", 20}, {"The", 0}};
    const auto edited = apply_edits(context, answers, {{4, 8, "lion"}, {9, 12, "slept"}});
    EXPECT_EQ(edited.context, "The lion slept on the mat.");
    ASSERT_EQ(edited.answers.size(), 2u);
    EXPECT_EQ(edited.answers[0].start, 22);  // 20 + (4 - 4) + (5 - 3)
    EXPECT_EQ(edited.answers[1].start, 0);   // before every edit
    EXPECT_EQ(edited.context.substr(22, 3), "mat");
}

TEST(AdversarialText, RefusesEditsThatTouchAnAnswerOrEachOther) {
    const std::string context = "The cat sat on the mat.";
    EXPECT_THROW(apply_edits(context, {{"mat", 19}}, {{18, 20, "x"}}), Error);
    EXPECT_THROW(apply_edits(context, {{"mat", 19}}, {{0, 5, "x"}, {4, 7, "y"}}), Error);
    EXPECT_THROW(apply_edits(context, {{"mat", 19}}, {{20, 30, "x"}}), Error);
    EXPECT_NO_THROW(apply_edits(context, {{"mat", 19}}, {{15, 19, "a "}}));  // ends where the answer starts
}

TEST(AdversarialText, FileReadsBackAsTheSameQuestions) {
    bitswitch::testing::TempDir dir;
    data::SquadDataset clean;
    clean.path     = "clean.json";
    clean.version  = "1.1";
    clean.contexts = {"Warsaw is the capital of Poland.", "Paris is in France."};
    clean.examples = {{"q1", "Poland", "Capital?", 0, {{"Warsaw", 0}}, {}, false},
                      {"q2", "Poland", "Which country?", 0, {{"Poland", 25}}, {}, false},
                      {"q3", "France", "Where is Paris?", 1, {{"France", 12}}, {}, false}};
    AdversarialQuestion a{0, {{10, 13, "a"}}, {{"tokens_changed", 1}}};
    AdversarialQuestion b{1, {{0, 6, "Krakow"}, {14, 21, "city"}}, {{"tokens_changed", 2}}};
    AdversarialQuestion c{2, {}, {{"tokens_changed", 0}}};
    const auto path = dir.path() / "adv.json";
    write_adversarial_dataset(path, clean, {a, b, c});
    const auto back     = data::load_squad(path);  // checks every answer_start against its context
    const auto expected = adversarial_dataset(clean, {a, b, c});
    ASSERT_EQ(back.examples.size(), 3u);
    EXPECT_EQ(back.contexts, expected.contexts);
    EXPECT_EQ(back.contexts[0], "Warsaw is a capital of Poland.");
    EXPECT_EQ(back.contexts[1], "Krakow is the city of Poland.");
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(back.examples[i].id, clean.examples[i].id);
        EXPECT_EQ(back.examples[i].question, clean.examples[i].question);
        EXPECT_EQ(back.examples[i].answers[0].start, expected.examples[i].answers[0].start);
    }
    EXPECT_EQ(back.n_articles, 2);  // the two titles
    const auto json = nlohmann::json::parse(core::read_file(path));
    const auto& qa  = json["data"][0]["paragraphs"][1]["qas"][0];
    EXPECT_EQ(qa["attack"]["tokens_changed"], 2);
    EXPECT_EQ(qa["edits"][0]["original"], "Warsaw");
    EXPECT_EQ(qa["edits"][1]["original"], "capital");
}

}  // namespace
}  // namespace bitswitch::attack
