// bitswitch data check|features|synth: validate SQuAD files, inspect the model inputs built from them,
// generate QA data. Parsing and printing only: the work is in data/.
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bitswitch/data/qa_features.h"
#include "bitswitch/data/squad.h"
#include "bitswitch/data/synth.h"
#include "cli/commands.h"
#include "cli/flags.h"

namespace bitswitch::cli {
namespace {

data::SquadDataset load(const std::string& file, bool skip_invalid) {
    data::SquadLoadOptions load;
    load.skip_invalid = skip_invalid;
    return data::load_squad(file, load);
}

void add_check_command(CLI::App* data_cmd) {
    auto c = std::make_shared<data::FeaturesReportConfig>();  // its file and skip_invalid
    CLI::App* cmd =
        data_cmd->add_subcommand("check", "Validate a SQuAD v1.1/v2.0 file and print its summary");
    cmd->add_option("file", c->file, "Official SQuAD JSON")->required();
    // A plain flag: a value form would swallow the positional file after it.
    cmd->add_flag(
        "--skip-invalid", c->skip_invalid,
        "Drop questions whose answer_start does not locate the answer (counted) instead of failing");
    cmd->callback(
        [c] { std::printf("%s\n", data::dataset_summary(load(c->file, c->skip_invalid)).dump().c_str()); });
}

void add_features_command(CLI::App* data_cmd) {
    auto c = std::make_shared<data::FeaturesReportConfig>();
    CLI::App* cmd =
        data_cmd->add_subcommand("features", "Build the model's question+context windows and labels");
    cmd->add_option("file", c->file, "Official SQuAD JSON")->required();
    cmd->add_flag("--skip-invalid", c->skip_invalid,
                  "Drop questions with a bad answer span instead of failing");
    cmd->add_option("--tokenizer", c->tokenizer_dir, "Tokenizer folder (default: the shipped GPT-2 files)");
    add_feature_flags(cmd, c->features);
    cmd->add_option("--output", c->output, "Write one JSON line per feature (ids, offsets, labels)");
    cmd->callback([c] { std::printf("%s\n", data::report_features(*c).dump().c_str()); });
}

void add_synth_command(CLI::App* data_cmd) {
    auto c        = std::make_shared<data::SynthDatasetConfig>();
    auto no_distr = std::make_shared<bool>(false);
    CLI::App* cmd = data_cmd->add_subcommand(
        "synth",
        "Generate extractive-QA data (SQuAD v1.1 format): train.json, dev.json (disjoint names), corpus.txt");
    cmd->add_option("--config", "TOML file whose keys are the flag names below (flags given here win)");
    cmd->add_option("--output_dir", c->output_dir, "Folder for train.json, dev.json and corpus.txt")
        ->required();
    cmd->add_option("--train_paragraphs", c->train_paragraphs)->capture_default_str();
    cmd->add_option("--dev_paragraphs", c->dev_paragraphs)->capture_default_str();
    cmd->add_option("--people_per_paragraph", c->people_per_paragraph, "People described in each paragraph")
        ->capture_default_str();
    cmd->add_option("--min_people_per_paragraph", c->min_people_per_paragraph,
                    "Each paragraph describes between this many and --people_per_paragraph people, drawn "
                    "uniformly (default: exactly --people_per_paragraph)");
    cmd->add_option("--questions_per_person", c->questions_per_person, "Questions about each person (1..5)")
        ->capture_default_str();
    add_bool_flag(cmd, "--no_distractors", *no_distr,
                  "Leave out the three confusable facts per person (a move, a former employer, ...)");
    cmd->add_option("--near_misses", c->near_misses,
                    "Per person, relatives' facts in the person's own words (\"The sister of P was born in "
                    "...\"), 0..5: "
                    "a harder task")
        ->capture_default_str();
    add_bool_flag(cmd, "--held_out_questions", c->held_out_questions,
                  "Dev asks in question wordings train never uses (a harder task)");
    cmd->add_option("--seed", c->seed)->capture_default_str();
    cmd->callback([c, no_distr] {
        c->distractors   = !*no_distr;
        const auto files = data::write_synth_dataset(*c);
        std::printf("%s\n", nlohmann::json{{"train", files.train.string()},
                                           {"dev", files.dev.string()},
                                           {"corpus", files.corpus.string()}}
                                .dump()
                                .c_str());
    });
}

}  // namespace

void add_data_command(CLI::App& app) {
    CLI::App* data_cmd =
        app.add_subcommand("data", "Validate SQuAD files, inspect QA features, generate QA data");
    data_cmd->require_subcommand(1);
    add_check_command(data_cmd);
    add_features_command(data_cmd);
    add_synth_command(data_cmd);
}

}  // namespace bitswitch::cli
