// Framing and truncation of encoder inputs.
#include "bitswitch/text/sequence_format.h"

#include <fmt/format.h>

#include "bitswitch/core/error.h"

namespace bitswitch::text {

SequenceFormat SequenceFormat::roberta(const BpeTokenizer& tokenizer, const std::string& vocab_name) {
    const auto find = [&](const char* token) {
        const int32_t id = tokenizer.token_id(token);
        if (id < 0) {
            throw InputError(
                fmt::format("{}: no token \"{}\" (RoBERTa's vocabulary has <s>, </s>, <pad>, <mask> "
                            "and <unk>; is this a GPT-2 vocabulary?)",
                            vocab_name, token));
        }
        return id;
    };
    SequenceFormat f;
    f.style  = PairStyle::kRoberta;
    f.tokens = {find("<s>"), find("</s>"), find("<pad>"), find("<mask>"), find("<unk>")};
    return f;
}

int64_t SequenceFormat::special_count(bool pair) const {
    if (!pair) return 2;
    return style == PairStyle::kRoberta ? 4 : 3;
}

FramedSequence frame_sequence(const SequenceFormat& format, const std::vector<int32_t>& a,
                              const std::vector<int32_t>* b, int64_t max_length) {
    const bool pair      = b != nullptr;
    const int64_t budget = max_length - format.special_count(pair);
    if (budget < (pair ? 2 : 1)) {
        throw InputError(fmt::format("--max_seq_length {}: leaves no room for the text ({} special tokens{})",
                                     max_length, format.special_count(pair), pair ? " and two texts" : ""));
    }
    FramedSequence s;
    s.kept_a = int64_t(a.size());
    s.kept_b = pair ? int64_t(b->size()) : 0;
    while (s.kept_a + s.kept_b > budget) {
        if (s.kept_a > s.kept_b) {
            --s.kept_a;
        } else {
            --s.kept_b;
        }
    }
    const SpecialTokens& t = format.tokens;
    s.ids.push_back(t.cls);
    s.ids.insert(s.ids.end(), a.begin(), a.begin() + s.kept_a);
    s.ids.push_back(t.sep);
    if (pair) {
        if (format.style == PairStyle::kRoberta) s.ids.push_back(t.sep);
        s.ids.insert(s.ids.end(), b->begin(), b->begin() + s.kept_b);
        s.ids.push_back(t.sep);
    }
    s.segments.assign(s.ids.size(), 0);
    if (pair && format.style == PairStyle::kBert) {
        for (size_t i = size_t(s.kept_a) + 2; i < s.ids.size(); ++i) s.segments[i] = 1;
    }
    return s;
}

}  // namespace bitswitch::text
