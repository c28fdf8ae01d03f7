// Tiny RoBERTa encoders for fast tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "bitswitch/model/encoder_config.h"

namespace bitswitch::testing {

/// 2 layers, 16 wide, 2 heads, feed-forward 40, vocabulary 64, 20 positions (18 tokens after RoBERTa's
/// padding offset), with a classifier for `labels` (none: no classification head).
model::EncoderConfig tiny_encoder_config(std::vector<std::string> labels = {});

/// Writes `dir` as a Hugging Face RoBERTa folder without a head: 1 layer, 32 wide, 2 heads, feed-forward 64,
/// over RoBERTa's real vocabulary (the shipped tokenizer's), `max_positions` positions, no dropout, random
/// weights from `seed`: a base model for fine-tuning tests.
void save_real_vocab_encoder(const std::filesystem::path& dir, uint64_t seed, int64_t max_positions);

}  // namespace bitswitch::testing
