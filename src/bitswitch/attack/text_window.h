// The part of a question a text attack works on: the window (feature) that holds its first gold answer,
// with each context token's full span in the context (untrimmed: " the" with its space, so that replacing a
// token's text replaces exactly its characters) and which tokens may change. A token may change when the
// threat model allows it, its full span stays clear of every gold answer, and it holds whole characters
// (byte-level BPE splits rare characters over tokens whose spans overlap).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bitswitch/data/qa_features.h"
#include "bitswitch/data/squad.h"
#include "bitswitch/text/bpe_tokenizer.h"

namespace bitswitch::attack {

struct TextWindow {
    const data::QAFeature* feature = nullptr;
    int64_t length                 = 0;  // real tokens (question + context)
    std::vector<text::Offset> spans;     // per position up to length: full span in the context; kNoOffset
                                         // for question tokens
    std::vector<int64_t> attackable;     // positions a token attack may change, ascending
};

/// The window among the example's features (`rows` of `features`) that labels the first answer, or nullopt
/// when none does (the answer lies past max_seq_length's reach).
std::optional<TextWindow> answer_window(const text::BpeTokenizer& tokenizer,
                                        const data::SquadDataset& dataset,
                                        const std::vector<data::QAFeature>& features, size_t example,
                                        const std::vector<size_t>& rows);

/// Indices of each example's features, by example.
std::vector<std::vector<size_t>> features_by_example(const data::SquadDataset& dataset,
                                                     const std::vector<data::QAFeature>& features);

}  // namespace bitswitch::attack
