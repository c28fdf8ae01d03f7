// GBDA, gradient-based distributional attack (Guo et al., EMNLP 2021; facebookresearch's
// text-adversarial-attack), seeds 002 and 003's attack, for extractive QA. Each attackable context token of
// the question's answer window (text_window.h) gets a distribution over the vocabulary, parameterised by
// logits theta that start at initial_coeff on the clean token. Each iteration draws `samples` Gumbel-softmax
// relaxations, feeds their expected embeddings (coefficients x embedding table) to the model and takes an
// Adam step (lr 0.3) on
//   margin      sum over start and end of max(0, gold logit - best other logit + kappa)   (CW-style)
//   + fluency   lambda_fluency x the cross-entropy of the soft tokens under the model's own LM head,
//               at full precision without adapters (seed 002 left it out)
//   + similarity -lambda_similarity x BERTScore recall (idf-weighted cosine of the last hidden states of
//               the clean and soft text, same base model; seed 002 left it out too)
// then draws hard samples (argmax of theta + Gumbel noise) until one changes the predicted span, keeping the
// one closest to flipping when none does. The margin is averaged over the configs the precision source
// gives each iteration, as PGD's gradient is (fixed, a fresh RPI draw, or EOT over K draws).
#pragma once

#include <cstdint>
#include <string>

#include <torch/types.h>

#include "bitswitch/attack/adversarial_text.h"
#include "bitswitch/attack/pgd.h"
#include "bitswitch/attack/text_window.h"
#include "bitswitch/model/quant_model.h"
#include "bitswitch/text/bpe_tokenizer.h"

namespace bitswitch::attack {

struct GbdaOptions {
    int iterations       = 100;
    double lr            = 0.3;
    int samples          = 10;   // Gumbel-softmax draws per iteration
    int hard_samples     = 100;  // hard draws tried at the end
    double kappa         = 5.0;
    double fluency       = 1.0;  // lambda of the LM cross-entropy
    double similarity    = 1.0;  // lambda of the BERTScore term
    double initial_coeff = 15.0;
};

/// InputError naming the flag (`flag_prefix` + "iterations", ...) unless every option is in range.
void validate(const GbdaOptions& options, const std::string& flag_prefix = "--");

/// Inverse document frequency of each token id over the dataset's distinct contexts, BERTScore's
/// log((N + 1) / (df + 1)), (V) float.
torch::Tensor token_idf(const data::SquadDataset& dataset, const text::BpeTokenizer& tokenizer,
                        int64_t vocab);

/// The tokens GBDA may put into text, (V) bool: those that decode to whole UTF-8 characters, not
/// <|endoftext|>, and within the model's vocabulary.
torch::Tensor placeable_tokens(const text::BpeTokenizer& tokenizer, int64_t vocab);

/// Embeddings (S, T, C): `clean` (1, T, C) with rows `positions` (m) replaced by coefficients (S, m, V)
/// times the embedding table (V, C). One-hot coefficients of the clean tokens give `clean` exactly.
torch::Tensor soft_embeddings(const torch::Tensor& clean, const torch::Tensor& coefficients,
                              const torch::Tensor& table, const torch::Tensor& positions);

/// max(0, start[gold_start] - max_{t != gold_start} start[t] + kappa) plus the same for the end, per row
/// (S), over the first `length` positions of start and end (S, T).
torch::Tensor span_margin(const torch::Tensor& start, const torch::Tensor& end, int64_t gold_start,
                          int64_t gold_end, int64_t length, double kappa);

/// What GBDA needs beyond the question: the model at the base precision (full precision, no adapters) for
/// fluency and similarity, the idf weights and the placeable tokens.
struct GbdaContext {
    model::QuantModel* model            = nullptr;
    const text::BpeTokenizer* tokenizer = nullptr;
    quant::PrecisionConfig base;
    torch::Tensor idf, placeable;
};

/// The adversarial version of `example` (its window from answer_window); record: tokens changed, the share of
/// attackable tokens changed, the base model's perplexity of the window's context before and after,
/// whether a hard sample flipped the prediction at crafting and how many were tried.
AdversarialQuestion gbda_attack(const GbdaContext& context, size_t example, const TextWindow& window,
                                const GbdaOptions& options, const StepConfigs& configs, uint64_t seed);

}  // namespace bitswitch::attack
