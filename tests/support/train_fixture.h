// A tiny GPT-2 over the real vocabulary saved to a folder, generated QA data, and TrainConfigs for it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/data/synth.h"
#include "bitswitch/train/train_config.h"
#include "support/temp_dir.h"

namespace bitswitch::testing {

/// What the training tests' fixtures differ in: the model's width and the generated data.
struct TrainFixtureOptions {
    int64_t n_embd = 16;  // tiny_config()'s
    int64_t n_head = 2;
    data::SynthOptions train{40, 1, 2, 1, false, false};
    data::SynthOptions dev{0, 1, 2, 2, true, false};  // 0 paragraphs: no dev file
};

struct TrainFixture {
    TempDir dir;
    std::string model_dir, train_file, dev_file;  // dev_file empty without dev data
    explicit TrainFixture(const TrainFixtureOptions& options = {});
    /// The model and training data in windows of 96 tokens (stride 32, questions up to 24), into <dir>/<out>.
    train::TrainConfig base_config(const std::string& out) const;
    /// base_config plus a short run: 3 steps of 4 windows, logging every step, rank-2 LoRA.
    train::TrainConfig config(const std::string& out) const;
};

/// The lines of a JSON-lines file (log.jsonl, schedule.jsonl).
std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path);

/// Trains `config` as a run killed after step `stop_after` (the newest checkpoint is then the last one
/// before it), then continues it with --resume to the end, in config.output_dir.
void train_with_interruption(train::TrainConfig config, int64_t stop_after);

}  // namespace bitswitch::testing
