// The word-level QA attack (QA-Attack, UTSJiyaoLi/QA-Attack; seed 000's attack), following the official
// code where seed 000's port did not:
//   1. rank the context words of the answer window two ways and combine them (norm-link):
//      attention  each layer's probabilities averaged over heads, re-normalised with a softmax over each
//                 row, averaged over layers, then over all query rows, divided by the largest token score;
//                 a word scores its best token (the official code scores whole-word tokens only; GPT-2's
//                 BPE splits words, so a word takes its best piece);
//      removal    the largest element-wise change of the start and end logits when the word is removed,
//                 divided by the largest over words. GPT-2 has no mask token: the word's tokens are hidden
//                 from every other token by the attention mask, so positions stay aligned;
//      norm-link  each ranking's top k words, merged by word (scores of a word in both summed), top k;
//   2. candidates for each chosen word: its WordNet synonyms (text/wordnet.h) in each part of speech of
//      which the word is itself a lemma (so an inflected form is not replaced by a base form), single
//      words, capitalised like the word, ranked by the base model's LM log-likelihood of the text around
//      the word with the candidate in it (fluency), the best max_candidates kept;
//   3. substitute greedily in ranked order: at each word the candidate that lowers the probability of the
//      clean answer most, until the predicted answer changes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "bitswitch/attack/adversarial_text.h"
#include "bitswitch/attack/pgd.h"
#include "bitswitch/attack/text_window.h"
#include "bitswitch/eval/postprocess.h"
#include "bitswitch/model/quant_model.h"
#include "bitswitch/text/wordnet.h"

namespace bitswitch::attack {

struct WordAttackOptions {
    int top_k          = 5;   // words substituted at most
    int max_candidates = 10;  // synonyms tried per word, the most fluent first
    int fluency_window = 8;   // words either side of the word the fluency score reads
};

/// InputError naming the flag unless 1 <= top_k <= 100, 1 <= max_candidates <= 1000, 1 <= fluency_window
/// <= 100.
void validate(const WordAttackOptions& options, const std::string& flag_prefix = "--");

/// The attention score of each position (T) of one sequence from its layers' probabilities (H, T, T):
/// mean over heads, softmax over each row, mean over layers, mean over rows, divided by the maximum.
torch::Tensor attention_token_scores(const std::vector<torch::Tensor>& layers);

/// A word of the context: its letters (punctuation around it stripped) and their span.
struct ContextWord {
    std::string text;
    int64_t begin = 0, end = 0;      // code points of the stripped word in the context
    std::vector<int64_t> positions;  // the window's tokens it spans
};

/// The attackable words of the window: whitespace-separated, stripped of punctuation, with a letter, not an
/// English function word ("in", "the"), all of whose tokens are attackable (so none touches an answer) and
/// inside the window.
std::vector<ContextWord> window_words(const std::string& context, const TextWindow& window);

struct RankedWord {
    size_t word  = 0;  // into the word list
    double score = 0;
};

/// QA-Attack's norm-link: the top k of each ranking (scores already normalised), merged by word text
/// (a word in both gets the sum; the first index of the text is kept), sorted by score (stable), top k.
std::vector<RankedWord> norm_link(const std::vector<ContextWord>& words, const std::vector<double>& attention,
                                  const std::vector<double>& removal, int top_k);

struct WordAttackContext {
    model::QuantModel* model            = nullptr;
    const text::BpeTokenizer* tokenizer = nullptr;
    const text::WordNet* wordnet        = nullptr;
    quant::PrecisionConfig base;  // fluency
    data::FeatureOptions features;
    eval::PostprocessOptions postprocess;
};

/// The adversarial version of `example`; record: words ranked and substituted, candidates tried (queries),
/// whether the answer changed at crafting.
AdversarialQuestion word_attack(const WordAttackContext& context, const data::SquadDataset& dataset,
                                size_t example, const TextWindow& window, const WordAttackOptions& options,
                                const StepConfigs& configs);

}  // namespace bitswitch::attack
