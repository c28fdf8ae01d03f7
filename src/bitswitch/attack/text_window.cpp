// The window a text attack edits (text_window.h).
#include "bitswitch/attack/text_window.h"

#include "bitswitch/core/error.h"
#include "bitswitch/data/batch.h"
#include "bitswitch/text/utf8.h"

namespace bitswitch::attack {

std::optional<TextWindow> answer_window(const text::BpeTokenizer& tokenizer,
                                        const data::SquadDataset& dataset,
                                        const std::vector<data::QAFeature>& features, size_t example,
                                        const std::vector<size_t>& rows) {
    const data::QAFeature* chosen = nullptr;
    for (const size_t row : rows) {
        if (features[row].start_position > 0) {
            chosen = &features[row];
            break;
        }
    }
    if (!chosen) return std::nullopt;
    const auto& ex      = dataset.examples[example];
    const auto& context = dataset.context_of(ex);
    const auto full     = tokenizer.encode_with_offsets(context);
    TextWindow w;
    w.feature = chosen;
    w.length  = data::real_length(*chosen);
    w.spans.assign(size_t(w.length), text::Offset{data::kNoOffset, data::kNoOffset});
    // The window is a run of the context's tokens: find where it starts by ids and (trimmed) offsets.
    const int64_t cb = chosen->context_begin, n = chosen->context_end - chosen->context_begin;
    int64_t first = -1;
    for (int64_t k = 0; k + n <= int64_t(full.ids.size()) && first < 0; ++k) {
        bool match = true;
        for (int64_t i = 0; i < n && match; ++i) {
            const auto& trimmed = chosen->offsets[size_t(cb + i)];
            const auto& span    = full.offsets[size_t(k + i)];
            match               = full.ids[size_t(k + i)] == chosen->input_ids[size_t(cb + i)] &&
                    span.start <= trimmed.start && trimmed.end <= span.end;
        }
        if (match) first = k;
    }
    if (first < 0) throw Error("answer_window: the window's tokens are not a run of its context's tokens");
    for (int64_t i = 0; i < n; ++i) w.spans[size_t(cb + i)] = full.offsets[size_t(first + i)];
    for (int64_t i = 0; i < n; ++i) {
        const auto& span = w.spans[size_t(cb + i)];
        bool clear       = text::utf8_is_valid(tokenizer.decode_bytes({chosen->input_ids[size_t(cb + i)]}));
        for (const auto& a : ex.answers) {
            const int64_t end = a.start + int64_t(text::utf8_length(a.text));
            if (span.start < end && a.start < span.end) clear = false;
        }
        if (clear) w.attackable.push_back(cb + i);
    }
    return w;
}

std::vector<std::vector<size_t>> features_by_example(const data::SquadDataset& dataset,
                                                     const std::vector<data::QAFeature>& features) {
    std::vector<std::vector<size_t>> out(dataset.examples.size());
    for (size_t i = 0; i < features.size(); ++i) out[size_t(features[i].example_index)].push_back(i);
    return out;
}

}  // namespace bitswitch::attack
