#include "bitswitch/data/synth.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "bitswitch/core/error.h"
#include "bitswitch/data/squad.h"
#include "bitswitch/text/utf8.h"
#include "support/temp_dir.h"

namespace bitswitch::data {
namespace {

using bitswitch::testing::TempDir;

std::set<std::string> names_in(const SquadDataset& ds) {
    std::set<std::string> names;
    for (const auto& e : ds.examples) {
        // Every question names its person: the two words before the last word or "born"/"play"...; simpler:
        // the person is the answer-independent part, so collect question text words with capitals.
        std::string word, name;
        std::istringstream in(e.question);
        std::vector<std::string> caps;
        for (std::string w; in >> w;) {
            if (!w.empty() && std::isupper(static_cast<unsigned char>(w[0])) && w != "When" && w != "Where" &&
                w != "What" && w != "Which" && w != "Who" && w != "In" && w != "For") {
                caps.push_back(w);
            }
        }
        if (caps.size() >= 2) names.insert(caps[0] + " " + caps[1]);
    }
    return names;
}

TEST(Synth, AnswersAreExactSpansAndTrainDevNamesAreDisjoint) {
    TempDir dir;
    const auto train =
        load_squad(dir.write("train.json", synth_squad_json({200, 3, 2, 1, false})));  // checks spans
    const auto dev = load_squad(dir.write("dev.json", synth_squad_json({50, 3, 2, 2, true})));
    EXPECT_EQ(train.examples.size(), 200u * 3 * 2);
    EXPECT_EQ(dev.examples.size(), 50u * 3 * 2);
    const auto a = names_in(train), b = names_in(dev);
    EXPECT_GT(a.size(), 300u);
    for (const auto& n : b) EXPECT_EQ(a.count(n), 0u) << n;
}

// "a astronomer" was written before the article followed its word; every occupation starting with a vowel
// ("architect", "astronomer", "engineer", "economist") must read "an".
TEST(Synth, ArticlesAgreeWithTheWordThatFollows) {
    const std::string json = synth_squad_json({300, 1, 2, 1, false});
    const std::regex a_before_vowel(R"(\ba [aeiouAEIOU])"), an_before_consonant(R"(\ban [^aeiouAEIOU])");
    std::smatch m;
    EXPECT_FALSE(std::regex_search(json, m, a_before_vowel)) << m.str();
    EXPECT_FALSE(std::regex_search(json, m, an_before_consonant)) << m.str();
    EXPECT_NE(json.find("an "), std::string::npos);  // the generator does use "an"
}

// The same files as the library function, from its config: train and dev names disjoint, no distractor
// sentences when asked.
TEST(Synth, DatasetWriterSplitsTrainAndDevAndCanLeaveOutDistractors) {
    TempDir dir;
    SynthDatasetConfig c;
    c.output_dir       = dir.path().string();
    c.train_paragraphs = 30;
    c.dev_paragraphs   = 10;
    c.distractors      = false;
    const auto files   = write_synth_dataset(c);
    const auto train = load_squad(files.train.string()), dev = load_squad(files.dev.string());
    EXPECT_EQ(train.examples.size(), 30u * 2);
    EXPECT_EQ(dev.examples.size(), 10u * 2);
    for (const auto& n : names_in(dev)) EXPECT_EQ(names_in(train).count(n), 0u) << n;
    for (const auto& ctx : train.contexts) {
        for (const char* cue :
             {"moved to", "previously worked", "once tried", "father of", "visited", "Before that"})
            EXPECT_EQ(ctx.find(cue), std::string::npos) << ctx;
    }
    c.people_per_paragraph = 0;
    EXPECT_THROW(write_synth_dataset(c), InputError);
}

// Near misses state a relative's fact with the person's own cue ("The sister of P was born in ..."): they
// appear as asked, the answers stay the person's own facts (load_squad checks every span), and without
// them the generator's output is unchanged (existing data sets stay reproducible).
TEST(Synth, NearMissesRepeatTheCueAboutARelativeAndLeaveTheAnswersAlone) {
    SynthOptions o{60, 1, 5, 3, false, true, 2};
    TempDir dir;
    const auto ds = load_squad(dir.write("near.json", synth_squad_json(o)));
    int near      = 0;
    for (const auto& ctx : ds.contexts) {
        for (const char* cue :
             {"The sister of", "'s brother was born", "The mother of", "'s cousin plays", "A friend of"})
            near += ctx.find(cue) != std::string::npos;
    }
    EXPECT_EQ(near, 60 * 2);  // two different kinds per paragraph, each once
    for (const auto& e :
         ds.examples) {  // the sentence holding the answer is about the person, not a relative
        const auto ctx      = text::utf8_to_u32(ds.context_of(e));
        const auto before   = text::u32_to_utf8(ctx.substr(0, size_t(e.answers[0].start)));
        const size_t period = before.rfind(". ");
        const auto sentence = before.substr(period == std::string::npos ? 0 : period);
        for (const char* relation : {"sister", "brother", "mother", "cousin", "friend"})
            EXPECT_EQ(sentence.find(relation), std::string::npos) << sentence << " -> " << e.answers[0].text;
    }
    o.near_misses = 0;
    EXPECT_EQ(synth_squad_json(o), synth_squad_json({60, 1, 5, 3, false, true}));
}

// --min_people_per_paragraph: paragraphs about one person and paragraphs about two, in about equal numbers,
// every person asked about; the default (0) leaves the generator's output unchanged.
TEST(Synth, MixedPeopleCountsDrawOneOrTwoPeoplePerParagraph) {
    SynthOptions o{200, 2, 2, 4, false};
    o.min_people = 1;
    TempDir dir;
    const auto ds = load_squad(dir.write("mixed.json", synth_squad_json(o)));
    std::map<std::string, int> questions_per_context;
    for (const auto& e : ds.examples) ++questions_per_context[ds.context_of(e)];
    int one = 0, two = 0;
    for (const auto& [context, n] : questions_per_context) {
        ASSERT_TRUE(n == 2 || n == 4) << n;  // two questions per person
        (n == 2 ? one : two) += 1;
    }
    EXPECT_EQ(one + two, 200);
    EXPECT_GT(one, 70);
    EXPECT_GT(two, 70);
    o.min_people = 2;  // a range of one count is that count
    EXPECT_EQ(synth_squad_json(o), synth_squad_json({200, 2, 2, 4, false}));
}

// --held_out_questions: dev asks about the same facts in wordings no train question uses.
TEST(Synth, HeldOutQuestionsShareNoWordingWithTrain) {
    TempDir dir;
    SynthDatasetConfig c;
    c.output_dir         = dir.path().string();
    c.train_paragraphs   = 200;
    c.dev_paragraphs     = 100;
    c.held_out_questions = true;
    const auto files     = write_synth_dataset(c);
    // A question's wording: its text with the person's name taken out.
    const auto wordings = [](const SquadDataset& ds) {
        std::set<std::string> out;
        const auto names = names_in(ds);
        for (const auto& e : ds.examples) {
            std::string q = e.question;
            for (const auto& n : names) {
                if (const auto at = q.find(n); at != std::string::npos) q.replace(at, n.size(), "{P}");
            }
            out.insert(q);
        }
        return out;
    };
    const auto train = wordings(load_squad(files.train.string()));
    const auto dev   = wordings(load_squad(files.dev.string()));
    EXPECT_GE(train.size(), 10u);
    EXPECT_GE(dev.size(), 10u);
    for (const auto& w : dev) EXPECT_EQ(train.count(w), 0u) << w;
}

TEST(Synth, DeterministicForASeed) {
    EXPECT_EQ(synth_squad_json({20, 2, 2, 5, false}), synth_squad_json({20, 2, 2, 5, false}));
    EXPECT_NE(synth_squad_json({20, 2, 2, 5, false}), synth_squad_json({20, 2, 2, 6, false}));
}

}  // namespace
}  // namespace bitswitch::data
