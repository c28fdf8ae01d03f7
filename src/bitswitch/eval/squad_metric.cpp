// Official SQuAD v1.1 / v2.0 EM and F1.
#include "bitswitch/eval/squad_metric.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "bitswitch/eval/python_text.h"
#include "bitswitch/text/utf8.h"

namespace bitswitch::eval {
namespace {

// string.punctuation: ASCII only, so "“" or "–" survive normalisation, exactly as in the official script.
bool is_ascii_punctuation(char32_t c) {
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
}

// re.sub(r'\b(a|an|the)\b', ' ', text): a match starts where a word starts and ends where it ends.
std::u32string remove_articles(const std::u32string& s) {
    std::u32string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        const bool word_starts = py_is_word(s[i]) && (i == 0 || !py_is_word(s[i - 1]));
        if (word_starts) {
            size_t len = 0;
            for (const std::u32string article : {U"a", U"an", U"the"}) {  // regex order: first that fits wins
                const size_t n = article.size();
                if (s.compare(i, n, article) == 0 && (i + n == s.size() || !py_is_word(s[i + n]))) {
                    len = n;
                    break;
                }
            }
            if (len > 0) {
                out.push_back(U' ');
                i += len;
                continue;
            }
        }
        out.push_back(s[i++]);
    }
    return out;
}

std::u32string normalize_u32(const std::string& s) {
    std::u32string lowered = py_lower(text::utf8_to_u32(s));
    lowered.erase(std::remove_if(lowered.begin(), lowered.end(), is_ascii_punctuation), lowered.end());
    std::u32string joined;
    for (const auto& part : py_split(remove_articles(lowered))) {
        if (!joined.empty()) joined.push_back(U' ');
        joined += part;
    }
    return joined;
}

std::vector<std::u32string> tokens_of(const std::string& s) {
    return py_split(normalize_u32(s));
}

// Counter(a) & Counter(b), summed.
int64_t common_token_count(const std::vector<std::u32string>& a, const std::vector<std::u32string>& b) {
    std::unordered_map<std::u32string, int64_t> counts;
    for (const auto& t : a) ++counts[t];
    int64_t same = 0;
    for (const auto& t : b) {
        auto it = counts.find(t);
        if (it != counts.end() && it->second > 0) {
            --it->second;
            ++same;
        }
    }
    return same;
}

double f1_of_counts(int64_t same, size_t n_pred, size_t n_gold) {
    const double precision = 1.0 * double(same) / double(n_pred);
    const double recall    = 1.0 * double(same) / double(n_gold);
    return (2 * precision * recall) / (precision + recall);
}

}  // namespace

std::string normalize_answer(const std::string& s) {
    return text::u32_to_utf8(normalize_u32(s));
}

double f1_score(const std::string& prediction, const std::string& ground_truth) {
    const auto pred = tokens_of(prediction), gold = tokens_of(ground_truth);
    const int64_t same = common_token_count(pred, gold);
    return same == 0 ? 0.0 : f1_of_counts(same, pred.size(), gold.size());
}

bool exact_match(const std::string& prediction, const std::string& ground_truth) {
    return normalize_u32(prediction) == normalize_u32(ground_truth);
}

double f1_score_v2(const std::string& gold, const std::string& prediction) {
    const auto gold_toks = tokens_of(gold), pred_toks = tokens_of(prediction);
    if (gold_toks.empty() || pred_toks.empty()) return gold_toks == pred_toks ? 1.0 : 0.0;
    const int64_t same = common_token_count(gold_toks, pred_toks);
    return same == 0 ? 0.0 : f1_of_counts(same, pred_toks.size(), gold_toks.size());
}

SquadV1Result evaluate_v1(const data::SquadDataset& ds, const Predictions& predictions, const WarnFn& warn) {
    SquadV1Result r;
    double em = 0.0, f1 = 0.0;
    for (const auto& e : ds.examples) {
        ++r.total;
        const auto it = predictions.find(e.id);
        if (it == predictions.end()) {
            ++r.missing;
            if (warn) warn(fmt::format("Unanswered question {} will receive score 0.", e.id));
            r.question_em.push_back(0.0);
            r.question_f1.push_back(0.0);
            continue;
        }
        double best_em = 0.0, best_f1 = 0.0;
        for (size_t i = 0; i < e.answers.size(); ++i) {
            const double m = exact_match(it->second, e.answers[i].text) ? 1.0 : 0.0;
            const double f = f1_score(it->second, e.answers[i].text);
            best_em        = i == 0 ? m : std::max(best_em, m);
            best_f1        = i == 0 ? f : std::max(best_f1, f);
        }
        em += best_em;
        f1 += best_f1;
        r.question_em.push_back(best_em);
        r.question_f1.push_back(best_f1);
    }
    if (r.total > 0) {
        r.exact_match = 100.0 * em / double(r.total);
        r.f1          = 100.0 * f1 / double(r.total);
    }
    return r;
}

SquadV2Result evaluate_v2(const data::SquadDataset& ds, const Predictions& predictions, const WarnFn& warn) {
    SquadV2Result r;
    double em = 0, f1 = 0, has_em = 0, has_f1 = 0, no_em = 0, no_f1 = 0;
    for (const auto& e : ds.examples) {
        const bool has_answer = !e.answers.empty();
        ++r.total;
        ++(has_answer ? r.has_ans_total : r.no_ans_total);
        const auto it = predictions.find(e.id);
        if (it == predictions.end()) {
            ++r.missing;
            if (warn) warn(fmt::format("Missing prediction for {} will receive score 0.", e.id));
            r.question_em.push_back(0.0);
            r.question_f1.push_back(0.0);
            continue;
        }
        std::vector<std::string> golds;
        for (const auto& a : e.answers) {
            if (!normalize_u32(a.text).empty()) golds.push_back(a.text);
        }
        if (golds.empty()) golds.push_back("");  // unanswerable: only "" is right
        double best_em = 0.0, best_f1 = 0.0;
        for (const auto& g : golds) {
            best_em = std::max(best_em, normalize_u32(g) == normalize_u32(it->second) ? 1.0 : 0.0);
            best_f1 = std::max(best_f1, f1_score_v2(g, it->second));
        }
        em += best_em;
        f1 += best_f1;
        r.question_em.push_back(best_em);
        r.question_f1.push_back(best_f1);
        (has_answer ? has_em : no_em) += best_em;
        (has_answer ? has_f1 : no_f1) += best_f1;
    }
    const auto pct  = [](double sum, int64_t n) { return n > 0 ? 100.0 * sum / double(n) : 0.0; };
    r.exact         = pct(em, r.total);
    r.f1            = pct(f1, r.total);
    r.has_ans_exact = pct(has_em, r.has_ans_total);
    r.has_ans_f1    = pct(has_f1, r.has_ans_total);
    r.no_ans_exact  = pct(no_em, r.no_ans_total);
    r.no_ans_f1     = pct(no_f1, r.no_ans_total);
    return r;
}

}  // namespace bitswitch::eval
