// Question + context windows with offsets and span labels (HF run_qa.py's prepare_*_features for GPT-2).
#include "bitswitch/data/qa_features.h"

#include <algorithm>

#include <fmt/format.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/text/unicode.h"
#include "bitswitch/text/utf8.h"

namespace bitswitch::data {
namespace {

bool is_space(char32_t cp) {
    return text::classify(cp) == text::CharClass::Whitespace;
}

// HF's trim_offsets: a token " Denver" covers "Denver". An all-whitespace token keeps its span.
void trim_offsets(std::vector<text::Offset>& offsets, const std::u32string& context) {
    for (auto& o : offsets) {
        int64_t s = o.start, e = o.end;
        while (s < e && is_space(context[size_t(s)])) ++s;
        while (e > s && is_space(context[size_t(e - 1)])) --e;
        if (s < e) o = {s, e};
    }
}

std::string lstrip(const std::string& s) {
    const std::u32string cps = text::utf8_to_u32(s);
    size_t i                 = 0;
    while (i < cps.size() && is_space(cps[i])) ++i;
    return text::u32_to_utf8(cps.substr(i));
}

// Label of one window (run_qa.py): the tokens holding the answer's first and last characters, or 0/0
// when the answer is not wholly inside the window.
void label_window(QAFeature& f, const Answer& answer, int64_t answer_end) {
    const auto& off = f.offsets;
    if (f.context_begin == f.context_end || off[size_t(f.context_begin)].start > answer.start ||
        off[size_t(f.context_end - 1)].end < answer_end) {
        return;
    }
    int32_t start = f.context_begin;
    while (start < f.context_end && off[size_t(start)].start <= answer.start) ++start;
    int32_t end = f.context_end - 1;
    while (end >= f.context_begin && off[size_t(end)].end >= answer_end) --end;
    f.start_position = start - 1;
    f.end_position   = end + 1;
}

}  // namespace

void validate(const FeatureOptions& o) {
    if (o.max_seq_length < 2)
        throw InputError(fmt::format("--max_seq_length {} must be at least 2", o.max_seq_length));
    if (o.doc_stride < 0) throw InputError(fmt::format("--doc_stride {} must not be negative", o.doc_stride));
    if (o.max_question_length < 1) {
        throw InputError(fmt::format("--max_question_length {} must be at least 1", o.max_question_length));
    }
    if (o.max_seq_length - o.max_question_length <= o.doc_stride) {
        throw InputError(fmt::format(
            "--max_seq_length {} leaves {} context tokens after a question of up to "
            "--max_question_length {}, not more than --doc_stride {}: windows would not "
            "advance; raise --max_seq_length or lower --doc_stride / --max_question_length",
            o.max_seq_length, o.max_seq_length - o.max_question_length, o.max_question_length, o.doc_stride));
    }
}

std::vector<QAFeature> build_features(const SquadDataset& ds, const text::BpeTokenizer& tok,
                                      const FeatureOptions& o) {
    validate(o);
    std::vector<QAFeature> features;
    // Questions of one paragraph are consecutive: tokenize each context once.
    int32_t cached_context = -1;
    text::Encoding context_enc;
    std::u32string context_cps;
    for (size_t ei = 0; ei < ds.examples.size(); ++ei) {
        const QAExample& ex = ds.examples[ei];
        if (ex.context_index != cached_context) {
            cached_context = ex.context_index;
            context_cps    = text::utf8_to_u32(ds.context_of(ex));
            context_enc    = tok.encode_with_offsets(ds.context_of(ex));
            trim_offsets(context_enc.offsets, context_cps);
        }
        std::vector<int32_t> question = tok.encode(lstrip(ex.question));
        if (question.size() > size_t(o.max_question_length)) question.resize(size_t(o.max_question_length));
        const int64_t q_len      = int64_t(question.size());
        const int64_t window_len = o.max_seq_length - q_len;
        const int64_t n_context  = int64_t(context_enc.ids.size());

        const Answer* answer     = ex.answers.empty() ? nullptr : &ex.answers.front();
        const int64_t answer_end = answer ? answer->start + int64_t(text::utf8_length(answer->text)) : 0;
        for (int64_t begin = 0;; begin += window_len - o.doc_stride) {
            const int64_t n = std::min(window_len, n_context - begin);
            QAFeature f;
            f.example_index = int32_t(ei);
            f.input_ids.assign(size_t(o.max_seq_length), o.pad_id);
            f.attention_mask.assign(size_t(o.max_seq_length), 0);
            f.offsets.assign(size_t(o.max_seq_length), text::Offset{kNoOffset, kNoOffset});
            std::copy(question.begin(), question.end(), f.input_ids.begin());
            std::copy(context_enc.ids.begin() + begin, context_enc.ids.begin() + begin + n,
                      f.input_ids.begin() + q_len);
            std::copy(context_enc.offsets.begin() + begin, context_enc.offsets.begin() + begin + n,
                      f.offsets.begin() + q_len);
            std::fill(f.attention_mask.begin(), f.attention_mask.begin() + q_len + n, 1);
            f.context_begin = int32_t(q_len);
            f.context_end   = int32_t(q_len + n);
            if (answer) label_window(f, *answer, answer_end);
            features.push_back(std::move(f));
            if (begin + n >= n_context) break;
        }
    }
    return features;
}

nlohmann::ordered_json dataset_summary(const SquadDataset& ds) {
    int64_t answers = 0, impossible = 0;
    for (const auto& e : ds.examples) {
        answers += int64_t(e.answers.size());
        impossible += e.is_impossible ? 1 : 0;
    }
    return {{"file", ds.path},
            {"version", ds.version},
            {"articles", ds.n_articles},
            {"paragraphs", ds.n_paragraphs},
            {"questions", ds.examples.size()},
            {"answers", answers},
            {"impossible", impossible},
            {"skipped_invalid", ds.n_skipped}};
}

nlohmann::ordered_json feature_summary(const SquadDataset& ds, const std::vector<QAFeature>& features) {
    int64_t labelled = 0, max_windows = 0, windows = 0;
    int32_t last_example = -1;
    for (const auto& f : features) {
        labelled += f.start_position > 0 ? 1 : 0;
        windows      = f.example_index == last_example ? windows + 1 : 1;
        last_example = f.example_index;
        max_windows  = std::max(max_windows, windows);
    }
    auto summary                        = dataset_summary(ds);
    summary["features"]                 = features.size();
    summary["features_with_answer"]     = labelled;
    summary["max_windows_per_question"] = max_windows;
    return summary;
}

std::string features_jsonl(const SquadDataset& ds, const std::vector<QAFeature>& features) {
    std::string jsonl;
    for (const auto& f : features) {
        nlohmann::json offsets = nlohmann::json::array();
        for (int32_t t = f.context_begin; t < f.context_end; ++t)
            offsets.push_back({f.offsets[t].start, f.offsets[t].end});
        const nlohmann::ordered_json j{
            {"id", ds.examples[size_t(f.example_index)].id},
            {"input_ids", std::vector<int32_t>(f.input_ids.begin(), f.input_ids.begin() + f.context_end)},
            {"context_begin", f.context_begin},
            {"context_offsets", offsets},
            {"start_position", f.start_position},
            {"end_position", f.end_position}};
        jsonl += j.dump() + "\n";
    }
    return jsonl;
}

nlohmann::ordered_json report_features(const FeaturesReportConfig& c) {
    validate(c.features);
    SquadLoadOptions load;
    load.skip_invalid   = c.skip_invalid;
    const auto ds       = load_squad(c.file, load);
    const auto tok      = text::BpeTokenizer::load(core::tokenizer_dir_for(c.tokenizer_dir));
    const auto features = build_features(ds, tok, c.features);
    if (!c.output.empty()) core::write_file_atomic(c.output, features_jsonl(ds, features));
    return feature_summary(ds, features);
}

}  // namespace bitswitch::data
