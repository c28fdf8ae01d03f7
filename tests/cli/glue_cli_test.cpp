// GLUE end to end through the command line: `train --task sst2` on the shipped SST-2 files fine-tunes an
// encoder at two precision levels, `eval` reads the task from the run and reports the task's metric with
// its interval, at one config (one JSON line, the same accuracy the run's final evaluation logged) or several
// (a table); a task the classifier does not fit is exit 2 with one line; sweep and sensitivity run on the
// run's task, the bit-budget search refuses it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bitswitch/core/io.h"
#include "support/paths.h"
#include "support/program.h"
#include "support/temp_dir.h"
#include "support/tiny_encoder.h"

namespace bitswitch::cli {
namespace {

using bitswitch::testing::run_bitswitch;

struct GlueCliFixture {
    bitswitch::testing::TempDir dir;
    std::string encoder, train, dev;
    GlueCliFixture() {
        encoder = (dir.path() / "encoder").string();
        bitswitch::testing::save_real_vocab_encoder(encoder, 2, 66);
        train = bitswitch::testing::asset("data/glue/SST-2/train.tsv").string();
        dev   = bitswitch::testing::asset("data/glue/SST-2/dev.tsv").string();
    }
};

TEST(GlueCli, TrainOnATaskThenEvalReadsTheTaskFromTheRun) {
    GlueCliFixture f;
    const auto run = (f.dir.path() / "run").string();
    const auto trained =
        run_bitswitch("train --task sst2 --model_name_or_path " + f.encoder + " --train_file " + f.train +
                      " --max_train_samples 64 --validation_file " + f.dev +
                      " --max_eval_samples 40 --max_steps 4 --per_device_train_batch_size 8 --w_bits 8 4"
                      " --lora_r 2 --output_dir " +
                      run);
    ASSERT_EQ(trained.exit_code, 0) << trained.err;
    EXPECT_NE(trained.err.find("train: 64 sst2 rows"), std::string::npos) << trained.err;
    const auto summary = nlohmann::json::parse(trained.out);
    ASSERT_EQ(summary["eval"].size(), 2u) << trained.out;

    const auto one = run_bitswitch("eval --model " + run + " --validation_file " + f.dev +
                                   " --max_eval_samples 40 --precision 4");
    ASSERT_EQ(one.exit_code, 0) << one.err;
    const auto row = nlohmann::json::parse(one.out);
    EXPECT_EQ(row["precision"], "4");
    EXPECT_EQ(row["eval_samples"], 40);
    EXPECT_DOUBLE_EQ(row["accuracy"].get<double>(), summary["eval"][1]["accuracy"].get<double>());
    EXPECT_LE(row["accuracy_low"].get<double>(), row["accuracy"].get<double>());

    const auto out  = (f.dir.path() / "eval").string();
    const auto many = run_bitswitch("eval --model " + run + " --task sst2 --validation_file " + f.dev +
                                    " --max_eval_samples 40 --precision 8 --precision 4 --output_dir " + out);
    ASSERT_EQ(many.exit_code, 0) << many.err;
    EXPECT_NE(many.out.find("| precision | avg w bits | MB | accuracy [95% interval] |"), std::string::npos)
        << many.out;
    EXPECT_NE(many.out.find("| 4 | 4.00 |"), std::string::npos) << many.out;
    EXPECT_TRUE(std::filesystem::exists(out + "/4/predictions.json"));
    EXPECT_EQ(nlohmann::json::parse(core::read_file(out + "/eval_results.json")).size(), 2u);

    const auto wrong = run_bitswitch("eval --model " + run + " --task stsb --validation_file " + f.dev);
    EXPECT_EQ(wrong.exit_code, 2) << wrong.err;

    // sweep and sensitivity read the task from the run too; the 4-bit row is eval's accuracy.
    const auto sweep = run_bitswitch("sweep --model " + run + " --validation_file " + f.dev +
                                     " --max_eval_samples 40 --uniform 8 4 -o csv");
    ASSERT_EQ(sweep.exit_code, 0) << sweep.err;
    EXPECT_EQ(sweep.out.find("config,task,accuracy,accuracy_low,accuracy_high,reference,accuracy_diff"), 0u)
        << sweep.out;
    EXPECT_NE(sweep.out.find(fmt::format("\n4,sst2,{},", row["accuracy"].get<double>())), std::string::npos)
        << sweep.out;
    const auto analysis = (f.dir.path() / "sensitivity").string();
    const auto sensitivity =
        run_bitswitch("sensitivity --model " + run + " --validation_file " + f.dev +
                      " --max_eval_samples 40 --base 8 --test 4 --granularity block --calibration_samples 16"
                      " --output_dir " +
                      analysis);
    ASSERT_EQ(sensitivity.exit_code, 0) << sensitivity.err;
    EXPECT_NE(sensitivity.out.find("| unit | level | accuracy drop [95% CI] | KL | Fisher |"),
              std::string::npos)
        << sensitivity.out;
    EXPECT_TRUE(std::filesystem::exists(analysis + "/sensitivity.jsonl"));
    // The bit-budget search is SQuAD's: refused by name, for the run and for its sensitivity file.
    const auto search = run_bitswitch("search --model " + run + " --validation_file " + f.dev +
                                      " --sensitivity " + analysis + "/sensitivity.jsonl --budget 6");
    EXPECT_EQ(search.exit_code, 2);
    EXPECT_NE(search.err.find("bit-budget search measures SQuAD F1"), std::string::npos) << search.err;
}

TEST(GlueCli, ATaskOnAGpt2OrAnUnknownTaskIsExitTwoWithOneLine) {
    GlueCliFixture f;
    const auto gpt2 = bitswitch::testing::asset("tiny-gpt2").string();
    const auto on_gpt2 =
        run_bitswitch("train --task sst2 --model_name_or_path " + gpt2 + " --train_file " + f.train +
                      " --max_steps 1 --output_dir " + (f.dir.path() / "gpt2").string());
    EXPECT_EQ(on_gpt2.exit_code, 2);
    EXPECT_NE(on_gpt2.err.find("sequence classification needs an encoder"), std::string::npos) << on_gpt2.err;
    const auto unknown =
        run_bitswitch("train --task sst3 --model_name_or_path " + f.encoder + " --train_file " + f.train +
                      " --output_dir " + (f.dir.path() / "x").string());
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.err.find("--task"), std::string::npos) << unknown.err;
}

}  // namespace
}  // namespace bitswitch::cli
