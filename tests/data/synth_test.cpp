#include "bitswitch/data/synth.h"

#include <gtest/gtest.h>

#include <set>

#include "bitswitch/data/squad.h"
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

TEST(Synth, DeterministicForASeed) {
    EXPECT_EQ(synth_squad_json({20, 2, 2, 5, false}), synth_squad_json({20, 2, 2, 5, false}));
    EXPECT_NE(synth_squad_json({20, 2, 2, 5, false}), synth_squad_json({20, 2, 2, 6, false}));
}

}  // namespace
}  // namespace bitswitch::data
