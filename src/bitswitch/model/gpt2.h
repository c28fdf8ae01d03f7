// GPT-2 (Hugging Face GPT2Model) as libtorch modules with HF names: wte, wpe, h.{i}.ln_1,
// h.{i}.attn.c_attn, h.{i}.attn.c_proj, h.{i}.ln_2, h.{i}.mlp.c_fc, h.{i}.mlp.c_proj, ln_f.
// Pre-LN blocks, causal self-attention with an attention mask for right padding, tanh GELU, learned
// positions, dropout (embd/attn/resid from the config) in training mode, and a KV cache for incremental
// decoding. Heads: the tied LM head (lm_logits) and the QA span head (Gpt2ForQuestionAnswering).
// Not here: checkpoint files (checkpoint.h), losses and training (train/).
//
// Shapes: B batch, T new tokens, S = past + T keys, C n_embd, H n_head, D = C / H, V vocab.
#pragma once

#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "bitswitch/model/gpt2_config.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quant_lora_linear.h"
#include "bitswitch/quant/quantizer.h"

namespace bitswitch::model {

/// Keys and values of the tokens seen so far, per layer: (B, H, S, D) each. Empty until the first forward.
struct KVCache {
    std::vector<torch::Tensor> keys, values;
    int64_t length() const { return keys.empty() || !keys[0].defined() ? 0 : keys[0].size(2); }
};

class AttentionImpl : public torch::nn::Module {
  public:
    explicit AttentionImpl(const Gpt2Config& config);
    /// x: (B, T, C); key_bias: (B, S) float, 0 for real keys and -inf for padding, or undefined (all real);
    /// causality is implied. cache_k/v: (B, H, S-T, D) or undefined; on return they hold all S keys/values.
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_bias, torch::Tensor* cache_k,
                          torch::Tensor* cache_v);

    /// K and V are fake-quantized to kv_bits per token, across all heads (LLM-QAT) or per head, before the
    /// split into heads; the cache holds the quantized values. 32 = off.
    void set_kv_bits(int kv_bits);
    int kv_bits() const { return kv_bits_; }
    void set_kv_per_head(bool per_head) { kv_per_head_ = per_head; }
    void set_kv_scheme(quant::Scheme scheme) { kv_scheme_ = scheme; }

    quant::QuantLoRALinear c_attn{nullptr}, c_proj{nullptr};
    std::string name = "attn";  // "h.3.attn", for messages

  private:
    int kv_bits_             = quant::kFullPrecisionBits;
    bool kv_per_head_        = false;
    quant::Scheme kv_scheme_ = quant::Scheme::kSymmetric;
    int64_t n_head_;
    double attn_pdrop_, resid_pdrop_;
};
TORCH_MODULE(Attention);

class MlpImpl : public torch::nn::Module {
  public:
    explicit MlpImpl(const Gpt2Config& config);
    torch::Tensor forward(const torch::Tensor& x);  // (B, T, C) -> (B, T, C)

    quant::QuantLoRALinear c_fc{nullptr}, c_proj{nullptr};

  private:
    bool tanh_gelu_;
    double resid_pdrop_;
};
TORCH_MODULE(Mlp);

class BlockImpl : public torch::nn::Module {
  public:
    explicit BlockImpl(const Gpt2Config& config);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_bias, torch::Tensor* cache_k,
                          torch::Tensor* cache_v);

    torch::nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
    Attention attn{nullptr};
    Mlp mlp{nullptr};
};
TORCH_MODULE(Block);

class Gpt2Impl : public torch::nn::Module {
  public:
    explicit Gpt2Impl(const Gpt2Config& config);

    /// input_ids: (B, T) int64. attention_mask: (B, S) with 1 for real tokens and 0 for padding (covering
    /// the cached tokens too), or undefined = all real. With `cache`, positions continue after the cached
    /// tokens and the cache grows by T. Returns the final hidden states (B, T, C) after ln_f.
    torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask = {},
                          KVCache* cache = nullptr);

    /// Tied LM head: hidden (..., C) -> logits (..., V) = hidden · wteᵀ.
    torch::Tensor lm_logits(const torch::Tensor& hidden) const;

    /// Every linear layer with its HF name ("h.3.attn.c_attn"), blocks first.
    std::vector<std::pair<std::string, quant::QuantLoRALinear>> linear_layers() const;

    /// Applies the bits and adapters of `config` to every block linear and KV (qa_outputs is the QA
    /// model's). InputError when a layer lacks the adapter the config names.
    void set_precision(const quant::PrecisionConfig& config);
    /// Quantizer settings of every linear and KV (bits stay as they are).
    void set_quant_options(const quant::LinearQuantOptions& options, bool kv_per_head);

    Gpt2Config config;
    torch::nn::Embedding wte{nullptr}, wpe{nullptr};
    torch::nn::ModuleList h{nullptr};
    std::vector<Block> blocks;  // the same modules as h, typed
    torch::nn::LayerNorm ln_f{nullptr};
};
TORCH_MODULE(Gpt2);

/// GPT2ForQuestionAnswering: the transformer plus qa_outputs (C -> 2: start and end logits).
class Gpt2ForQuestionAnsweringImpl : public torch::nn::Module {
  public:
    explicit Gpt2ForQuestionAnsweringImpl(const Gpt2Config& config);
    /// Returns start and end logits, (B, T) each.
    std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& input_ids,
                                                    const torch::Tensor& attention_mask);

    /// linear_layers() of the transformer plus "qa_outputs".
    std::vector<std::pair<std::string, quant::QuantLoRALinear>> linear_layers() const;

    /// The transformer's set_precision plus qa_outputs (whose adapter is optional: a head without adapters
    /// takes only the bits).
    void set_precision(const quant::PrecisionConfig& config);
    void set_quant_options(const quant::LinearQuantOptions& options, bool kv_per_head);

    Gpt2 transformer{nullptr};
    quant::QuantLoRALinear qa_outputs{nullptr};
};
TORCH_MODULE(Gpt2ForQuestionAnswering);

/// QA loss of GPT2ForQuestionAnswering: mean of the start and end cross-entropies; positions outside
/// [0, T) are clamped to T and ignored, as transformers does. With `attention_mask` (B, T), padding positions
/// are excluded from the softmax (their logits set to the lowest float). transformers does not do this; it
/// pads every window to max_seq_length, so there the padding positions' logits take part. Excluding them
/// makes the loss independent of how much padding a batch carries, which is what lets training cut
/// batches to their longest window and split a batch across data-parallel ranks exactly.
torch::Tensor qa_span_loss(const torch::Tensor& start_logits, const torch::Tensor& end_logits,
                           const torch::Tensor& start_positions, const torch::Tensor& end_positions,
                           const torch::Tensor& attention_mask = {});

}  // namespace bitswitch::model
