#include "bitswitch/data/glue.h"

#include <gtest/gtest.h>

#include "bitswitch/core/error.h"
#include "support/paths.h"

namespace bitswitch::data {
namespace {

using bitswitch::testing::asset;

size_t count_label(const GlueDataset& d, int32_t label) {
    size_t n = 0;
    for (const auto& e : d.examples) n += e.label == label;
    return n;
}

// Row and class counts from the files' provenance notes (assets/README.md), counted without this loader.
TEST(Glue, ShippedFilesLoadWithTheirDocumentedCounts) {
    const auto sst2 = load_glue(asset("data/glue/SST-2/dev.tsv"), GlueTask::kSst2);
    ASSERT_EQ(sst2.examples.size(), 872u);
    EXPECT_EQ(count_label(sst2, 1), 444u);  // positive
    EXPECT_EQ(sst2.examples[0].text_a, "it 's a charming and often affecting journey . ");
    EXPECT_EQ(sst2.examples[0].line, 2);

    // MRPC: a byte-order mark before the header, and a quote that opens a field and never closes (GLUE's
    // reader does no quoting, so it is part of the text).
    const auto mrpc = load_glue(asset("data/glue/MRPC/dev.tsv"), GlueTask::kMrpc);
    ASSERT_EQ(mrpc.examples.size(), 408u);
    EXPECT_EQ(count_label(mrpc, 1), 279u);
    EXPECT_EQ(mrpc.examples[0].text_a,
              "He said the foodservice pie business doesn't fit the company's long-term growth strategy.");
    EXPECT_EQ(mrpc.examples[0].text_b,
              "\"The foodservice pie business does not fit our long-term growth strategy.");

    // CoLA: no header, four positional columns, no newline after the last row.
    const auto cola = load_glue(asset("data/glue/CoLA/dev.tsv"), GlueTask::kCola);
    ASSERT_EQ(cola.examples.size(), 1043u);
    EXPECT_EQ(count_label(cola, 1), 721u);
    EXPECT_EQ(cola.examples[0].text_a, "The sailors rode the breeze clear of the rocks.");
    EXPECT_EQ(cola.examples.back().line, 1043);

    // RTE in SuperGLUE's JSON lines: premise/hypothesis, labels by name (entailment = 0 as in HF's glue).
    const auto rte = load_glue(asset("data/glue/RTE/val.jsonl"), GlueTask::kRte);
    ASSERT_EQ(rte.examples.size(), 277u);
    EXPECT_EQ(count_label(rte, 0), 146u);
    EXPECT_EQ(rte.examples[0].label, 1);
    EXPECT_EQ(rte.examples[0].text_b, "Christopher Reeve had an accident.");
}

TEST(Glue, EveryTaskHasItsLayoutInBothFormats) {
    // One made-up row per task in GLUE's TSV header layout and in JSON lines, with the HF label order.
    struct Case {
        GlueTask task;
        std::string tsv, jsonl;
        int32_t label;
        float score;
    };
    const std::vector<Case> cases = {
        {GlueTask::kSst2, "sentence\tlabel\nfine film\t1\n", R"({"sentence": "fine film", "label": 1})", 1,
         0},
        {GlueTask::kCola, "src\t0\t*\tfine film\n", R"({"sentence": "fine film", "label": 0})", 0, 0},
        {GlueTask::kMrpc, "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n0\t1\t2\tfine film\tgood\n",
         R"({"sentence1": "fine film", "sentence2": "good", "label": 0})", 0, 0},
        {GlueTask::kQqp, "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n5\t1\t2\tfine film\tgood\t1\n",
         R"({"question1": "fine film", "question2": "good", "label": 1})", 1, 0},
        {GlueTask::kStsb,
         "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n"
         "0\tmain\tx\t2012\t1\tnone\tnone\tfine film\tgood\t3.800\n",
         R"({"sentence1": "fine film", "sentence2": "good", "label": 3.8})", -1, 3.8f},
        {GlueTask::kMnli,
         "index\tpromptID\tpairID\tgenre\tsentence1\tsentence2\tlabel1\tgold_label\n0\t1\t2\tg\tfine "
         "film\tgood\t"
         "neutral\tcontradiction\n",
         R"({"premise": "fine film", "hypothesis": "good", "label": 2})", 2, 0},
        {GlueTask::kQnli, "index\tquestion\tsentence\tlabel\n0\tfine film\tgood\tnot_entailment\n",
         R"({"question": "fine film", "sentence": "good", "label": "not_entailment"})", 1, 0},
        {GlueTask::kRte, "index\tsentence1\tsentence2\tlabel\n0\tfine film\tgood\tentailment\n",
         R"({"sentence1": "fine film", "sentence2": "good", "label": 0})", 0, 0},
        {GlueTask::kWnli, "index\tsentence1\tsentence2\tlabel\n0\tfine film\tgood\t1\n",
         R"({"sentence1": "fine film", "sentence2": "good", "label": "entailment"})", 1, 0},
    };
    for (const auto& c : cases) {
        for (const std::string& text : {c.tsv, c.jsonl + "\n"}) {
            SCOPED_TRACE(text);
            const auto d = parse_glue(text, "f", c.task);
            ASSERT_EQ(d.examples.size(), 1u);
            EXPECT_TRUE(d.labeled);
            EXPECT_EQ(d.examples[0].text_a, "fine film");
            EXPECT_EQ(d.examples[0].text_b, glue_task_spec(c.task).is_pair() ? "good" : "");
            EXPECT_EQ(d.examples[0].label, c.label);
            EXPECT_FLOAT_EQ(d.examples[0].score, c.score);
        }
    }
}

TEST(Glue, TestFilesWithoutLabelsLoadUnlabeled) {
    const auto tsv = parse_glue("index\tsentence\n0\tfine film\n1\tbad film\n", "test.tsv", GlueTask::kSst2);
    EXPECT_FALSE(tsv.labeled);
    EXPECT_EQ(tsv.examples.size(), 2u);
    EXPECT_EQ(tsv.examples[1].label, -1);
    const auto cola = parse_glue("index\tsentence\n0\tfine film\n", "test.tsv", GlueTask::kCola);
    EXPECT_FALSE(cola.labeled);
    const auto jsonl =
        parse_glue("{\"sentence\": \"a\", \"label\": -1}\n{\"sentence\": \"b\"}\n", "t", GlueTask::kSst2);
    EXPECT_FALSE(jsonl.labeled);
}

TEST(Glue, CarriageReturnsBlankLinesAndLimitsAreHandled) {
    const auto d = parse_glue("sentence\tlabel\r\na\t1\r\n\r\nb\t0\r\nc\t1", "f", GlueTask::kSst2, {2});
    ASSERT_EQ(d.examples.size(), 2u);
    EXPECT_EQ(d.examples[0].text_a, "a");
    EXPECT_EQ(d.examples[1].text_a, "b");
    EXPECT_EQ(d.examples[1].line, 4);
}

void expect_error(const std::string& contents, GlueTask task, const std::string& expected) {
    try {
        parse_glue(contents, "dev.tsv", task);
        ADD_FAILURE() << "no error for: " << contents;
    } catch (const InputError& e) {
        EXPECT_EQ(std::string(e.what()), expected);
    }
}

TEST(Glue, MalformedRowsAreOneLineErrorsNamingFileLineAndFix) {
    expect_error("sentence\tlabel\nfine\t1\nno label here\n", GlueTask::kSst2,
                 "dev.tsv:3: 1 tab-separated columns, sst2's rows have at least 2");
    expect_error("sentence\tlabel\nfine\t2\n", GlueTask::kSst2,
                 "dev.tsv:2: label '2' is not one of sst2's: 0 (negative), 1 (positive)");
    expect_error("index\tsentence1\tsentence2\tlabel\n0\ta\tb\tneutral\n", GlueTask::kRte,
                 "dev.tsv:2: label 'neutral' is not one of rte's: 0 (entailment), 1 (not_entailment)");
    expect_error("sentence\tlabel\n\t1\n", GlueTask::kSst2,
                 "dev.tsv:2: the sentence is empty (every row needs its text)");
    expect_error(
        "sentence1\tlabel\na\t1\n", GlueTask::kMrpc,
        "dev.tsv:1: the header has no column '#1 String' (mrpc's GLUE files start with a header row naming "
        "their columns; is --task right?)");
    expect_error("index\tsentence1\tsentence2\tscore\n0\ta\tb\thigh\n", GlueTask::kStsb,
                 "dev.tsv:2: score 'high' is not a number (STS-B's similarity, 0 to 5)");
    expect_error("", GlueTask::kSst2, "dev.tsv: no rows (an empty file)");
    expect_error("sentence\tlabel\n", GlueTask::kSst2, "dev.tsv: a header and no rows");
    expect_error("{\"sentence\": \"a\", \"label\": 1}\n[1]\n", GlueTask::kSst2,
                 "dev.tsv:2: each line must be a JSON object (one example)");
    expect_error("{\"text\": \"a\", \"label\": 1}\n", GlueTask::kSst2,
                 "dev.tsv:1: no field \"sentence\" (the example's text)");
    expect_error("{\"premise\": \"a\", \"label\": 1}\n", GlueTask::kRte,
                 "dev.tsv:1: no field \"sentence2\" or \"hypothesis\" (the example's text)");
    expect_error("{\"sentence\": \"a\", \"label\": 1}\n{\"sentence\": \"b\"}\n", GlueTask::kSst2,
                 "dev.tsv:2: has no label while earlier lines do (a file is all labeled or all not)");
    expect_error("{\"sentence\": \"a\", \"label\": [1]}\n", GlueTask::kSst2,
                 "dev.tsv:1: \"label\" must be a number or a label name");
    expect_error("{\"sentence\": 3, \"label\": 1}\n", GlueTask::kSst2,
                 "dev.tsv:1: \"sentence\" must be a string");
    expect_error("sentence\tlabel\n\xff\xfe\t1\n", GlueTask::kSst2,
                 "dev.tsv:2: the sentence is not valid UTF-8");
}

TEST(Glue, TaskNamesAcceptGlueFolderSpellings) {
    EXPECT_EQ(glue_task_from_name("SST-2"), GlueTask::kSst2);
    EXPECT_EQ(glue_task_from_name("STS-B"), GlueTask::kStsb);
    EXPECT_EQ(glue_task_from_name("mnli_mismatched"), GlueTask::kMnliMismatched);
    EXPECT_EQ(glue_task_from_name("CoLA"), GlueTask::kCola);
    try {
        glue_task_from_name("squad");
        ADD_FAILURE();
    } catch (const InputError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "--task squad: expected cola, sst2, mrpc, qqp, stsb, mnli, mnli-mm, qnli, rte or wnli");
    }
    for (const auto& row : kGlueTaskNames) EXPECT_EQ(glue_task_spec(row.value).task, row.value);
}

}  // namespace
}  // namespace bitswitch::data
