// bitswitch data check|features: validate SQuAD files and inspect the model inputs built from them.
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/data/qa_features.h"
#include "bitswitch/data/squad.h"
#include "bitswitch/data/synth.h"
#include "bitswitch/text/bpe_tokenizer.h"
#include "cli/commands.h"

namespace bitswitch::cli {
namespace {

struct DataConfig {
    std::string file;
    bool skip_invalid = false;
    std::string tokenizer_dir;
    data::FeatureOptions features;
    std::string output;
};

nlohmann::ordered_json summary_of(const data::SquadDataset& ds) {
    int64_t answers = 0, impossible = 0;
    for (const auto& e : ds.examples) {
        answers += int64_t(e.answers.size());
        impossible += e.is_impossible ? 1 : 0;
    }
    return {{"file", ds.path},
            {"version", ds.version},
            {"articles", ds.n_articles},
            {"paragraphs", ds.n_paragraphs},
            {"questions", ds.examples.size()},
            {"answers", answers},
            {"impossible", impossible},
            {"skipped_invalid", ds.n_skipped}};
}

void run_check(const DataConfig& c) {
    data::SquadLoadOptions load;
    load.skip_invalid = c.skip_invalid;
    std::printf("%s\n", summary_of(data::load_squad(c.file, load)).dump().c_str());
}

void run_features(const DataConfig& c) {
    data::validate(c.features);
    data::SquadLoadOptions load;
    load.skip_invalid = c.skip_invalid;
    const auto ds     = data::load_squad(c.file, load);
    const auto tok =
        text::BpeTokenizer::load(c.tokenizer_dir.empty() ? core::asset_path("gpt2-tokenizer")
                                                         : std::filesystem::path(c.tokenizer_dir));
    const auto features = data::build_features(ds, tok, c.features);
    int64_t labelled = 0, max_windows = 0, windows = 0;
    int32_t last_example = -1;
    std::string jsonl;
    for (const auto& f : features) {
        labelled += f.start_position > 0 ? 1 : 0;
        windows      = f.example_index == last_example ? windows + 1 : 1;
        last_example = f.example_index;
        max_windows  = std::max(max_windows, windows);
        if (!c.output.empty()) {
            nlohmann::json offsets = nlohmann::json::array();
            for (int32_t t = f.context_begin; t < f.context_end; ++t)
                offsets.push_back({f.offsets[t].start, f.offsets[t].end});
            const nlohmann::ordered_json j{
                {"id", ds.examples[size_t(f.example_index)].id},
                {"input_ids", std::vector<int32_t>(f.input_ids.begin(), f.input_ids.begin() + f.context_end)},
                {"context_begin", f.context_begin},
                {"context_offsets", offsets},
                {"start_position", f.start_position},
                {"end_position", f.end_position}};
            jsonl += j.dump() + "\n";
        }
    }
    if (!c.output.empty()) core::write_file_atomic(c.output, jsonl);
    auto summary                        = summary_of(ds);
    summary["features"]                 = features.size();
    summary["features_with_answer"]     = labelled;
    summary["max_windows_per_question"] = max_windows;
    std::printf("%s\n", summary.dump().c_str());
}

}  // namespace

void add_data_command(CLI::App& app) {
    CLI::App* data_cmd = app.add_subcommand("data", "Validate SQuAD files and inspect QA features");
    data_cmd->require_subcommand(1);

    auto check = std::make_shared<DataConfig>();
    CLI::App* cmd_check =
        data_cmd->add_subcommand("check", "Validate a SQuAD v1.1/v2.0 file and print its summary");
    cmd_check->add_option("file", check->file, "Official SQuAD JSON")->required();
    cmd_check->add_flag(
        "--skip-invalid", check->skip_invalid,
        "Drop questions whose answer_start does not locate the answer (counted) instead of failing");
    cmd_check->callback([check] { run_check(*check); });

    auto feat = std::make_shared<DataConfig>();
    CLI::App* cmd_feat =
        data_cmd->add_subcommand("features", "Build the model's question+context windows and labels");
    cmd_feat->add_option("file", feat->file, "Official SQuAD JSON")->required();
    cmd_feat->add_flag("--skip-invalid", feat->skip_invalid,
                       "Drop questions with a bad answer span instead of failing");
    cmd_feat->add_option("--tokenizer", feat->tokenizer_dir,
                         "Tokenizer folder (default: the shipped GPT-2 files)");
    cmd_feat
        ->add_option("--max_seq_length", feat->features.max_seq_length,
                     "Tokens per window, question included")
        ->capture_default_str();
    cmd_feat
        ->add_option("--doc_stride", feat->features.doc_stride,
                     "Context tokens shared by consecutive windows")
        ->capture_default_str();
    cmd_feat
        ->add_option("--max_question_length", feat->features.max_question_length,
                     "Questions are cut to their first N tokens")
        ->capture_default_str();
    cmd_feat->add_option("--output", feat->output, "Write one JSON line per feature (ids, offsets, labels)");
    cmd_feat->callback([feat] { run_features(*feat); });

    struct SynthConfig {
        std::string output_dir;
        int64_t train_paragraphs = 2000, dev_paragraphs = 200;
        int people = 1, questions = 2;
        uint64_t seed = 1;
    };
    auto synth          = std::make_shared<SynthConfig>();
    CLI::App* cmd_synth = data_cmd->add_subcommand(
        "synth",
        "Generate extractive-QA data (SQuAD v1.1 format): train.json, dev.json (disjoint names), corpus.txt");
    cmd_synth->add_option("--config", "TOML file whose keys are the flag names below (flags given here win)");
    cmd_synth->add_option("--output_dir", synth->output_dir, "Folder for train.json, dev.json and corpus.txt")
        ->required();
    cmd_synth->add_option("--train_paragraphs", synth->train_paragraphs)->capture_default_str();
    cmd_synth->add_option("--dev_paragraphs", synth->dev_paragraphs)->capture_default_str();
    cmd_synth
        ->add_option("--people_per_paragraph", synth->people,
                     "People described per paragraph (1 = no distractors)")
        ->capture_default_str();
    cmd_synth->add_option("--questions_per_person", synth->questions)->capture_default_str();
    cmd_synth->add_option("--seed", synth->seed)->capture_default_str();
    cmd_synth->callback([synth] {
        if (synth->people < 1 || synth->questions < 1 || synth->questions > 5) {
            throw InputError(
                "data synth: --people_per_paragraph must be >= 1 and --questions_per_person in 1..5");
        }
        data::SynthOptions train{synth->train_paragraphs, synth->people, synth->questions, synth->seed,
                                 false};
        data::SynthOptions dev{synth->dev_paragraphs, synth->people, synth->questions, synth->seed + 1000003,
                               true};
        const std::filesystem::path out = synth->output_dir;
        core::write_file_atomic(out / "train.json", data::synth_squad_json(train));
        core::write_file_atomic(out / "dev.json", data::synth_squad_json(dev));
        core::write_file_atomic(out / "corpus.txt", data::synth_corpus(train));
        std::printf("%s\n", nlohmann::json{{"train", (out / "train.json").string()},
                                           {"dev", (out / "dev.json").string()},
                                           {"corpus", (out / "corpus.txt").string()}}
                                .dump()
                                .c_str());
    });
}

}  // namespace bitswitch::cli
