// `bitswitch pretrain --model_type roberta`: masked-language-model training of a (small) RoBERTa from
// scratch on a text corpus, producing a Hugging Face model folder (the encoder without a head). Used to
// make the project's default encoder, since no pretrained RoBERTa can be downloaded here.
// Corpus: as GPT-2's pretraining (text files, one document per line, and/or SQuAD JSON contexts), tokenized
// with the RoBERTa-layout vocabulary (assets/roberta-tokenizer) and joined with </s>; each sequence is
// <s> + a random window of seq_length - 2 tokens + </s>. Masking is BERT's and RoBERTa's, drawn anew for
// every batch (dynamic masking): 15% of the window's tokens are chosen; a chosen token becomes <mask> 80%
// of the time, a random corpus token 10%, stays 10%; the loss is the cross-entropy at the chosen tokens,
// its softmax restricted to the ids of the corpus (as GPT-2's pretraining does, for the same reason).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <torch/types.h>

#include "bitswitch/model/encoder_config.h"
#include "bitswitch/train/pretrain.h"

namespace bitswitch::train {

struct EncoderPretrainConfig : PretrainSettings {
    EncoderPretrainConfig() { seq_length = 128; }  // tokens per sequence, <s> and </s> included
    model::EncoderConfig model;                    // vocab_size must equal the tokenizer's
    double mask_probability = 0.15;
};

/// The result as GPT-2's pretraining reports it (final_loss: nats per masked token).
PretrainResult run_encoder_pretraining(const EncoderPretrainConfig& config);

/// One batch's masking. `ids` (B, T) int64; `maskable` (B, T) bool (false at <s>, </s>, padding).
/// Returns the model's input (chosen tokens replaced) and the targets: the original id at chosen tokens,
/// -100 elsewhere; at least one token is chosen. Random replacements are drawn from `pool` (the corpus
/// ids). Deterministic given `rng`.
struct MaskedTokens {
    torch::Tensor input_ids, targets;
};
MaskedTokens mask_for_mlm(const torch::Tensor& ids, const torch::Tensor& maskable, double probability,
                          int64_t mask_id, const std::vector<int64_t>& pool, std::mt19937_64& rng);

}  // namespace bitswitch::train
