// `bitswitch pretrain`: causal language-model training of a (small) GPT-2 from scratch on a text corpus,
// producing a Hugging Face model folder. Used to make the project's default base model, since no
// pretrained GPT-2 can be downloaded here.
// Corpus: text files (one document per line) and/or SQuAD JSON files (their contexts). Documents are
// tokenized with the real GPT-2 vocabulary and joined with <|endoftext|>; each batch takes random windows
// of seq_length + 1 tokens. The loss is the next-token cross-entropy with the softmax restricted to the
// token ids that occur in the corpus (a 10-20k subset of 50,257): ids that never occur would only be
// pushed down, and the full softmax would cost most of the step for a small model. The saved model keeps
// the whole vocabulary.
#pragma once

#include <string>
#include <vector>

#include <torch/types.h>

#include "bitswitch/core/enum_names.h"
#include "bitswitch/model/gpt2_config.h"

namespace bitswitch::train {

/// The dtypes a model folder can be written in (model.safetensors' F32, F16, BF16).
inline constexpr core::EnumName<torch::ScalarType> kSaveDtypeNames[] = {
    {torch::kFloat32, "f32"}, {torch::kFloat16, "f16"}, {torch::kBFloat16, "bf16"}};

struct PretrainConfig {
    std::vector<std::string> corpus_files;
    std::string output_dir;
    std::string tokenizer_dir;
    model::Gpt2Config model;  // vocab_size must equal the tokenizer's
    int64_t seq_length           = 256;
    int batch_size               = 16;
    int64_t max_steps            = 2000;
    double learning_rate         = 1e-3;
    double weight_decay          = 0.01;
    int64_t warmup_steps         = 100;
    int64_t logging_steps        = 50;
    int64_t seed                 = 1;
    torch::ScalarType save_dtype = torch::kFloat16;
};

struct PretrainResult {
    double final_loss     = 0.0;  // mean over the last logging window, nats per token
    double seconds        = 0.0;
    int64_t corpus_tokens = 0, corpus_vocab = 0;
};

PretrainResult run_pretraining(const PretrainConfig& config);

}  // namespace bitswitch::train
