// End-to-end runs of the bitswitch program: exit codes, one-line errors, output formats.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bitswitch/core/io.h"
#include "support/paths.h"
#include "support/program.h"
#include "support/temp_dir.h"

namespace bitswitch::cli {
namespace {

using bitswitch::testing::asset;
using bitswitch::testing::bitswitch_program;
using bitswitch::testing::fixture_path;
using bitswitch::testing::TempDir;

using bitswitch::testing::ProgramRun;

ProgramRun run(const std::string& args) {
    return bitswitch::testing::run_bitswitch(args);
}

std::string quote(const std::filesystem::path& p) {
    return "'" + p.string() + "'";
}

TEST(Cli, InfoReportsTheGemmLibrariesAndTheThreadsAsComputeCommandsSetThemUp) {
    const ProgramRun r = run("info");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_GT(j.at("model_gemm_gflops_512").get<double>(), 0.0);
    EXPECT_GT(j.at("blas_gemm_gflops_512").get<double>(), 0.0);
    EXPECT_GE(j.at("torch_threads").get<int>(), 1);
    EXPECT_FALSE(j.at("blas").get<std::string>().empty());
    const std::string library = j.at("model_gemm");
    EXPECT_TRUE(library == "oneDNN" || library == "libtorch (BLAS above)") << library;
    // The switch back to libtorch's matmul is honoured.
    const ProgramRun torch_gemm = bitswitch::testing::run_bitswitch("info", "BITSWITCH_GEMM=torch");
    ASSERT_EQ(torch_gemm.exit_code, 0) << torch_gemm.err;
    EXPECT_EQ(nlohmann::json::parse(torch_gemm.out).at("model_gemm"), "libtorch (BLAS above)");
}

TEST(Cli, TokenizeTextPrintsIdsAndOffsets) {
    const ProgramRun r = run("tokenize --text 'Hello world'");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "{\"ids\":[15496,995],\"offsets\":[[0,5],[5,11]]}\n");
}

TEST(Cli, TokenizeJsonlAndDecodeRoundTrip) {
    TempDir dir;
    const auto in        = dir.write("in.jsonl", "\"naïve café\"\n\"\"\n\"two\\nlines\"\n");
    const ProgramRun enc = run("tokenize --jsonl " + quote(in));
    ASSERT_EQ(enc.exit_code, 0) << enc.err;
    std::string ids_lines;
    std::istringstream lines(enc.out);
    int n = 0;
    for (std::string line; std::getline(lines, line); ++n)
        ids_lines += nlohmann::json::parse(line)["ids"].dump() + "\n";
    EXPECT_EQ(n, 3);
    const auto ids       = dir.write("ids.jsonl", ids_lines);
    const ProgramRun dec = run("tokenize --decode --jsonl " + quote(ids));
    ASSERT_EQ(dec.exit_code, 0) << dec.err;
    EXPECT_EQ(dec.out, "\"naïve café\"\n\"\"\n\"two\\nlines\"\n");
}

TEST(Cli, SquadEvalPrintsTheOfficialJson) {
    const auto expected = nlohmann::json::parse(core::read_file(fixture_path("metric_expected.json")));
    const ProgramRun r  = run("squad-eval " + quote(asset("data/squad-v1.1-dev-subset.json")) + " " +
                              quote(fixture_path("metric_predictions_v1.json")));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j.size(), 2u);
    EXPECT_NEAR(j["exact_match"].get<double>(), expected["v1"]["exact_match"].get<double>(), 1e-9);
    EXPECT_NEAR(j["f1"].get<double>(), expected["v1"]["f1"].get<double>(), 1e-9);
    // One warning line per unanswered question.
    const auto preds = nlohmann::json::parse(core::read_file(fixture_path("metric_predictions_v1.json")));
    const size_t warnings = size_t(std::count(r.err.begin(), r.err.end(), '\n'));
    EXPECT_EQ(warnings, 1877u - preds.size());
}

TEST(Cli, SquadEvalV2PrintsHasAnsAndNoAns) {
    const ProgramRun r = run("squad-eval " + quote(asset("data/squad-v2.0-dev-subset.json")) + " " +
                             quote(fixture_path("metric_predictions_v2.json")));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["total"], 1407);
    EXPECT_EQ(j["HasAns_total"], 705);
    EXPECT_EQ(j["NoAns_total"], 702);
}

// --compare: the paired difference of two prediction files, by hand on four questions.
TEST(Cli, SquadEvalComparesTwoPredictionFilesPaired) {
    TempDir dir;
    const auto dataset = dir.write("dev.json", R"({"version": "1.1", "data": [{"title": "t", "paragraphs": [{
        "context": "red green blue black",
        "qas": [{"id": "q1", "question": "?", "answers": [{"text": "red", "answer_start": 0}]},
                {"id": "q2", "question": "?", "answers": [{"text": "green", "answer_start": 4}]},
                {"id": "q3", "question": "?", "answers": [{"text": "blue", "answer_start": 10}]},
                {"id": "q4", "question": "?", "answers": [{"text": "black", "answer_start": 15}]}]}]}]})");
    // a: three right, q4 half right ("blue black": F1 2/3); b: q1 right, q2 and q3 wrong, q4 as a.
    const auto a = dir.write("a.json", R"({"q1": "red", "q2": "green", "q3": "blue", "q4": "blue black"})");
    const auto b = dir.write("b.json", R"({"q1": "red", "q2": "blue", "q3": "red", "q4": "blue black"})");
    const ProgramRun r = run("squad-eval " + quote(dataset) + " " + quote(a) + " --compare " + quote(b));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_NEAR(j["exact_match"].get<double>(), 75.0, 1e-9);
    EXPECT_NEAR(j["exact_match_diff"]["estimate"].get<double>(), 50.0, 1e-9);  // (3 - 1) / 4
    EXPECT_NEAR(j["f1_diff"]["estimate"].get<double>(), 50.0, 1e-9);           // q2, q3: 1 - 0 each
    EXPECT_EQ(j["answers_differ"], 2);
    // Resamples of four questions whose differences are 0, 1, 1, 0: means in {0, 0.25, ..., 1}.
    const double low = j["f1_diff"]["low"], high = j["f1_diff"]["high"];
    EXPECT_GE(low, 0.0);
    EXPECT_LT(low, 50.0);
    EXPECT_GT(high, 50.0);
    EXPECT_LE(high, 100.0);
    // Against itself: every difference is zero, so is the interval.
    const auto same = nlohmann::json::parse(
        run("squad-eval " + quote(dataset) + " " + quote(a) + " --compare " + quote(a)).out);
    EXPECT_EQ(same["f1_diff"]["low"], 0.0);
    EXPECT_EQ(same["f1_diff"]["high"], 0.0);
    EXPECT_EQ(same["answers_differ"], 0);
}

void expect_input_error(const ProgramRun& r, const std::string& needle) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

TEST(Cli, BadInputExitsTwoWithOneLine) {
    TempDir dir;
    expect_input_error(run("squad-eval /nonexistent.json /nonexistent2.json"),
                       "/nonexistent.json: cannot open");
    const auto bad_json = dir.write("bad.json", "{\"data\": [}");
    expect_input_error(run("data check " + quote(bad_json)), "bad.json: not valid JSON");
    const auto preds = dir.write("preds.json", "[\"not an object\"]");
    expect_input_error(
        run("squad-eval " + quote(asset("data/squad-v1.1-dev-subset.json")) + " " + quote(preds)),
        "preds.json: expected an object");
    expect_input_error(run("tokenize --tokenizer " + quote(dir.path()) + " --text x"), "no tokenizer files");
    expect_input_error(run("data features " + quote(asset("data/squad-v1.1-dev-subset.json")) +
                           " --max_seq_length 100 --doc_stride 50"),
                       "--doc_stride 50");
    const ProgramRun usage = run("tokenize --no-such-flag");
    EXPECT_EQ(usage.exit_code, 2);
}

TEST(Cli, DataCheckSkipInvalidCountsAndReports) {
    TempDir dir;
    const auto data = dir.write("d.json", R"({"version": "1.1", "data": [{"title": "t", "paragraphs": [
        {"context": "Denver won.", "qas": [
            {"id": "ok", "question": "Who?", "answers": [{"text": "Denver", "answer_start": 0}]},
            {"id": "bad", "question": "Who?", "answers": [{"text": "Denver", "answer_start": 3}]}]}]}]})");
    const ProgramRun fail = run("data check " + quote(data));
    EXPECT_EQ(fail.exit_code, 2);
    EXPECT_NE(fail.err.find("question bad"), std::string::npos) << fail.err;
    const ProgramRun skip = run("data check --skip-invalid " + quote(data));
    ASSERT_EQ(skip.exit_code, 0) << skip.err;
    const auto j = nlohmann::json::parse(skip.out);
    EXPECT_EQ(j["questions"], 1);
    EXPECT_EQ(j["skipped_invalid"], 1);
}

TEST(Cli, ConfigFileKeysBecomeFlagsAndTheCommandLineWins) {
    TempDir dir;
    const auto config  = dir.write("synth.toml",
                                   "train_paragraphs = 3\ndev_paragraphs = 5\nseed = 9\n[data.synth]\n"
                                    "people_per_paragraph = 1\n");
    const ProgramRun r = run("data synth --config " + quote(config) + " --output_dir " +
                             quote(dir.path() / "out") + " --dev_paragraphs 2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto train = nlohmann::json::parse(core::read_file(dir.path() / "out" / "train.json"));
    const auto dev   = nlohmann::json::parse(core::read_file(dir.path() / "out" / "dev.json"));
    EXPECT_EQ(train["data"].size(), 3u);  // from the file
    EXPECT_EQ(dev["data"].size(), 2u);    // the command line wins over the file's 5
    EXPECT_EQ(train["data"][0]["paragraphs"][0]["qas"].size(), 2u);  // 1 person x 2 questions ([data.synth])

    const auto bad = dir.write("bad.toml", "no_such_flag = 1\n");
    expect_input_error(run("data synth --config " + quote(bad) + " --output_dir " + quote(dir.path())),
                       "bad.toml: unknown key \"no_such_flag\" for `bitswitch data synth`");
    expect_input_error(run("data synth --config /nonexistent.toml --output_dir x"),
                       "--config /nonexistent.toml");
}

}  // namespace
}  // namespace bitswitch::cli
