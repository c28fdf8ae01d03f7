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

#include <functional>
#include <string>
#include <vector>

#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include "bitswitch/core/enum_names.h"
#include "bitswitch/model/gpt2_config.h"

namespace bitswitch::train {

/// The dtypes a model folder can be written in (model.safetensors' F32, F16, BF16).
inline constexpr core::EnumName<torch::ScalarType> kSaveDtypeNames[] = {
    {torch::kFloat32, "f32"}, {torch::kFloat16, "f16"}, {torch::kBFloat16, "bf16"}};

/// What both pretraining runs (GPT-2's here, the encoder's in encoder_pretrain.h) are configured with
/// besides the model: the corpus, the output folder and the optimization.
struct PretrainSettings {
    std::vector<std::string> corpus_files;
    std::string output_dir;
    std::string tokenizer_dir;
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

struct PretrainConfig : PretrainSettings {
    model::Gpt2Config model;  // vocab_size must equal the tokenizer's
};

struct PretrainResult {
    double final_loss     = 0.0;  // mean over the last logging window, nats per token
    double seconds        = 0.0;
    int64_t corpus_tokens = 0, corpus_vocab = 0;
};

PretrainResult run_pretraining(const PretrainConfig& config);

/// The step loop both pretraining runs (this one and the encoder's) share: `compute` runs each step's
/// forward and backward (returning its loss); AdamW `optimizer` over `params`, a cosine schedule with
/// warmup, gradients clipped at 1, every logging window appended to output_dir/pretrain_log.jsonl.
/// Returns the last window's loss and the run's seconds (corpus counts left 0 for the caller).
PretrainResult run_pretraining_steps(const PretrainSettings& settings, torch::optim::Optimizer& optimizer,
                                     const std::vector<torch::Tensor>& params,
                                     const std::function<double(int64_t step)>& compute);

}  // namespace bitswitch::train
