#include "bitswitch/eval/squad_metric.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bitswitch/core/io.h"
#include "bitswitch/eval/python_text.h"
#include "bitswitch/text/utf8.h"
#include "support/paths.h"

namespace bitswitch::eval {
namespace {

using bitswitch::testing::asset;
using bitswitch::testing::fixture_path;

std::u32string u32(const std::string& s) {
    return text::utf8_to_u32(s);
}

TEST(PythonText, LowerMatchesPythonOnSpecialCases) {
    EXPECT_EQ(py_lower(u32("İ")), u32("i\u0307"));          // one code point becomes two
    EXPECT_EQ(py_lower(u32("ΣΑΣ ΟΔΟΣ")), u32("σας οδος"));  // Final_Sigma at word ends only
    EXPECT_EQ(py_lower(u32("Σ")), u32("σ"));                // nothing cased before it
    EXPECT_EQ(py_lower(u32("ΑΣ.")), u32("ας."));            // '.' after it is not cased
    EXPECT_EQ(py_lower(u32("\u212a")), u32("k"));           // KELVIN SIGN
}

TEST(PythonText, SplitUsesPythonWhitespace) {
    // U+001C is isspace() in Python (but not Unicode White_Space); U+200B is neither.
    EXPECT_EQ(py_split(u32(" a\x1c"
                           "b\u00a0c\u200bd  ")),
              (std::vector<std::u32string>{U"a", U"b", U"c\u200bd"}));
}

TEST(SquadMetric, NormalizationByHand) {
    EXPECT_EQ(normalize_answer("The Cat's  hat!"), "cats hat");
    EXPECT_EQ(normalize_answer("an apple a day"), "apple day");
    EXPECT_EQ(normalize_answer("theater anthem"), "theater anthem");  // articles only as whole words
    EXPECT_EQ(normalize_answer("the_end"), "theend");                 // '_' is in string.punctuation
    EXPECT_EQ(normalize_answer("“Quoted”"), "“quoted”");              // non-ASCII punctuation stays
    EXPECT_EQ(normalize_answer("U.S."), "us");
}

TEST(SquadMetric, F1AndExactMatchByHand) {
    // pred {cat, sat}, gold {cat, sat, on, mat}: precision 1, recall 1/2, F1 = 2/3.
    EXPECT_DOUBLE_EQ(f1_score("the cat sat", "cat sat on the mat"), 2.0 / 3.0);
    // Multiset overlap: pred {cat, cat, dog}, gold {cat, dog, dog}: 2 shared, P = R = 2/3.
    EXPECT_DOUBLE_EQ(f1_score("cat cat dog", "cat dog dog"), 2.0 / 3.0);
    EXPECT_EQ(f1_score("Broncos", "Panthers"), 0.0);
    EXPECT_TRUE(exact_match("The Denver Broncos.", "denver broncos"));
    EXPECT_FALSE(exact_match("Denver", "Denver Broncos"));
    EXPECT_EQ(f1_score_v2("", ""), 1.0);     // both empty: agree
    EXPECT_EQ(f1_score_v2("", "the"), 1.0);  // "the" normalises to nothing
    EXPECT_EQ(f1_score_v2("x", ""), 0.0);
}

// 6,400 (prediction, ground truth) pairs scored by the official v1.1 and v2.0 scripts.
TEST(SquadMetric, PairsEqualTheOfficialScripts) {
    std::istringstream in(core::read_file(fixture_path("metric_pairs.jsonl")));
    int n = 0;
    for (std::string line; std::getline(in, line); ++n) {
        const auto j        = nlohmann::json::parse(line);
        const std::string p = j["prediction"], g = j["ground_truth"];
        ASSERT_EQ(normalize_answer(p), j["normalized_prediction"].get<std::string>()) << line;
        ASSERT_EQ(exact_match(p, g), j["exact_match"].get<bool>()) << line;
        ASSERT_EQ(f1_score(p, g), j["f1"].get<double>()) << line;  // same float operations: bit-exact
        ASSERT_EQ(f1_score_v2(g, p), j["f1_v2"].get<double>()) << line;
        ASSERT_EQ(normalize_answer(g) == normalize_answer(p) ? 1 : 0, j["exact_v2"].get<int>()) << line;
    }
    EXPECT_EQ(n, 6400);
}

Predictions read_predictions(const std::string& name) {
    Predictions p;
    const auto j = nlohmann::json::parse(core::read_file(fixture_path(name)));  // must outlive items()
    for (const auto& [id, text] : j.items()) p[id] = text;
    return p;
}

TEST(SquadMetric, DatasetScoresEqualTheOfficialV11Script) {
    const auto expected = nlohmann::json::parse(core::read_file(fixture_path("metric_expected.json")));
    data::SquadLoadOptions load;
    load.check_answer_spans = false;
    const auto ds           = data::load_squad(asset("data/squad-v1.1-dev-subset.json"), load);
    int warnings            = 0;
    const auto r            = evaluate_v1(ds, read_predictions("metric_predictions_v1.json"),
                                          [&](const std::string&) { ++warnings; });
    EXPECT_NEAR(r.exact_match, expected["v1"]["exact_match"].get<double>(), 1e-9);
    EXPECT_NEAR(r.f1, expected["v1"]["f1"].get<double>(), 1e-9);
    EXPECT_EQ(r.total, 1877);
    EXPECT_GT(r.missing, 0);
    EXPECT_EQ(warnings, r.missing);  // one warning per missing id
    // The per-question scores add up to the official aggregates.
    double em = 0.0, f1 = 0.0;
    for (size_t i = 0; i < r.question_em.size(); ++i) em += r.question_em[i], f1 += r.question_f1[i];
    ASSERT_EQ(r.question_em.size(), 1877u);
    EXPECT_NEAR(100.0 * em / 1877, r.exact_match, 1e-9);
    EXPECT_NEAR(100.0 * f1 / 1877, r.f1, 1e-9);
}

TEST(SquadMetric, DatasetScoresEqualTheOfficialV20Script) {
    const auto expected = nlohmann::json::parse(core::read_file(fixture_path("metric_expected.json")))["v2"];
    const auto ds       = data::load_squad(asset("data/squad-v2.0-dev-subset.json"));
    const auto r        = evaluate_v2(ds, read_predictions("metric_predictions_v2.json"));
    EXPECT_NEAR(r.exact, expected["exact"].get<double>(), 1e-9);
    EXPECT_NEAR(r.f1, expected["f1"].get<double>(), 1e-9);
    EXPECT_EQ(r.total, expected["total"].get<int64_t>());
    EXPECT_NEAR(r.has_ans_exact, expected["HasAns_exact"].get<double>(), 1e-9);
    EXPECT_NEAR(r.has_ans_f1, expected["HasAns_f1"].get<double>(), 1e-9);
    EXPECT_EQ(r.has_ans_total, expected["HasAns_total"].get<int64_t>());
    EXPECT_NEAR(r.no_ans_exact, expected["NoAns_exact"].get<double>(), 1e-9);
    EXPECT_NEAR(r.no_ans_f1, expected["NoAns_f1"].get<double>(), 1e-9);
    EXPECT_EQ(r.no_ans_total, expected["NoAns_total"].get<int64_t>());
}

TEST(SquadMetric, HandComputedDatasetScore) {
    data::SquadDataset ds;
    ds.contexts = {"ctx"};
    ds.examples = {{"q1", "", "?", 0, {{"Denver Broncos", 0}, {"Broncos", 0}}, {}, false},
                   {"q2", "", "?", 0, {{"cat sat on the mat", 0}}, {}, false},
                   {"q3", "", "?", 0, {{"x", 0}}, {}, false}};
    // q1 exact (1, 1); q2 F1 2/3; q3 missing (0, 0) -> EM 1/3, F1 (1 + 2/3) / 3.
    const auto r = evaluate_v1(ds, {{"q1", "the Broncos"}, {"q2", "the cat sat"}});
    EXPECT_DOUBLE_EQ(r.exact_match, 100.0 / 3.0);
    EXPECT_DOUBLE_EQ(r.f1, 100.0 * (1.0 + 2.0 / 3.0) / 3.0);
    EXPECT_EQ(r.missing, 1);
    // Each question's own score, in dataset order: what bootstrap intervals resample.
    EXPECT_EQ(r.question_em, (std::vector<double>{1.0, 0.0, 0.0}));
    ASSERT_EQ(r.question_f1.size(), 3u);
    EXPECT_DOUBLE_EQ(r.question_f1[1], 2.0 / 3.0);
    EXPECT_EQ(r.question_f1[2], 0.0);
}

}  // namespace
}  // namespace bitswitch::eval
