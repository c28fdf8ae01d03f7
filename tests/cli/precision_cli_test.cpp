// The precision flags end to end: precision show, score and eval at several configs, bad configs.
#include <cmath>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bitswitch/core/io.h"
#include "bitswitch/data/synth.h"
#include "bitswitch/model/checkpoint.h"
#include "support/paths.h"
#include "support/program.h"
#include "support/temp_dir.h"
#include "support/tiny_model.h"

namespace bitswitch::cli {
namespace {

using bitswitch::testing::TempDir;

using Output = bitswitch::testing::ProgramRun;

// A tiny GPT-2 over the real vocabulary with a random QA head, and a small SQuAD file.
struct CliFixture {
    TempDir dir;
    std::string model, text, squad;
    CliFixture() {
        auto cfg        = bitswitch::testing::tiny_config();
        cfg.vocab_size  = 50257;
        cfg.n_positions = 128;
        auto m          = bitswitch::testing::tiny_model(3, cfg);
        model           = (dir.path() / "model").string();
        model::save_pretrained(m, model);
        text = dir.write("text.txt", "The quick brown fox jumps over the lazy dog. It was a sunny day.")
                   .string();
        squad = dir.write("dev.json", data::synth_squad_json({3, 1, 2, 5, true, false})).string();
    }
    Output run(const std::string& args) const { return bitswitch::testing::run_bitswitch(args); }
};

TEST(PrecisionCli, ShowPrintsTheResolvedTableAndTheBudget) {
    CliFixture f;
    const auto r = f.run("precision show --model " + f.model + " --precision 8,4,fp");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("| h.1.mlp.c_fc | 4 | 4 | | - | 1024 |"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("| h.0.attn.kv | | | 8 | | |"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("| qa_outputs | fp | fp |"), std::string::npos) << r.out;
    // Blocks of 768 + 256 + 1024 + 1024 weights at 8 and 4 bits, a head of 32 weights at 32: 37,888 / 6,176.
    EXPECT_NE(r.out.find("average bits per weight 6.135 (6176 linear weights, 37888 bits)"),
              std::string::npos)
        << r.out;
}

TEST(PrecisionCli, ScoreAtFullPrecisionEqualsNoConfigAndLowBitsChangeIt) {
    CliFixture f;
    const auto base = f.run("score --model " + f.model + " --file " + f.text);
    const auto fp   = f.run("score --model " + f.model + " --file " + f.text + " --precision fp");
    const auto low  = f.run("score --model " + f.model + " --file " + f.text + " --precision w4a4kv4");
    ASSERT_EQ(low.exit_code, 0) << low.err;
    const auto nll = [](const Output& o) { return nlohmann::json::parse(o.out)["nll"].get<double>(); };
    EXPECT_EQ(nll(base), nll(fp));
    EXPECT_NE(nll(base), nll(low));
}

TEST(PrecisionCli, OneDnnAndLibtorchProductsGiveTheSameScoreUpToRounding) {
    // The whole model (LM head included) through both GEMM paths, at fp and with quantized KV and inputs.
    CliFixture f;
    for (const std::string precision : {"fp", "w8a8kv8"}) {
        const std::string args =
            "score --model " + f.model + " --file " + f.text + " --precision " + precision;
        const auto fast  = f.run(args);
        const auto torch = bitswitch::testing::run_bitswitch(args, "BITSWITCH_GEMM=torch");
        ASSERT_EQ(fast.exit_code, 0) << fast.err;
        ASSERT_EQ(torch.exit_code, 0) << torch.err;
        const double a = nlohmann::json::parse(fast.out)["nll"], b = nlohmann::json::parse(torch.out)["nll"];
        EXPECT_NEAR(a, b, 1e-4 * std::abs(b)) << precision;
    }
}

TEST(PrecisionCli, EvalRunsEveryConfigIntoOneTable) {
    CliFixture f;
    const auto out = (f.dir.path() / "eval").string();
    const auto r   = f.run("eval --model " + f.model + " --validation_file " + f.squad +
                           " --max_seq_length 96 --doc_stride 32 --max_question_length 24" +
                           " --precision fp --precision 4 --output_dir " + out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("| fp | 32.00 |"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("| 4 | 4.00 |"), std::string::npos) << r.out;
    const auto summary = nlohmann::json::parse(core::read_file(out + "/eval_results.json"));
    ASSERT_EQ(summary.size(), 2u);
    EXPECT_EQ(summary[1]["precision"], "4");
    EXPECT_TRUE(std::filesystem::exists(out + "/4/predictions.json"));
}

// --engine packed runs score and eval on the integer kernels: the same numbers up to float rounding; a
// setting the kernels do not run is exit 2 naming the layer.
TEST(PrecisionCli, PackedEngineScoresLikeFakeQuantizationAndRefusesWhatItCannotRun) {
    CliFixture f;
    const std::string score = "score --model " + f.model + " --file " + f.text + " --precision w8a8kv8";
    const auto fake = f.run(score), packed = f.run(score + " --engine packed");
    ASSERT_EQ(packed.exit_code, 0) << packed.err;
    const double a = nlohmann::json::parse(fake.out)["nll"], b = nlohmann::json::parse(packed.out)["nll"];
    EXPECT_NEAR(a, b, 1e-4 * std::abs(a));
    EXPECT_NE(a, b);  // it did run other kernels
    const auto eval = f.run("eval --engine packed --model " + f.model + " --validation_file " + f.squad +
                            " --max_seq_length 96 --doc_stride 32 --max_question_length 24 --precision w4a8");
    EXPECT_EQ(eval.exit_code, 0) << eval.err;
    const auto bad = f.run(score + " --engine packed --weight_granularity tensor");
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("h.0.attn.c_attn: the packed engine does not run per-tensor weight ranges"),
              std::string::npos)
        << bad.err;
    EXPECT_EQ(f.run(score + " --engine int3").exit_code, 2);
}

TEST(PrecisionCli, BadConfigsExitTwoWithOneLineNamingThem) {
    CliFixture f;
    const auto bad = f.run("precision show --model " + f.model + " --precision w4q");
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("\"w4q\" is not a precision"), std::string::npos) << bad.err;
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
    const auto count = f.run("precision show --model " + f.model + " --precision 8,8");
    EXPECT_EQ(count.exit_code, 2);
    EXPECT_NE(count.err.find("a list needs 3 entries"), std::string::npos) << count.err;
    const auto idx = f.run("precision show --model " + f.model + " --activate_lora_idx 0 0 0");
    EXPECT_EQ(idx.exit_code, 2);
    EXPECT_NE(idx.err.find("has 0 trained level(s); give the precision itself with --precision"),
              std::string::npos)
        << idx.err;
}

}  // namespace
}  // namespace bitswitch::cli
