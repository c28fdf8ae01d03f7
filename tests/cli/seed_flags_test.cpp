// The seeds' own command lines, copied from their documents in ../shared/seeds/ with only the model path,
// the data files (for --dataset_name squad) and the step counts changed, run against a tiny model: each
// is accepted and trains what the seed meant; what bitswitch cannot do is a warning line or an error with
// the fix, never silence.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "bitswitch/core/io.h"
#include "bitswitch/data/synth.h"
#include "bitswitch/model/checkpoint.h"
#include "bitswitch/ops/matmul.h"
#include "support/program.h"
#include "support/temp_dir.h"
#include "support/tiny_model.h"
#include "support/train_fixture.h"

namespace bitswitch::cli {
namespace {

using bitswitch::testing::ProgramRun;

struct SeedFixture {
    bitswitch::testing::TempDir dir;
    std::string model, train, dev, data;
    SeedFixture() {
        auto cfg        = bitswitch::testing::tiny_config();
        cfg.vocab_size  = 50257;
        cfg.n_positions = 1024;  // the seeds' windows: 384 and seed 003's 786 tokens
        model           = (dir.path() / "gpt2").string();
        model::save_pretrained(bitswitch::testing::tiny_model(4, cfg), model);
        train = dir.write("train.json", data::synth_squad_json({8, 1, 2, 1, false, false})).string();
        dev   = dir.write("dev.json", data::synth_squad_json({3, 1, 2, 5, false, false})).string();
        data  = " --train_file " + train + " --validation_file " + dev;  // for --dataset_name squad
    }
    std::string out(const std::string& name) const { return (dir.path() / name).string(); }
    ProgramRun run(const std::string& args) const { return bitswitch::testing::run_bitswitch(args); }
    /// `train` on the fixture's model and training file with `args`, into out(name).
    ProgramRun train_into(const std::string& name, const std::string& args) const {
        return run("train --model_name_or_path " + model + " --train_file " + train + " " + args +
                   " --output_dir " + out(name));
    }
    nlohmann::json config_of(const std::string& run_dir) const {
        return nlohmann::json::parse(core::read_file(run_dir + "/train_config.json"));
    }
};

// Seed 000's train.py: three levels and no --mode train switchable.
TEST(SeedFlags, Seed000SwitchableTrainingLine) {
    SeedFixture f;
    const auto out = f.out("s000");
    const auto r   = f.train_into("s000",
                                  "--a_bits 4 6 8 --w_bits 4 6 8 --ranks 16 8 8 --alphas 32.0 16.0 16.0"
                                    " --dropouts 0.05 0.01 0.01 --learning_rate 1e-3 --max_steps 2 --do_train"
                                    " --per_device_train_batch_size 16");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto c = f.config_of(out);
    EXPECT_EQ(c["mode"], "switchable");
    EXPECT_EQ(c["w_bits"], (std::vector<int>{4, 6, 8}));
    EXPECT_EQ(c["ranks"], (std::vector<int>{16, 8, 8}));
}

// Seed 000's CPT line: --is_cyclic_precision is --mode cyclic.
TEST(SeedFlags, Seed000CyclicLine) {
    SeedFixture f;
    const auto out = f.out("s000cpt");
    const auto r =
        f.train_into("s000cpt",
                     "--is_cyclic_precision --cyclic_a_bits_schedule 4 8 --cyclic_w_bits_schedule 4 8"
                     " --num_cyclic_period 32 --max_steps 32 --do_train --learning_rate 1e-3"
                     " --ranks 16 --alphas 32.0");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(f.config_of(out)["mode"], "cyclic");
}

// A seed's name for a flag wins over the --config file's key for it, as the flag's own name does.
TEST(SeedFlags, AnAliasOnTheCommandLineWinsOverTheConfigFile) {
    SeedFixture f;
    const auto config = f.dir.write("recipe.toml", "lora_r = 1\nlora_alpha = 2.0\n").string();
    const auto out    = f.out("alias");
    const auto r =
        f.train_into("alias", "--config " + config + " --lora_attn_dim 3 --lora_attn_alpha=6 --max_steps 1");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto c = f.config_of(out);
    EXPECT_EQ(c["lora_r"], 3);
    EXPECT_EQ(c["lora_alpha"], 6.0);
}

// --bit_schedule MIN MAX is the cyclic range of the weights; activations follow unless given their own.
TEST(SeedFlags, BitScheduleIsTheCyclicWeightRange) {
    SeedFixture f;
    const auto out = f.out("s000bits");
    const auto r   = f.train_into(
          "s000bits", "--is_cyclic_precision --bit_schedule 3 6 --num_cyclic_period 1 --max_steps 2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto c = f.config_of(out);
    EXPECT_EQ(c["mode"], "cyclic");
    EXPECT_EQ(c["cyclic_w_bits_schedule"], (std::vector<int>{3, 6}));
    EXPECT_TRUE(c["cyclic_a_bits_schedule"].empty());
}

// Seed 002's Attempt 2 (switchable 16/8 with its LoRA names) and its evaluation line.
TEST(SeedFlags, Seed002SwitchableLineAndItsEvaluation) {
    SeedFixture f;
    const auto out = f.out("results_16_8");
    const auto r   = f.run(
          "train --model_name_or_path " + f.model + f.data +
          " --do_train --do_eval --per_device_train_batch_size 16 --per_device_eval_batch_size 16 --seed 42"
            " --learning_rate 3e-03 --logging_strategy steps --logging_steps 10 --lr_scheduler_type linear"
            " --report_to tensorboard --gradient_accumulation_steps 1 --max_seq_length 384 --doc_stride 128"
            " --save_safetensors False --max_steps 2 --w_bits 16 8 --a_bits 16 8 --kv_bits 16 8"
            " --lora_attn_dim 16 --lora_attn_alpha 8 --lora_dropout 0.0 --lora_num_per_layer 2 --output_dir " +
          out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("warning: --report_to tensorboard ignored"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("warning: --save_safetensors False ignored"), std::string::npos) << r.err;
    const auto c = f.config_of(out);
    EXPECT_EQ(c["mode"], "switchable");
    EXPECT_EQ(c["lora_r"], 16);
    EXPECT_EQ(c["lora_alpha"], 8.0);
    EXPECT_EQ(c["w_bits"], (std::vector<int>{16, 8}));
    EXPECT_FALSE(nlohmann::json::parse(r.out)["eval"].is_null()) << r.out;  // --do_eval evaluated

    // eval_qa.py's line (13 indices for GPT-2's 12 blocks and head: 3 for the tiny model's 2 and head).
    const auto e = f.run("eval --model_name_or_path " + out + " --validation_file " + f.dev +
                         " --do_eval --per_device_train_batch_size 16 --per_device_eval_batch_size 16"
                         " --seed 42 --report_to tensorboard --activate_lora_idx 1 1 0 --output_dir " +
                         f.out("evaluation"));
    ASSERT_EQ(e.exit_code, 0) << e.err;
    EXPECT_NE(e.err.find("warning: --seed ignored"), std::string::npos) << e.err;
    EXPECT_TRUE(std::filesystem::exists(f.out("evaluation") + "/eval_results.json"));

    // attack.py's line (Attempt 4): crafted at level 0 (16-bit), evaluated at level 1 (8-bit).
    const auto attack = f.out("attack_results");
    const auto a      = f.run(
             "attack gbda --model_name_or_path " + out + " --validation_file " + f.dev +
             " --do_train --do_eval --per_device_train_batch_size 16 --per_device_eval_batch_size 16 --seed 42"
                  " --learning_rate 3e-03 --logging_strategy steps --logging_steps 10 --lr_scheduler_type linear"
                  " --report_to tensorboard --gradient_accumulation_steps 1 --max_seq_length 384 --doc_stride 128"
                  " --max_steps 10 --attack_lora_idx 0 --eval_lora_idx 1 --adversarial_generation_step 1"
                  " --adversarial_sample_num 2 --output_dir " +
             attack);
    ASSERT_EQ(a.exit_code, 0) << a.err;
    EXPECT_NE(a.err.find("--learning_rate, --logging_strategy, --logging_steps, --lr_scheduler_type, "
                         "--gradient_accumulation_steps, --max_steps ignored: an attack does not train"),
              std::string::npos)
        << a.err;
    const auto cells = bitswitch::testing::read_jsonl(attack + "/attack.jsonl");
    ASSERT_EQ(cells.size(), 1u);
    EXPECT_EQ(cells[0]["crafted_at"], "16");
    EXPECT_EQ(cells[0]["evaluated_at"], "8");
    EXPECT_EQ(cells[0]["questions"], 2);
}

// Seed 002's cyclic run_qa.py takes the cyclic flags without a mode: they mean a cyclic run.
TEST(SeedFlags, Seed002CyclicLine) {
    SeedFixture f;
    const auto out = f.out("cyclic");
    const auto r   = f.run("train --model_name_or_path " + f.model + f.data +
                           " --do_train --do_eval --per_device_train_batch_size 16 --per_device_eval_batch_size"
                             " 16 --seed 42 --learning_rate 3e-03 --num_train_epochs 2 --logging_strategy steps"
                             " --logging_steps 10 --lr_scheduler_type linear --report_to tensorboard"
                             " --gradient_accumulation_steps 1 --max_seq_length 384 --doc_stride 128"
                             " --save_safetensors False --max_steps 32 --num_cyclic_period 32 --num_bit_min 16"
                             " --num_bit_max 32 --lora_attn_dim 16 --lora_attn_alpha 8 --lora_dropout 0.0"
                             " --output_dir " +
                           out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto c = f.config_of(out);
    EXPECT_EQ(c["mode"], "cyclic");
    EXPECT_EQ(c["num_bit_min"], 16);
    EXPECT_EQ(c["num_bit_max"], 32);
}

// Seed 004's cfg_cpt.json (its cyclic schedules by their ends) as a --config file: CPT with weights cycling
// 4..8 bits and inputs at 16, period 64; the command line still wins; keys that are not flags are refused.
TEST(SeedFlags, Seed004CfgCptJsonIsAConfigFile) {
    SeedFixture f;
    const auto cfg =
        f.dir.write("cfg_cpt.json", R"({"wbit_min": 4, "wbit_max": 8, "inbit_min": 16, "inbit_max": 16,)"
                                    R"( "num_cyclic_period": 64, "learning_rate": 0.002})");
    const auto out = f.out("cpt");
    const auto r = f.train_into("cpt", "--config " + cfg.string() + " --max_steps 64 --learning_rate 0.001");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto c = f.config_of(out);
    EXPECT_EQ(c["mode"], "cyclic");
    EXPECT_EQ(c["cyclic_w_bits_schedule"], nlohmann::json::parse("[4, 8]"));
    EXPECT_EQ(c["cyclic_a_bits_schedule"], nlohmann::json::parse("[16, 16]"));
    EXPECT_EQ(c["num_cyclic_period"], 64);
    EXPECT_DOUBLE_EQ(c["learning_rate"].get<double>(), 0.001);  // the command line wins

    const auto half = f.dir.write("half.json", R"({"wbit_min": 4})");
    const auto bad  = f.train_into("half", "--config " + half.string() + " --max_steps 2");
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("\"wbit_min\" and \"wbit_max\" go together"), std::string::npos) << bad.err;
    const auto nested = f.dir.write("nested.json", R"({"lora": {"r": 4}})");
    const auto bad2   = f.train_into("nested", "--config " + nested.string() + " --max_steps 2");
    EXPECT_EQ(bad2.exit_code, 2);
    EXPECT_NE(bad2.err.find("\"lora\" must be a number, a string"), std::string::npos) << bad2.err;
}

// Seed 003's QaLoF line (HF booleans with values, strategies, --bit_widths) and its evaluation line.
TEST(SeedFlags, Seed003StaticLineAndItsEvaluation) {
    SeedFixture f;
    const auto out = f.out("qalof");
    const auto r   = f.run(
          "train --model_name_or_path " + f.model + f.data +
          " --do_train --do_eval --per_device_train_batch_size 16 --per_device_eval_batch_size 16 --seed 42"
            " --learning_rate 3e-03 --logging_strategy steps --logging_steps 10 --lr_scheduler_type cosine"
            " --max_seq_length 786 --bf16 False --fp16 False --max_steps 4 --output_dir " +
          out +
          " --overwrite_output_dir --eval_strategy steps --eval_steps 2 --save_strategy steps --save_steps 2"
            " --lora_r 8 --lora_alpha 16 --bit_widths 4");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto c = f.config_of(out);
    EXPECT_EQ(c["mode"], "static");
    EXPECT_EQ(c["w_bits"], (std::vector<int>{4}));
    EXPECT_EQ(c["lr_scheduler_type"], "cosine");
    EXPECT_TRUE(std::filesystem::exists(out + "/checkpoint-2"));

    const auto e = f.run("eval --model_name_or_path " + out + " --validation_file " + f.dev +
                         " --do_eval --per_device_eval_batch_size 32 --seed 42 --max_seq_length 786"
                         " --output_dir " +
                         f.out("qalof_eval") + " --overwrite_output_dir");
    ASSERT_EQ(e.exit_code, 0) << e.err;
}

// --bf16 trains on bfloat16 products where the CPU has them (and says so in the run's config), with losses
// within bfloat16's rounding of the float32 run's; without them it is refused with the reason.
TEST(SeedFlags, Bf16TrainsWhereTheCpuCanAndIsRefusedWhereItCannot) {
    SeedFixture f;
    const std::string args = "--max_steps 3 --logging_steps 1 --seed 7 --w_bits 8";
    const auto refused     = bitswitch::testing::run_bitswitch("train --model_name_or_path " + f.model +
                                                                   " --train_file " + f.train + " " + args +
                                                                   " --bf16 --output_dir " + f.out("refused"),
                                                               "BITSWITCH_GEMM=torch");
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_NE(refused.err.find("--bf16 needs native bfloat16 products"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("BITSWITCH_GEMM=torch"), std::string::npos) << refused.err;
    if (!ops::bf16_products_available()) GTEST_SKIP() << "no native bf16 here";

    ASSERT_EQ(f.train_into("fp32", args).exit_code, 0);
    const auto r = f.train_into("bf16", args + " --bf16 True");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(f.config_of(f.out("bf16"))["bf16"], true);
    EXPECT_EQ(f.config_of(f.out("fp32"))["bf16"], false);
    const auto fp32 = bitswitch::testing::read_jsonl(f.out("fp32") + "/log.jsonl");
    const auto bf16 = bitswitch::testing::read_jsonl(f.out("bf16") + "/log.jsonl");
    ASSERT_EQ(fp32.size(), bf16.size());
    for (size_t i = 0; i < fp32.size(); ++i) {
        const double a = fp32[i]["loss"], b = bf16[i]["loss"];
        EXPECT_NEAR(a, b, 0.02 * a) << "step " << i;  // bfloat16 keeps 8 significant bits
        EXPECT_NE(a, b) << "step " << i;              // the products really were rounded
    }
}

// Seed 001's presets (its config.py as TOML): random per-layer training and CPT over per-bit adapters.
TEST(SeedFlags, Seed001PresetsTrainWhatTheSeedDescribes) {
    SeedFixture f;
    for (const std::string preset : {"random", "cpt"}) {
        const auto out = f.out("seed001_" + preset);
        const auto r =
            f.run("train --config configs/train/seed001_" + preset + ".toml --model_name_or_path " + f.model +
                  " --train_file " + f.train + " --max_steps 10 --output_dir " + out);
        ASSERT_EQ(r.exit_code, 0) << preset << "\n" << r.err;
        const auto c = f.config_of(out);
        EXPECT_EQ(c["mode"], preset == "random" ? "random" : "cyclic");
        EXPECT_EQ(c["w_bits"], (std::vector<int>{32, 8, 4}));
        EXPECT_EQ(c["lora_r"], 4);
        for (const char* level : {"fp", "8", "4"})
            EXPECT_TRUE(std::filesystem::is_directory(out + "/adapters/" + level)) << preset << " " << level;
    }
}

// Seeds 000 and 003 leave the QA head unquantized: --fp_head trains and runs it at fp under every level.
TEST(SeedFlags, AnFpHeadUnderSwitchableLevelsIsRecordedAndShown) {
    SeedFixture f;
    const auto out = f.out("fp_head");
    const auto r =
        f.train_into("fp_head", "--w_bits 8 4 --fp_head --max_steps 2 --per_device_train_batch_size 4");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(core::read_file(out + "/bitswitch.json"))["quantization"]["fp_head"],
              true);
    const auto show = f.run("precision show --model " + out + " --precision 4");
    ASSERT_EQ(show.exit_code, 0) << show.err;
    EXPECT_NE(show.out.find("| qa_outputs | fp | fp |"), std::string::npos) << show.out;
    EXPECT_NE(show.out.find("| h.1.mlp.c_fc | 4 | 4 |"), std::string::npos) << show.out;
}

TEST(SeedFlags, SaveTotalLimitKeepsTheNewestCheckpoints) {
    SeedFixture f;
    const auto out = f.out("limit");
    const auto r   = f.train_into("limit",
                                  "--max_steps 4 --save_strategy steps --save_steps 1 --save_total_limit 2"
                                    " --per_device_train_batch_size 4");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // Checkpoints after steps 1, 2, 3 and the final one (4): the newest two remain.
    for (const int step : {1, 2})
        EXPECT_FALSE(std::filesystem::exists(out + "/checkpoint-" + std::to_string(step)));
    for (const int step : {3, 4})
        EXPECT_TRUE(std::filesystem::exists(out + "/checkpoint-" + std::to_string(step)));
}

// What cannot be done, or would be silently ignored, exits 2 with one line naming the flag and the fix.
TEST(SeedFlags, WhatCannotBeDoneIsAnErrorNamingTheFix) {
    SeedFixture f;
    const std::string base =
        "train --model_name_or_path " + f.model + " --max_steps 1 --output_dir " + f.out("refused") + " ";
    const std::string with_data                                  = base + "--train_file " + f.train + " ";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {base + "--dataset_name squad", "cannot download"},
        {with_data + "--do_train False", "always trains"},
        {with_data + "--fp16 true", "no fp16 compute"},
        {with_data + "--bf16 maybe", "expected True or False"},
        {with_data + "--do_eval", "--do_eval needs --validation_file"},
        {with_data + "--mode static --num_cyclic_period 8", "add --mode cyclic"},
        {with_data + "--mode switchable --w_bits 8 4 --is_cyclic_precision", "add --mode cyclic"},
        {with_data + "--mode static --bit_schedule 4 8", "--bit_schedule only a cyclic run reads"},
        {with_data + "--bit_schedule 4 8 --cyclic_w_bits_schedule 4 6", "give one of them"},
        {with_data + "--mode switchable --w_bits 8 4 --switch_loss kd --kd_alpha 1.5",
         "--kd_alpha must be in [0, 1]"},
        {with_data + "--mode random --w_bits 8 4 --switch_loss kd", "--switch_loss kd distills"},
        {with_data + "--mode random --w_bits 8 4 --switch_loss cascade", "use it with --mode switchable"},
        {with_data + "--w_bits 8 4 --lora_num_per_layer 3", "--lora_num_per_layer 3"},
        {with_data + "--eval_strategy epoch", "give --eval_steps N"},
        {with_data + "--report_to tensorboard wandb --fp16",
         "no fp16 compute"},  // several integrations parse
        {"eval --model " + f.model + " --dataset_name squad", "cannot download"},
        {"eval --model " + f.model + " --validation_file " + f.dev + " --do_train", "does not train"},
        {"attack gbda --model " + f.model + " --dataset_name squad", "cannot download"},
        {"attack pgd --model " + f.model + " --validation_file " + f.dev + " --attack_lora_idx 0",
         "has 0 trained level(s)"},
    };
    for (const auto& [args, message] : cases) {
        const auto r = f.run(args);
        EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << args << "\n" << r.err;
    }
}

}  // namespace
}  // namespace bitswitch::cli
