// How an encoder frames one or two texts into one sequence of ids, and cuts them to a length.
//   RoBERTa: <s> A </s>            and   <s> A </s></s> B </s>    (fairseq's and Hugging Face's)
//   BERT:    [CLS] A [SEP]         and   [CLS] A [SEP] B [SEP]    (segment 1 from B's first token)
// The special tokens are found by name in the tokenizer's vocabulary, so a checkpoint's own vocab.json
// decides their ids. Texts are encoded as ordinary text: "<s>" written inside a text is not turned into
// the special token (Hugging Face's tokenizers split such strings out; GLUE's texts never contain them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bitswitch/core/enum_names.h"
#include "bitswitch/text/bpe_tokenizer.h"

namespace bitswitch::text {

enum class PairStyle { kRoberta, kBert };

inline constexpr core::EnumName<PairStyle> kPairStyleNames[] = {{PairStyle::kRoberta, "roberta"},
                                                                {PairStyle::kBert, "bert"}};

struct SpecialTokens {
    int32_t cls = -1, sep = -1, pad = -1, mask = -1, unk = -1;
};

struct SequenceFormat {
    PairStyle style = PairStyle::kRoberta;
    SpecialTokens tokens;

    /// RoBERTa's tokens (<s>, </s>, <pad>, <mask>, <unk>) looked up in `tokenizer`; InputError naming
    /// `vocab_name` and the missing token.
    static SequenceFormat roberta(const BpeTokenizer& tokenizer, const std::string& vocab_name);

    /// The special tokens a sequence of one text (pair false) or two gets.
    int64_t special_count(bool pair) const;
};

/// One framed sequence: ids, segment ids (RoBERTa: all 0; BERT: 1 from B's first token on), and how
/// many tokens of each text were kept.
struct FramedSequence {
    std::vector<int32_t> ids, segments;
    int64_t kept_a = 0, kept_b = 0;
};

/// Frames A (and B when `pair`) within `max_length` ids, specials included. Too long a pair is cut one
/// token at a time from the end of the longer text, from B when they are equally long (Hugging Face's
/// "longest_first"); a single text is cut at its end. InputError when max_length leaves no room for a text.
FramedSequence frame_sequence(const SequenceFormat& format, const std::vector<int32_t>& a,
                              const std::vector<int32_t>* b, int64_t max_length);

}  // namespace bitswitch::text
