// GLUE examples -> encoder inputs: each example's text (or pair) tokenized and framed as the encoder's
// tokenizer frames it (text/sequence_format.h), cut to max_seq_length; then padded batches. Batches are
// cut to their longest sequence: with a padding mask the extra pad columns change nothing for the real
// tokens of a bidirectional encoder either.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/types.h>

#include "bitswitch/data/batch.h"
#include "bitswitch/data/glue.h"
#include "bitswitch/text/bpe_tokenizer.h"
#include "bitswitch/text/sequence_format.h"

namespace bitswitch::data {

struct GlueFeatures {
    std::vector<std::vector<int32_t>> ids;  // framed, unpadded, one per example
    std::vector<int32_t> labels;            // class per example (-1 unlabeled or regression)
    std::vector<float> scores;              // STS-B's similarity per example
    int64_t truncated = 0;                  // examples cut to fit max_seq_length
    int32_t pad_id    = 1;
};

/// Tokenizes and frames every example of `dataset`.
GlueFeatures build_glue_features(const GlueDataset& dataset, const text::BpeTokenizer& tokenizer,
                                 const text::SequenceFormat& format, int64_t max_seq_length);

/// How an encoder's GLUE rows are framed, the same for training and evaluation: the tokenizer
/// (`tokenizer_dir` when given, else the model folder's files, else the shipped RoBERTa tokenizer), RoBERTa's
/// `<s> A </s></s> B </s>`, and the cut at the smaller of `max_seq_length` and the encoder's positions
/// `encoder_max_tokens` (a longer sequence could not run).
class EncoderFraming {
  public:
    EncoderFraming(const std::string& tokenizer_dir, const std::filesystem::path& model_dir,
                   int64_t max_seq_length, int64_t encoder_max_tokens);
    GlueFeatures features(const GlueDataset& dataset) const;

  private:
    EncoderFraming(const std::filesystem::path& resolved_dir, int64_t max_length);

    text::BpeTokenizer tokenizer_;
    text::SequenceFormat format_;
    int64_t max_length_;
};

/// The examples at `indices`, padded to the longest of them with the pad id: input_ids, attention_mask,
/// labels and scores of a data::Batch.
Batch make_classification_batch(const GlueFeatures& features, const std::vector<size_t>& indices);

}  // namespace bitswitch::data
