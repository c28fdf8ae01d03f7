// n-best span selection per example (HF utils_qa.py), predictions.json / nbest_predictions.json.
#include "bitswitch/eval/postprocess.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/text/utf8.h"

namespace bitswitch::eval {
std::vector<int> best_positions(const float* values, int n, int k) {
    std::vector<int> idx(static_cast<size_t>(n));
    std::iota(idx.begin(), idx.end(), 0);
    k = std::min(k, n);
    std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                      [&](int a, int b) { return values[a] != values[b] ? values[a] > values[b] : a < b; });
    idx.resize(size_t(k));
    return idx;
}

std::vector<ExamplePrediction> postprocess_qa_predictions(const data::SquadDataset& ds,
                                                          const std::vector<data::QAFeature>& features,
                                                          const std::vector<float>& start_logits,
                                                          const std::vector<float>& end_logits,
                                                          const PostprocessOptions& o) {
    const size_t seq_len = features.empty() ? 0 : features.front().input_ids.size();
    if (start_logits.size() != features.size() * seq_len || end_logits.size() != features.size() * seq_len) {
        throw Error(fmt::format("postprocess: expected {} x {} start and end logits, got {} and {}",
                                features.size(), seq_len, start_logits.size(), end_logits.size()));
    }
    std::vector<std::vector<size_t>> features_of(ds.examples.size());
    for (size_t i = 0; i < features.size(); ++i) features_of[size_t(features[i].example_index)].push_back(i);

    std::vector<ExamplePrediction> out;
    out.reserve(ds.examples.size());
    for (size_t ei = 0; ei < ds.examples.size(); ++ei) {
        const data::QAExample& ex = ds.examples[ei];
        std::vector<Candidate> prelim;
        bool have_null = false;
        Candidate null_candidate;
        for (const size_t fi : features_of[ei]) {
            const data::QAFeature& f = features[fi];
            const float* start       = start_logits.data() + fi * seq_len;
            const float* end         = end_logits.data() + fi * seq_len;
            const float null_score   = start[0] + end[0];
            if (!have_null || null_candidate.score > null_score) {  // the minimum over windows
                have_null      = true;
                null_candidate = Candidate{"", start[0], end[0], null_score, 0.0, 0, 0};
            }
            const auto starts = best_positions(start, int(seq_len), o.n_best_size);
            const auto ends   = best_positions(end, int(seq_len), o.n_best_size);
            for (const int s : starts) {
                for (const int e : ends) {
                    // Only spans inside this window's context (question and padding have no offsets).
                    if (f.offsets[size_t(s)].start == data::kNoOffset ||
                        f.offsets[size_t(e)].start == data::kNoOffset) {
                        continue;
                    }
                    if (e < s || e - s + 1 > o.max_answer_length) continue;
                    prelim.push_back(Candidate{"", start[s], end[e], start[s] + end[e], 0.0,
                                               f.offsets[size_t(s)].start, f.offsets[size_t(e)].end});
                }
            }
        }
        if (o.version_2_with_negative && have_null) prelim.push_back(null_candidate);
        // Stable: equal scores keep their order of discovery, as Python's sorted() does.
        std::stable_sort(prelim.begin(), prelim.end(),
                         [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
        if (prelim.size() > size_t(o.n_best_size)) prelim.resize(size_t(o.n_best_size));
        if (o.version_2_with_negative && have_null) {
            const bool kept = std::any_of(prelim.begin(), prelim.end(), [](const Candidate& c) {
                return c.char_start == 0 && c.char_end == 0;
            });
            if (!kept) prelim.push_back(null_candidate);
        }
        const std::u32string context = text::utf8_to_u32(ds.context_of(ex));
        for (auto& c : prelim) {
            c.text =
                text::u32_to_utf8(context.substr(size_t(c.char_start), size_t(c.char_end - c.char_start)));
        }
        // No valid span (or only the null one): utils_qa.py answers "empty" to avoid failing.
        if (prelim.empty() || (prelim.size() == 1 && prelim.front().text.empty())) {
            prelim.insert(prelim.begin(), Candidate{"empty", 0.0f, 0.0f, 0.0f, 0.0, 0, 0});
        }
        float max_score = prelim.front().score;
        for (const auto& c : prelim) max_score = std::max(max_score, c.score);
        double total = 0.0;
        for (auto& c : prelim) total += (c.probability = std::exp(double(c.score) - double(max_score)));
        for (auto& c : prelim) c.probability /= total;

        ExamplePrediction p;
        p.id = ex.id;
        if (!o.version_2_with_negative) {
            p.text = prelim.front().text;
        } else {
            size_t i = 0;
            while (i + 1 < prelim.size() && prelim[i].text.empty()) ++i;
            const Candidate& best = prelim[i];
            p.null_score_diff =
                double(null_candidate.score) - double(best.start_logit) - double(best.end_logit);
            p.text = p.null_score_diff > o.null_score_diff_threshold ? std::string() : best.text;
        }
        p.nbest = std::move(prelim);
        out.push_back(std::move(p));
    }
    return out;
}

std::string predictions_json(const std::vector<ExamplePrediction>& predictions) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const auto& p : predictions) j[p.id] = p.text;
    return j.dump(4) + "\n";
}

std::string nbest_json(const std::vector<ExamplePrediction>& predictions) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const auto& p : predictions) {
        auto list = nlohmann::ordered_json::array();
        for (const auto& c : p.nbest) {
            list.push_back({{"text", c.text},
                            {"probability", c.probability},
                            {"start_logit", c.start_logit},
                            {"end_logit", c.end_logit}});
        }
        j[p.id] = std::move(list);
    }
    return j.dump(4) + "\n";
}

}  // namespace bitswitch::eval
