// A tiny GPT-2 over the real vocabulary saved to a folder, generated QA data, and a short-run TrainConfig.
#pragma once

#include <string>

#include "bitswitch/train/train_config.h"
#include "support/temp_dir.h"

namespace bitswitch::testing {

struct TrainFixture {
    TempDir dir;
    std::string model_dir, train_file;
    TrainFixture();
    /// 3 steps of 4 windows of 96 tokens, logging every step, into <dir>/<out>.
    train::TrainConfig config(const std::string& out) const;
};

}  // namespace bitswitch::testing
