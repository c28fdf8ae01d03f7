// GPT-2 (Hugging Face GPT2Model) as libtorch modules with HF names: wte, wpe, h.{i}.ln_1,
// h.{i}.attn.c_attn, h.{i}.attn.c_proj, h.{i}.ln_2, h.{i}.mlp.c_fc, h.{i}.mlp.c_proj, ln_f.
// Pre-LN blocks, causal self-attention with an attention mask for right padding, tanh GELU, learned
// positions, dropout (embd/attn/resid from the config) in training mode, and a KV cache for incremental
// decoding. Heads: the tied LM head (lm_logits) and the QA span head (Gpt2ForQuestionAnswering, a
// QuantModel). Every forward takes the precision config to run at (model/quant_model.h).
// Units, in config order: per block h.{i}.attn.c_attn, h.{i}.attn.c_proj, h.{i}.attn.kv, h.{i}.mlp.c_fc,
// h.{i}.mlp.c_proj (group i), then qa_outputs (group n_layer).
// Not here: checkpoint files (checkpoint.h), losses (qa_head.h) and training (train/).
//
// Shapes: B batch, T new tokens, S = past + T keys, C n_embd, H n_head, D = C / H, V vocab.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "bitswitch/model/gpt2_config.h"
#include "bitswitch/model/quant_model.h"
#include "bitswitch/quant/kv_quant.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quant_lora_linear.h"

namespace bitswitch::model {

/// Keys and values of the tokens seen so far, per layer: (B, H, S, D) each. Empty until the first forward.
/// One layer's cached keys (or values). Float (`tokens`: (B, H, S, D)) unless the layer ran on the packed
/// engine with K/V quantized to 2..8 bits: then each token is stored packed at kv_bits, as LLM-QAT's
/// symmetric per-token quantizer gives it (quant/kv_quant.h): `q` its integers, (B, S, C) int8, or two
/// 4-bit values a byte, (B, S, C/2) uint8 with value c in byte c/2 (low nibble for even c), at kv_bits <= 4;
/// `d` the dequantization factor of each of its R ranges, (B, S, R), R = 1 or one per head. A token's
/// values are q · d, what fake quantization gives up to the rounding of that product.
struct CachedTokens {
    torch::Tensor tokens;  // float
    torch::Tensor q, d;    // packed
    int bits = 32;
    int64_t length() const;
    /// Bytes the cache holds.
    int64_t bytes() const;
};

struct KVCache {
    std::vector<CachedTokens> keys, values;  // one per layer
    int64_t length() const { return keys.empty() ? 0 : keys[0].length(); }
    /// Bytes of every layer's keys and values.
    int64_t bytes() const;
};

/// The precisions of one block's units, taken from a config by the block's first unit index.
struct BlockPrecision {
    const quant::UnitPrecision &c_attn, &attn_c_proj, &kv, &c_fc, &mlp_c_proj;
};

class AttentionImpl : public torch::nn::Module {
  public:
    explicit AttentionImpl(const Gpt2Config& config);
    /// x: (B, T, C); key_bias: (B, S) float, 0 for real keys and -inf for padding, or undefined (all real);
    /// causality is implied. cache_k/v: the S-T earlier tokens (or none); on return they hold all S.
    /// K and V are fake-quantized to kv_bits (quant/kv_quant.h) before the split into heads; the cache holds
    /// the quantized values, packed at kv_bits on the packed engine (CachedTokens).
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_bias,
                          const BlockPrecision& precision, CachedTokens* cache_k, CachedTokens* cache_v);
    /// The attention probabilities (B, H, T, T) forward computes for x without a cache: row t holds query
    /// t's weights over the keys (0 past t and at padding). Computed unfused, for attacks that rank tokens by
    /// attention.
    torch::Tensor probabilities(const torch::Tensor& x, const torch::Tensor& key_bias,
                                const BlockPrecision& precision);

    quant::QuantLoRALinear c_attn{nullptr}, c_proj{nullptr};
    quant::KvQuantOptions kv_options;
    std::string name = "attn";  // "h.3.attn", for messages

  private:
    /// q (scaled by 1/sqrt(D)), k, v, (B, H, T, D) each, of the projection qkv (B, T, 3C), K and V
    /// fake-quantized at the precision's KV bits.
    std::vector<torch::Tensor> split_qkv(const torch::Tensor& qkv, const BlockPrecision& precision);

    int64_t n_head_;
    double attn_pdrop_, resid_pdrop_;
};
TORCH_MODULE(Attention);

class MlpImpl : public torch::nn::Module {
  public:
    explicit MlpImpl(const Gpt2Config& config);
    torch::Tensor forward(const torch::Tensor& x, const BlockPrecision& precision);  // (B, T, C) -> (B, T, C)

    quant::QuantLoRALinear c_fc{nullptr}, c_proj{nullptr};

  private:
    bool tanh_gelu_;
    double resid_pdrop_;
};
TORCH_MODULE(Mlp);

class BlockImpl : public torch::nn::Module {
  public:
    explicit BlockImpl(const Gpt2Config& config);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_bias,
                          const BlockPrecision& precision, CachedTokens* cache_k, CachedTokens* cache_v);

    torch::nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
    Attention attn{nullptr};
    Mlp mlp{nullptr};
};
TORCH_MODULE(Block);

class Gpt2Impl : public torch::nn::Module {
  public:
    explicit Gpt2Impl(const Gpt2Config& config);

    /// Token embeddings: input_ids (B, T) int64 -> (B, T, C).
    torch::Tensor embed(const torch::Tensor& input_ids);
    /// Final hidden states (B, T, C) after ln_f from token embeddings (B, T, C). attention_mask: (B, S) with
    /// 1 for real tokens and 0 for padding (covering the cached tokens too), or undefined = all real. With
    /// `cache`, positions continue after the cached tokens and the cache grows by T. `precision` covers at
    /// least the blocks' units (units() order), as a QA model's config does.
    torch::Tensor forward_embeddings(const torch::Tensor& embeddings, const torch::Tensor& attention_mask,
                                     const quant::PrecisionConfig& precision, KVCache* cache = nullptr);
    /// The pieces of forward_embeddings without a cache: the blocks' input (position embeddings added,
    /// embedding dropout), padding as an additive bias per key (undefined without a mask), one block.
    torch::Tensor block_input(const torch::Tensor& embeddings, int64_t past = 0);
    torch::Tensor padding_bias(const torch::Tensor& attention_mask, const torch::Tensor& hidden) const;
    torch::Tensor run_block(int64_t index, const torch::Tensor& hidden, const torch::Tensor& key_bias,
                            const quant::PrecisionConfig& precision, KVCache* cache = nullptr);
    /// forward_embeddings(embed(input_ids), ...).
    torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                          const quant::PrecisionConfig& precision, KVCache* cache = nullptr);

    /// Tied LM head: hidden (..., C) -> logits (..., V) = hidden · wteᵀ.
    torch::Tensor lm_logits(const torch::Tensor& hidden) const;
    /// Each block's attention probabilities (B, H, T, T) on the way through forward_embeddings (no cache).
    std::vector<torch::Tensor> attention_maps(const torch::Tensor& embeddings,
                                              const torch::Tensor& attention_mask,
                                              const quant::PrecisionConfig& precision);

    /// The blocks' units, five per block (see the top of this file).
    quant::UnitList units() const;
    /// Every block linear with its unit name, blocks first.
    std::vector<std::pair<std::string, quant::QuantLoRALinear>> linear_layers() const;
    void set_quant_settings(const quant::QuantSettings& settings);

    Gpt2Config config;
    torch::nn::Embedding wte{nullptr}, wpe{nullptr};
    torch::nn::ModuleList h{nullptr};
    std::vector<Block> blocks;  // the same modules as h, typed
    torch::nn::LayerNorm ln_f{nullptr};
};
TORCH_MODULE(Gpt2);

/// GPT2ForQuestionAnswering: the transformer plus qa_outputs (C -> 2: start and end logits).
class Gpt2ForQuestionAnsweringImpl : public QuantModel {
  public:
    explicit Gpt2ForQuestionAnsweringImpl(const Gpt2Config& config);

    std::vector<std::pair<std::string, quant::QuantLoRALinear>> linear_layers() const override;
    torch::Tensor embed(const torch::Tensor& input_ids) override;
    torch::Tensor token_embedding_table() const override { return transformer->wte->weight; }
    torch::Tensor encode(const torch::Tensor& embeddings, const torch::Tensor& attention_mask,
                         const quant::PrecisionConfig& precision) override;
    SpanLogits qa_head(const torch::Tensor& hidden, const quant::PrecisionConfig& precision) override;
    torch::Tensor lm_logits(const torch::Tensor& hidden) override { return transformer->lm_logits(hidden); }
    std::vector<torch::Tensor> attention_maps(const torch::Tensor& embeddings,
                                              const torch::Tensor& attention_mask,
                                              const quant::PrecisionConfig& precision) override {
        return transformer->attention_maps(embeddings, attention_mask, precision);
    }
    /// One stage per block.
    int64_t stage_count() const override { return transformer->config.n_layer; }
    StageInput stage_begin(const torch::Tensor& embeddings, const torch::Tensor& attention_mask) override;
    torch::Tensor stage(int64_t index, const torch::Tensor& hidden, const torch::Tensor& key_bias,
                        const quant::PrecisionConfig& precision) override;
    torch::Tensor stage_end(const torch::Tensor& hidden) override;
    void set_quant_settings(const quant::QuantSettings& settings) override;

    Gpt2 transformer{nullptr};
    quant::QuantLoRALinear qa_outputs{nullptr};
};
TORCH_MODULE(Gpt2ForQuestionAnswering);

}  // namespace bitswitch::model
