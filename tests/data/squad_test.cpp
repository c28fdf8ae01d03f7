#include "bitswitch/data/squad.h"

#include <gtest/gtest.h>

#include "bitswitch/core/error.h"
#include "support/paths.h"
#include "support/temp_dir.h"

namespace bitswitch::data {
namespace {

using bitswitch::testing::asset;
using bitswitch::testing::TempDir;

// Sizes from the subsets' provenance notes (assets/data/README.md), counted independently of this loader.
TEST(Squad, ShippedSubsetsLoadWithTheirDocumentedSizes) {
    const auto dev = load_squad(asset("data/squad-v1.1-dev-subset.json"));
    EXPECT_EQ(dev.version, "1.1");
    EXPECT_EQ(dev.n_articles, 5);
    EXPECT_EQ(dev.n_paragraphs, 288);
    EXPECT_EQ(dev.examples.size(), 1877u);
    size_t answers = 0;
    for (const auto& e : dev.examples) answers += e.answers.size();
    EXPECT_EQ(answers, 5623u);
    EXPECT_FALSE(dev.is_v2());
    EXPECT_EQ(dev.examples[0].id, "56be4db0acb8001400a502ec");
    EXPECT_EQ(dev.examples[0].title, "Super_Bowl_50");
    EXPECT_EQ(dev.context_of(dev.examples[0]).substr(0, 12), "Super Bowl 5");

    const auto train = load_squad(asset("data/squad-v1.1-train-subset.json"));
    EXPECT_EQ(train.n_articles, 11);
    EXPECT_EQ(train.n_paragraphs, 583);
    EXPECT_EQ(train.examples.size(), 3807u);

    const auto v2 = load_squad(asset("data/squad-v2.0-dev-subset.json"));
    EXPECT_TRUE(v2.is_v2());
    EXPECT_EQ(v2.examples.size(), 1407u);
    size_t impossible = 0;
    for (const auto& e : v2.examples) {
        if (e.is_impossible) {
            ++impossible;
            EXPECT_TRUE(e.answers.empty());
            EXPECT_FALSE(e.plausible_answers.empty());
        }
    }
    EXPECT_EQ(impossible, 702u);
}

TEST(Squad, AnswerStartCountsCodePointsNotBytes) {
    TempDir dir;
    // "é" is two bytes in UTF-8 but one character: "Bob" starts at code point 2.
    const auto path = dir.write("d.json", R"({"version": "1.1", "data": [{"title": "t", "paragraphs": [
        {"context": "é Bob", "qas": [{"id": "q", "question": "Who?", "answers": [{"text": "Bob", "answer_start": 2}]}]}]}]})");
    EXPECT_EQ(load_squad(path).examples[0].answers[0].start, 2);
}

std::string error_of(const std::string& json, SquadLoadOptions options = {}) {
    TempDir dir;
    const auto path = dir.write("bad.json", json);
    options.report  = [](const std::string&) {};
    try {
        load_squad(path, options);
    } catch (const InputError& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
        return what.substr(what.find("bad.json"));
    }
    return "(no error)";
}

std::string paragraph(const std::string& qa) {
    return R"({"version": "1.1", "data": [{"title": "t", "paragraphs": [{"context": "Denver won.", "qas": [)" +
           qa + "]}]}]}";
}

TEST(Squad, MalformedInputGivesOneLineNamingFileAndField) {
    EXPECT_NE(error_of("{\"data\": [").find("bad.json: not valid JSON"), std::string::npos);
    EXPECT_EQ(error_of("[]"), "bad.json: top level: expected an object, got array");
    EXPECT_EQ(error_of("{\"version\": \"1.1\"}"), "bad.json: top level: missing field \"data\"");
    EXPECT_EQ(error_of(R"({"data": [{"title": "t"}]})"), "bad.json: data[0]: missing field \"paragraphs\"");
    EXPECT_EQ(error_of(paragraph(R"({"question": "Who?", "answers": []})")),
              "bad.json: data[0].paragraphs[0].qas[0]: missing field \"id\"");
    EXPECT_EQ(
        error_of(paragraph(
            R"({"id": "q", "question": "Who?", "answers": [{"text": "Denver", "answer_start": "0"}]})")),
        "bad.json: data[0].paragraphs[0].qas[0].answers[0]: field \"answer_start\" must be an integer, got "
        "\"0\"");
    EXPECT_EQ(error_of(paragraph(R"({"id": "q", "question": 7, "answers": []})")),
              "bad.json: data[0].paragraphs[0].qas[0]: field \"question\" must be a string, got number");
    EXPECT_EQ(
        error_of(paragraph(R"({"id": "q", "question": "Who?", "answers": []})")),
        "bad.json: data[0].paragraphs[0].qas[0]: question q has no answers and is not marked is_impossible");
    EXPECT_EQ(
        error_of(paragraph(R"({"id": "q", "question": "Who?", "answers": [], "is_impossible": "yes"})")),
        "bad.json: data[0].paragraphs[0].qas[0]: field \"is_impossible\" must be true or false, got \"yes\"");
}

TEST(Squad, BadAnswerSpansAreReportedOneByOneThenFailOrAreSkipped) {
    const std::string json = paragraph(
        R"({"id": "good", "question": "Who?", "answers": [{"text": "Denver", "answer_start": 0}]},
           {"id": "shifted", "question": "Who?", "answers": [{"text": "won", "answer_start": 1}]},
           {"id": "past_end", "question": "Who?", "answers": [{"text": "won.", "answer_start": 9}]})");
    TempDir dir;
    const auto path = dir.write("bad.json", json);
    std::vector<std::string> reports;
    SquadLoadOptions options;
    options.report = [&](const std::string& line) { reports.push_back(line); };
    try {
        load_squad(path, options);
        FAIL() << "expected InputError";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("2 question(s)"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("--skip-invalid"), std::string::npos) << e.what();
        EXPECT_NE(
            std::string(e.what()).find(
                "question shifted (data[0].paragraphs[0].qas[1].answers[0]): text not at answer_start 1 "
                "(the context has \"env\" there); it occurs at 7"),
            std::string::npos)
            << e.what();
    }
    // The first bad answer is in the error; the others are reported before it, one line each.
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].rfind("also: ", 0), 0u) << reports[0];
    EXPECT_NE(reports[0].find("question past_end"), std::string::npos);
    EXPECT_NE(reports[0].find("runs past the context (11 characters)"), std::string::npos) << reports[0];

    options.skip_invalid = true;
    reports.clear();
    const auto ds = load_squad(path, options);
    EXPECT_EQ(ds.n_skipped, 2);
    ASSERT_EQ(ds.examples.size(), 1u);
    EXPECT_EQ(ds.examples[0].id, "good");
    EXPECT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[0].rfind("skipped: ", 0), 0u);
}

}  // namespace
}  // namespace bitswitch::data
