// The text both pretraining loops learn from (GPT-2's causal LM and the encoder's masked LM): documents from
// text files (one per line) and SQuAD JSON files (their contexts), tokenized and joined into one stream with
// a separator token, and the restricted softmax's classes: the distinct ids of the stream. A small model's
// loss runs over those ids only (a 10-20k subset of a 50k vocabulary): ids that never occur would only be
// pushed down, and the full softmax would cost most of the step.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "bitswitch/text/bpe_tokenizer.h"

namespace bitswitch::train {

struct TokenCorpus {
    torch::Tensor stream;     // (N) int64: every document's ids, each followed by the separator
    torch::Tensor vocab_ids;  // (K) int64: the distinct ids of the stream, in order of first occurrence
    torch::Tensor class_of;   // (vocab size) int64: an id's index in vocab_ids, -1 for ids not in the stream
    int64_t size() const { return stream.size(0); }
    int64_t classes() const { return vocab_ids.size(0); }
};

/// The documents of one corpus file: a SQuAD JSON file's contexts (by the .json extension), otherwise its
/// non-empty lines. InputError naming the file when it cannot be read or parsed.
std::vector<std::string> corpus_documents(const std::string& path);

/// All files' documents tokenized with `tokenizer`, each followed by `separator_id`.
TokenCorpus load_token_corpus(const std::vector<std::string>& files, const text::BpeTokenizer& tokenizer,
                              int64_t separator_id);

}  // namespace bitswitch::train
