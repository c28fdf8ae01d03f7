// The word-level QA attack (word_attack.h).
#include "bitswitch/attack/word_attack.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>
#include <set>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/eval/evaluator.h"
#include "bitswitch/eval/squad_metric.h"
#include "bitswitch/text/utf8.h"

namespace bitswitch::attack {
namespace {

constexpr int64_t kRemovalBatch = 16;  // words hidden per forward of the removal ranking

bool is_space(char32_t c) {
    return c == U' ' || c == U'\n' || c == U'\t' || c == U'\r' || c == 0xA0;
}

// Letters and digits; any non-ASCII code point counts as part of a word (accented letters).
bool is_word_char(char32_t c) {
    return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'0' && c <= U'9') || c > 127;
}

bool has_letter(const std::u32string& w) {
    return std::any_of(w.begin(), w.end(), [](char32_t c) {
        return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || c > 127;
    });
}

// English function words, which QA-Attack never ranks (it filters NLTK's stop-word list): replacing "in" by a
// WordNet "synonym" ("inwards") changes grammar, not meaning.
bool is_stop_word(const std::string& lower) {
    static const std::set<std::string> words{
        "a",      "about",  "above", "after",  "again",    "against",    "all",  "am",
        "an",     "and",    "any",   "are",    "as",       "at",         "be",   "because",
        "been",   "before", "being", "below",  "between",  "both",       "but",  "by",
        "can",    "could",  "did",   "do",     "does",     "doing",      "down", "during",
        "each",   "few",    "for",   "from",   "further",  "had",        "has",  "have",
        "having", "he",     "her",   "here",   "hers",     "herself",    "him",  "himself",
        "his",    "how",    "i",     "if",     "in",       "into",       "is",   "it",
        "its",    "itself", "just",  "me",     "more",     "most",       "my",   "myself",
        "no",     "nor",    "not",   "now",    "of",       "off",        "on",   "once",
        "only",   "or",     "other", "our",    "ours",     "ourselves",  "out",  "over",
        "own",    "same",   "she",   "should", "so",       "some",       "such", "than",
        "that",   "the",    "their", "theirs", "them",     "themselves", "then", "there",
        "these",  "they",   "this",  "those",  "through",  "to",         "too",  "under",
        "until",  "up",     "very",  "was",    "we",       "were",       "what", "when",
        "where",  "which",  "while", "who",    "whom",     "why",        "will", "with",
        "would",  "you",    "your",  "yours",  "yourself", "yourselves", "also", "may",
        "might",  "must",   "shall", "upon",   "within",   "without",    "s",    "t"};
    return words.count(lower) > 0;
}

std::string ascii_lower(std::string s) {
    for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Whitespace-separated words of a text as code point spans [begin, end).
std::vector<std::pair<int64_t, int64_t>> split_words(const std::u32string& text) {
    std::vector<std::pair<int64_t, int64_t>> out;
    int64_t i = 0, n = int64_t(text.size());
    while (i < n) {
        while (i < n && is_space(text[size_t(i)])) ++i;
        const int64_t begin = i;
        while (i < n && !is_space(text[size_t(i)])) ++i;
        if (i > begin) out.emplace_back(begin, i);
    }
    return out;
}

std::vector<size_t> top_indices(const std::vector<double>& scores, int k) {
    std::vector<size_t> order(scores.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    if (order.size() > size_t(k)) order.resize(size_t(k));
    return order;
}

std::vector<double> divided_by_max(std::vector<double> v) {
    const double top = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
    if (top > 0) {
        for (auto& x : v) x /= top;
    }
    return v;
}

// The largest change of any start or end logit outside the word when the word is hidden, per word.
std::vector<double> removal_scores(model::QuantModel& model, const TextWindow& window,
                                   const std::vector<ContextWord>& words,
                                   const quant::PrecisionConfig& config) {
    const int64_t T = window.length;
    const auto ids  = torch::tensor(std::vector<int64_t>(window.feature->input_ids.begin(),
                                                        window.feature->input_ids.begin() + T))
                         .unsqueeze(0);
    const auto [start0, end0] = model.forward(ids, {}, &config);
    std::vector<double> out;
    for (size_t first = 0; first < words.size(); first += kRemovalBatch) {
        const int64_t B = std::min<int64_t>(kRemovalBatch, int64_t(words.size() - first));
        auto mask       = torch::ones({B, T}, torch::kLong);
        for (int64_t b = 0; b < B; ++b) {
            for (const int64_t p : words[first + size_t(b)].positions) mask[b][p] = 0;
        }
        const auto [start, end] = model.forward(ids.expand({B, T}), mask, &config);
        const auto change =
            torch::maximum((start - start0).abs(), (end - end0).abs()).masked_fill(mask.eq(0), 0.0f).amax(1);
        for (int64_t b = 0; b < B; ++b) out.push_back(change[b].item<double>());
    }
    return divided_by_max(out);
}

// Log-likelihood of each text under the LM head at `base`, the first token unscored.
std::vector<double> log_likelihoods(model::QuantModel& model, const text::BpeTokenizer& tokenizer,
                                    const std::vector<std::string>& texts,
                                    const quant::PrecisionConfig& base) {
    std::vector<std::vector<int32_t>> encoded;
    int64_t T = 2;
    for (const auto& t : texts) {
        encoded.push_back(tokenizer.encode(t));
        T = std::max<int64_t>(T, int64_t(encoded.back().size()));
    }
    const int64_t B = int64_t(texts.size());
    auto ids        = torch::full({B, T}, int64_t(std::max(tokenizer.end_of_text_id(), 0)), torch::kLong);
    auto mask       = torch::zeros({B, T}, torch::kLong);
    for (int64_t b = 0; b < B; ++b) {
        for (size_t t = 0; t < encoded[size_t(b)].size(); ++t) {
            ids[b][int64_t(t)]  = encoded[size_t(b)][t];
            mask[b][int64_t(t)] = 1;
        }
    }
    const auto hidden = model.encode(model.embed(ids), mask, base);
    const auto logp   = torch::log_softmax(model.lm_logits(hidden.narrow(1, 0, T - 1)), -1);
    const auto token =
        logp.gather(2, ids.narrow(1, 1, T - 1).unsqueeze(2)).squeeze(2) * mask.narrow(1, 1, T - 1);
    const auto sums = token.sum(1);
    std::vector<double> out;
    for (int64_t b = 0; b < B; ++b) out.push_back(sums[b].item<double>());
    return out;
}

// Synonyms of a word in each part of speech it is a lemma of, single words, capitalised like the word.
std::vector<std::string> synonym_candidates(const text::WordNet& wordnet, const std::string& word) {
    const std::string lower = ascii_lower(word);
    const bool capital      = !word.empty() && std::isupper(static_cast<unsigned char>(word[0]));
    std::vector<std::string> out;
    std::set<std::string> seen{lower};
    for (const auto& [pos, name] : text::kWordPosNames) {
        (void)name;
        const auto bases = wordnet.base_forms(lower, pos);
        if (bases.empty() || bases[0] != lower) continue;
        for (auto s : wordnet.synonyms(lower, pos)) {
            if (s.find(' ') != std::string::npos || s.find('-') != std::string::npos ||
                !seen.insert(s).second)
                continue;
            if (capital) s[0] = char(std::toupper(static_cast<unsigned char>(s[0])));
            out.push_back(std::move(s));
        }
    }
    return out;
}

// The share of the n-best probability on answers equal to `answer` once normalised.
double probability_of(const eval::ExamplePrediction& prediction, const std::string& answer) {
    const auto target = eval::normalize_answer(answer);
    double p          = 0;
    for (const auto& c : prediction.nbest) {
        if (eval::normalize_answer(c.text) == target) p += c.probability;
    }
    return p;
}

}  // namespace

void validate(const WordAttackOptions& o, const std::string& p) {
    const auto check = [&](int value, int high, const char* flag) {
        if (value < 1 || value > high)
            throw InputError(fmt::format("{}{} {} is out of range: give 1 to {}", p, flag, value, high));
    };
    check(o.top_k, 100, "top_k");
    check(o.max_candidates, 1000, "max_candidates");
    check(o.fluency_window, 100, "fluency_window");
}

torch::Tensor attention_token_scores(const std::vector<torch::Tensor>& layers) {
    TORCH_CHECK(!layers.empty(), "attention_token_scores: no layers");
    torch::Tensor sum;
    for (const auto& layer : layers) {
        const auto renormalised = torch::softmax(layer.mean(0), -1);  // (T, T)
        sum                     = sum.defined() ? sum + renormalised : renormalised;
    }
    const auto scores = (sum / double(layers.size())).mean(0);  // over query rows
    return scores / scores.max();
}

std::vector<ContextWord> window_words(const std::string& context, const TextWindow& window) {
    const auto cps = text::utf8_to_u32(context);
    const std::set<int64_t> attackable(window.attackable.begin(), window.attackable.end());
    const int64_t cb           = window.feature->context_begin;
    const int64_t window_begin = window.spans[size_t(cb)].start, window_end = window.spans.back().end;
    std::vector<ContextWord> out;
    for (auto [begin, end] : split_words(cps)) {
        while (begin < end && !is_word_char(cps[size_t(begin)])) ++begin;
        while (end > begin && !is_word_char(cps[size_t(end - 1)])) --end;
        if (begin == end || begin < window_begin || end > window_end) continue;
        const auto word = cps.substr(size_t(begin), size_t(end - begin));
        if (!has_letter(word) || is_stop_word(ascii_lower(text::u32_to_utf8(word)))) continue;
        ContextWord w{text::u32_to_utf8(word), begin, end, {}};
        bool clear = true;
        for (int64_t p = cb; p < window.length; ++p) {
            const auto& s = window.spans[size_t(p)];
            if (s.start < end && begin < s.end) {
                w.positions.push_back(p);
                clear = clear && attackable.count(p) > 0 && p > 0;
            }
        }
        if (clear && !w.positions.empty()) out.push_back(std::move(w));
    }
    return out;
}

std::vector<RankedWord> norm_link(const std::vector<ContextWord>& words, const std::vector<double>& attention,
                                  const std::vector<double>& removal, int top_k) {
    std::map<std::string, size_t> slot;  // word text -> index into merged
    std::vector<RankedWord> merged;
    for (const auto* scores : {&removal, &attention}) {
        for (const size_t i : top_indices(*scores, top_k)) {
            const auto [it, inserted] = slot.try_emplace(words[i].text, merged.size());
            if (inserted)
                merged.push_back({i, (*scores)[i]});
            else
                merged[it->second].score += (*scores)[i];
        }
    }
    std::stable_sort(merged.begin(), merged.end(),
                     [](const RankedWord& a, const RankedWord& b) { return a.score > b.score; });
    if (merged.size() > size_t(top_k)) merged.resize(size_t(top_k));
    return merged;
}

AdversarialQuestion word_attack(const WordAttackContext& ctx, const data::SquadDataset& dataset,
                                size_t example, const TextWindow& window, const WordAttackOptions& options,
                                const StepConfigs& configs) {
    auto& model = *ctx.model;
    model::EvalModeGuard eval_mode(model);
    torch::NoGradGuard no_grad;
    const auto& ex      = dataset.examples[example];
    const auto& context = dataset.context_of(ex);
    AdversarialQuestion out;
    out.example      = example;
    const auto words = window_words(context, window);
    out.record       = {{"attackable_words", words.size()}};
    if (words.empty()) return out;

    // Rank at the first config the crafting precision gives (a fixed config, or one draw).
    const auto rank_config = configs(0, 0).front();
    const int64_t T        = window.length;
    const auto ids         = torch::tensor(std::vector<int64_t>(window.feature->input_ids.begin(),
                                                        window.feature->input_ids.begin() + T))
                         .unsqueeze(0);
    const auto token_scores = attention_token_scores([&] {
        auto maps = model.attention_maps(model.embed(ids), {}, rank_config);
        for (auto& m : maps) m = m[0];
        return maps;
    }());
    std::vector<double> attention;
    for (const auto& w : words) {
        double best = 0;
        for (const int64_t p : w.positions) best = std::max(best, token_scores[p].item<double>());
        attention.push_back(best);
    }
    const auto removal = removal_scores(model, window, words, rank_config);
    const auto ranked  = norm_link(words, attention, removal, options.top_k);

    const auto predict = [&](const std::vector<std::string>& contexts, const quant::PrecisionConfig& config) {
        std::vector<eval::QuestionContext> questions;
        for (const auto& c : contexts) questions.push_back({ex.question, c});
        return eval::answer_questions(model, *ctx.tokenizer, questions, ctx.features, ctx.postprocess,
                                      &config);
    };
    const auto clean_configs = configs(0, 0);
    std::vector<std::string> clean_answers;
    for (const auto& config : clean_configs) clean_answers.push_back(predict({context}, config)[0].text);

    const auto cps   = text::utf8_to_u32(context);
    const auto spans = split_words(cps);
    int64_t queries = 0, substituted = 0;
    bool flipped                         = false;
    nlohmann::ordered_json substitutions = nlohmann::ordered_json::array();
    for (size_t r = 0; r < ranked.size() && !flipped; ++r) {
        const auto& word = words[ranked[r].word];
        auto candidates  = synonym_candidates(*ctx.wordnet, word.text);
        if (candidates.empty()) continue;
        // Fluency: the text fluency_window words either side of the word, with each candidate in it.
        size_t at = 0;
        while (at + 1 < spans.size() && spans[at].second < word.end) ++at;
        const int64_t from =
            spans[at >= size_t(options.fluency_window) ? at - size_t(options.fluency_window) : 0].first;
        const int64_t to  = spans[std::min(spans.size() - 1, at + size_t(options.fluency_window))].second;
        const auto before = text::u32_to_utf8(cps.substr(size_t(from), size_t(word.begin - from)));
        const auto after  = text::u32_to_utf8(cps.substr(size_t(word.end), size_t(to - word.end)));
        std::vector<std::string> local;
        for (const auto& c : candidates) local.push_back(before + c + after);
        const auto fluency = log_likelihoods(model, *ctx.tokenizer, local, ctx.base);
        auto order         = top_indices(fluency, options.max_candidates);

        std::vector<std::string> variants;
        for (const size_t i : order) {
            auto edits = out.edits;
            edits.push_back({word.begin, word.end, candidates[i]});
            variants.push_back(apply_edits(context, ex.answers, edits).context);
        }
        const auto step_configs = configs(0, int(r));
        std::vector<double> kept(variants.size(), 0.0);
        std::vector<bool> changed(variants.size(), true);
        for (size_t c = 0; c < step_configs.size(); ++c) {
            const auto predictions = predict(variants, step_configs[c]);
            const auto& clean      = clean_answers[std::min(c, clean_answers.size() - 1)];
            for (size_t v = 0; v < variants.size(); ++v) {
                kept[v] += probability_of(predictions[v], clean) / double(step_configs.size());
                changed[v] = changed[v] &&
                             eval::normalize_answer(predictions[v].text) != eval::normalize_answer(clean);
            }
            queries += int64_t(variants.size());
        }
        size_t pick = size_t(std::min_element(kept.begin(), kept.end()) - kept.begin());
        for (size_t v = 0; v < variants.size(); ++v) {
            if (changed[v]) {
                pick    = v;
                flipped = true;
                break;
            }
        }
        out.edits.push_back({word.begin, word.end, candidates[order[pick]]});
        substitutions.push_back({{"word", word.text}, {"replacement", candidates[order[pick]]}});
        ++substituted;
    }
    out.record = {{"attackable_words", words.size()},
                  {"words_ranked", ranked.size()},
                  {"words_substituted", substituted},
                  {"changed_share", double(substituted) / double(words.size())},
                  {"queries", queries},
                  {"flipped_at_crafting", flipped},
                  {"substitutions", substitutions}};
    return out;
}

}  // namespace bitswitch::attack
