// WordNet's database files (Debian's wordnet-base, WordNet 3.0): synonyms of known words in sense order,
// base forms as NLTK's morphy finds them (the word, then the exception lists or the suffix rules), and
// clear errors for a missing folder.
#include "bitswitch/text/wordnet.h"

#include <gtest/gtest.h>

#include "bitswitch/core/error.h"

namespace bitswitch::text {
namespace {

using Words = std::vector<std::string>;

const WordNet& wordnet() {
    static const WordNet wn = WordNet::load();
    return wn;
}

TEST(WordNet, KnownWordsHaveTheirSynsetsWordsInSenseOrder) {
    // happy: synsets 01148283 {happy}, 01048406 {felicitous, happy}, 02565584 {glad, happy},
    // 01000442 {happy, well-chosen} (index.adj, data.adj).
    EXPECT_EQ(wordnet().synonyms("happy", WordPos::kAdjective), (Words{"felicitous", "glad", "well-chosen"}));
    // quickly: {quickly, rapidly, speedily, chop-chop, apace}, {promptly, quickly, quick},
    // {cursorily, quickly}.
    EXPECT_EQ(wordnet().synonyms("Quickly", WordPos::kAdverb),
              (Words{"rapidly", "speedily", "chop-chop", "apace", "promptly", "quick", "cursorily"}));
    const auto car = wordnet().synonyms("cars", WordPos::kNoun);  // plural: morphy's "-s" rule
    ASSERT_GE(car.size(), 4u);
    EXPECT_EQ(Words(car.begin(), car.begin() + 4), (Words{"auto", "automobile", "machine", "motorcar"}));
    // Multi-word lemmas come with spaces.
    const auto died = wordnet().synonyms("died", WordPos::kVerb);
    EXPECT_NE(std::find(died.begin(), died.end(), "pass away"), died.end());
}

TEST(WordNet, BaseFormsUseTheExceptionListsThenTheSuffixRules) {
    EXPECT_EQ(wordnet().base_forms("ran", WordPos::kVerb), (Words{"run"}));
    EXPECT_EQ(wordnet().base_forms("geese", WordPos::kNoun), (Words{"goose"}));
    EXPECT_EQ(wordnet().base_forms("better", WordPos::kAdjective), (Words{"better", "good", "well"}));
    EXPECT_EQ(wordnet().base_forms("cities", WordPos::kNoun), (Words{"city"}));
    EXPECT_EQ(wordnet().base_forms("boxes", WordPos::kNoun), (Words{"box"}));
    EXPECT_EQ(wordnet().base_forms("Denver", WordPos::kNoun), (Words{"denver"}));
    EXPECT_TRUE(wordnet().base_forms("xqzzt", WordPos::kNoun).empty());
    EXPECT_TRUE(wordnet().synonyms("xqzzt", WordPos::kNoun).empty());
    EXPECT_TRUE(wordnet().synonyms("the", WordPos::kNoun).empty());
}

TEST(WordNet, AMissingFolderNamesTheFileAndTheFix) {
    try {
        WordNet::load("/nonexistent/wordnet");
        FAIL() << "no error";
    } catch (const InputError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("/nonexistent/wordnet/index.noun: missing"), std::string::npos) << message;
        EXPECT_NE(message.find("wordnet-base"), std::string::npos) << message;
    }
}

}  // namespace
}  // namespace bitswitch::text
