// Edited contexts and adversarial SQuAD files (adversarial_text.h).
#include "bitswitch/attack/adversarial_text.h"

#include <algorithm>

#include <fmt/format.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/text/utf8.h"

namespace bitswitch::attack {
namespace {

std::vector<ContextEdit> sorted_edits(std::vector<ContextEdit> edits, int64_t length,
                                      const std::vector<data::Answer>& answers) {
    std::sort(edits.begin(), edits.end(),
              [](const ContextEdit& a, const ContextEdit& b) { return a.begin < b.begin; });
    for (size_t i = 0; i < edits.size(); ++i) {
        const auto& e = edits[i];
        if (e.begin < 0 || e.end < e.begin || e.end > length)
            throw Error(fmt::format("edit [{}, {}) is outside the context of {} code points", e.begin, e.end,
                                    length));
        if (i > 0 && edits[i - 1].end > e.begin)
            throw Error(fmt::format("edits [{}, {}) and [{}, {}) overlap", edits[i - 1].begin,
                                    edits[i - 1].end, e.begin, e.end));
        for (const auto& a : answers) {
            const int64_t answer_end = a.start + int64_t(text::utf8_length(a.text));
            if (e.begin < answer_end && a.start < e.end)
                throw Error(fmt::format("edit [{}, {}) overlaps the answer \"{}\" at {}", e.begin, e.end,
                                        a.text, a.start));
        }
    }
    return edits;
}

}  // namespace

EditedContext apply_edits(const std::string& context, const std::vector<data::Answer>& answers,
                          const std::vector<ContextEdit>& edits) {
    const std::u32string original = text::utf8_to_u32(context);
    const auto sorted             = sorted_edits(edits, int64_t(original.size()), answers);
    EditedContext out;
    int64_t at = 0;
    std::u32string edited;
    for (const auto& e : sorted) {
        edited.append(original, size_t(at), size_t(e.begin - at));
        edited += text::utf8_to_u32(e.replacement);
        at = e.end;
    }
    edited.append(original, size_t(at), std::u32string::npos);
    out.context = text::u32_to_utf8(edited);
    for (const auto& a : answers) {
        int64_t start = a.start;
        for (const auto& e : sorted) {
            if (e.end <= a.start) start += int64_t(text::utf8_length(e.replacement)) - (e.end - e.begin);
        }
        out.answers.push_back({a.text, start});
    }
    return out;
}

data::SquadDataset adversarial_dataset(const data::SquadDataset& clean,
                                       const std::vector<AdversarialQuestion>& questions) {
    data::SquadDataset out;
    out.path    = clean.path;
    out.version = clean.version;
    for (const auto& q : questions) {
        auto e              = clean.examples.at(q.example);
        const auto edited   = apply_edits(clean.context_of(e), e.answers, q.edits);
        e.answers           = edited.answers;
        e.plausible_answers = {};
        e.context_index     = int32_t(out.contexts.size());
        out.contexts.push_back(edited.context);
        out.examples.push_back(std::move(e));
    }
    out.n_articles   = 0;
    out.n_paragraphs = int64_t(out.contexts.size());
    return out;
}

void write_adversarial_dataset(const std::filesystem::path& path, const data::SquadDataset& clean,
                               const std::vector<AdversarialQuestion>& questions) {
    const auto dataset = adversarial_dataset(clean, questions);
    const auto extra   = [&](size_t i) {
        const auto& q                 = questions[i];
        const std::u32string original = text::utf8_to_u32(clean.context_of(clean.examples[q.example]));
        nlohmann::ordered_json edits  = nlohmann::ordered_json::array();
        for (const auto& e : q.edits) {
            edits.push_back(
                  {{"begin", e.begin},
                 {"end", e.end},
                 {"original", text::u32_to_utf8(original.substr(size_t(e.begin), size_t(e.end - e.begin)))},
                 {"replacement", e.replacement}});
        }
        return nlohmann::ordered_json{{"attack", q.record}, {"edits", std::move(edits)}};
    };
    core::write_file_atomic(path, data::squad_json(dataset, extra));
}

}  // namespace bitswitch::attack
