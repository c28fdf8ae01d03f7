// Extractive-QA features for a decoder model, as Hugging Face's run_qa.py builds them for GPT-2:
//   input = question tokens + a window of context tokens (no separator: GPT-2 has no special tokens
//   for pairs), right-padded to max_seq_length.
// Choices where GPT-2 differs from BERT-style models (docs/FORMATS.md):
// - Padding uses <|endoftext|> (id 50256) with attention_mask 0; GPT-2 has no pad token.
// - "No answer here" is position 0 for both start and end (run_qa.py's rule when there is no CLS token).
// - The question (leading whitespace stripped, as run_qa.py does) is cut to its first max_question_length
//   tokens; windows then hold max_seq_length - question tokens of context, consecutive windows sharing
//   doc_stride tokens (run_qa.py's `stride`).
// - Offsets of context tokens are trimmed of leading/trailing whitespace (HF's trim_offsets), so answers
//   cut from the context start at a word, not at the space before it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/data/squad.h"
#include "bitswitch/text/bpe_tokenizer.h"

namespace bitswitch::data {

struct FeatureOptions {
    int max_seq_length      = 384;
    int doc_stride          = 128;
    int max_question_length = 64;
    int32_t pad_id          = 50256;  // <|endoftext|>
};

/// Throws InputError naming the flag when the lengths cannot make a window.
void validate(const FeatureOptions& options);

inline constexpr int64_t kNoOffset = -1;  // offsets of question and padding tokens

struct QAFeature {
    int32_t example_index = 0;            // into SquadDataset::examples
    std::vector<int32_t> input_ids;       // (max_seq_length)
    std::vector<uint8_t> attention_mask;  // 1 for question and context tokens, 0 for padding
    std::vector<text::Offset> offsets;    // code points into the context; kNoOffset outside the context
    int32_t context_begin  = 0;           // token index of the first context token of this window
    int32_t context_end    = 0;           // one past the last context token
    int32_t start_position = 0;           // label: first answer token, or 0 (no answer in this window)
    int32_t end_position   = 0;           // label: last answer token (inclusive), or 0
};

/// Features of every example, in example order (an example yields one feature per window).
/// Labels come from the first answer, as in run_qa.py's training features.
std::vector<QAFeature> build_features(const SquadDataset& dataset, const text::BpeTokenizer& tokenizer,
                                      const FeatureOptions& options);

/// `bitswitch data check` / `data features`: the file's counts (articles, questions, answers, ...) and, with
/// features, how many windows there are, carry an answer, and the most windows one question needed.
nlohmann::ordered_json dataset_summary(const SquadDataset& dataset);
nlohmann::ordered_json feature_summary(const SquadDataset& dataset, const std::vector<QAFeature>& features);

/// One JSON line per feature: id, input_ids (up to the context's end), context_begin, context_offsets,
/// start_position, end_position.
std::string features_jsonl(const SquadDataset& dataset, const std::vector<QAFeature>& features);

/// `bitswitch data features`: a SQuAD file's features.
struct FeaturesReportConfig {
    std::string file;
    bool skip_invalid = false;
    std::string tokenizer_dir;  // default: the shipped GPT-2 files
    FeatureOptions features;
    std::string output;  // write features_jsonl here when given (atomically)
};

/// Loads, tokenizes and windows the file; returns feature_summary.
nlohmann::ordered_json report_features(const FeaturesReportConfig& config);

}  // namespace bitswitch::data
