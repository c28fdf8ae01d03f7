// GPT-2 forward: embeddings, pre-LN blocks, causal attention with padding mask and KV cache, heads.
//
// Shapes: B batch, T new tokens, S = past + T keys, C n_embd, H n_head, D = C / H, V vocab.
#include "bitswitch/model/gpt2.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/model/attention_core.h"
#include "bitswitch/model/dropout.h"
#include "bitswitch/model/gelu.h"
#include "bitswitch/model/matmul.h"
#include "bitswitch/model/split_heads.h"

namespace bitswitch::model {
namespace {

torch::nn::LayerNorm layer_norm(const Gpt2Config& c) {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.n_embd}).eps(c.layer_norm_epsilon));
}

torch::Tensor dropout_if_training(const torch::Tensor& x, double p, bool training) {
    return fast_dropout(x, p, training);
}

void apply_unit_precision(quant::QuantLoRALinearImpl& layer, const quant::UnitPrecision& u) {
    layer.set_bits(u.bits.w, u.bits.a);
    layer.set_active_adapter(u.adapter);
}

}  // namespace

AttentionImpl::AttentionImpl(const Gpt2Config& c)
    : n_head_(c.n_head), attn_pdrop_(c.attn_pdrop), resid_pdrop_(c.resid_pdrop) {
    c_attn = register_module("c_attn", quant::QuantLoRALinear(c.n_embd, 3 * c.n_embd));
    c_proj = register_module("c_proj", quant::QuantLoRALinear(c.n_embd, c.n_embd));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& key_bias,
                                     torch::Tensor* cache_k, torch::Tensor* cache_v) {
    const int64_t B = x.size(0), T = x.size(1), C = x.size(2), D = C / n_head_;
    const auto qkv = c_attn->forward(x);  // (B, T, 3C)
    // Scaling q (T x D) rather than the scores (T x S) saves a pass over the largest tensor.
    const double q_scale = 1.0 / std::sqrt(double(D));
    torch::Tensor q, k, v;  // (B, H, T, D) each
    if (kv_bits_ == quant::kFullPrecisionBits) {
        auto heads = split_heads(qkv, 3, n_head_, q_scale);
        q = heads[0], k = heads[1], v = heads[2];
    } else {
        // K and V of each token are quantized together in one call: rows of C (across heads) or groups of D.
        quant::QuantizerOptions o;
        o.bits        = kv_bits_;
        o.scheme      = kv_scheme_;
        o.granularity = kv_per_head_ ? quant::Granularity::kGroup : quant::Granularity::kRow;
        o.group_size  = D;
        const auto kv =
            quant::fake_quantize(qkv.narrow(2, C, 2 * C).view({B, T, 2, C}), o, name + " keys/values");
        q             = split_heads(qkv.narrow(2, 0, C), 1, n_head_, q_scale)[0];
        auto kv_heads = split_heads(kv.reshape({B, T, 2 * C}), 2, n_head_, 1.0);
        k = kv_heads[0], v = kv_heads[1];
    }
    if (cache_k) {
        if (cache_k->defined()) {
            k = torch::cat({*cache_k, k}, 2);  // (B, H, S, D)
            v = torch::cat({*cache_v, v}, 2);
        }
        *cache_k = k;
        *cache_v = v;
    }
    const auto y =
        causal_attention(q, k, v, key_bias, attn_pdrop_, is_training()).transpose(1, 2).reshape({B, T, C});
    return dropout_if_training(c_proj->forward(y), resid_pdrop_, is_training());
}

void AttentionImpl::set_kv_bits(int kv_bits) {
    if (!quant::valid_bits(kv_bits))
        throw InputError(fmt::format("{}: {} KV bits is not supported (use 2..16, or 32)", name, kv_bits));
    kv_bits_ = kv_bits;
}

MlpImpl::MlpImpl(const Gpt2Config& c)
    : tanh_gelu_(c.activation_function != "gelu"), resid_pdrop_(c.resid_pdrop) {
    c_fc   = register_module("c_fc", quant::QuantLoRALinear(c.n_embd, c.inner_dim()));
    c_proj = register_module("c_proj", quant::QuantLoRALinear(c.inner_dim(), c.n_embd));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
    const auto pre    = c_fc->forward(x);
    const auto hidden = tanh_gelu_ ? gelu_tanh(pre) : torch::gelu(pre);  // (B, T, 4C)
    return dropout_if_training(c_proj->forward(hidden), resid_pdrop_, is_training());
}

BlockImpl::BlockImpl(const Gpt2Config& c) {
    ln_1 = register_module("ln_1", layer_norm(c));
    attn = register_module("attn", Attention(c));
    ln_2 = register_module("ln_2", layer_norm(c));
    mlp  = register_module("mlp", Mlp(c));
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, const torch::Tensor& key_bias,
                                 torch::Tensor* cache_k, torch::Tensor* cache_v) {
    const auto a = x + attn->forward(ln_1->forward(x), key_bias, cache_k, cache_v);
    return a + mlp->forward(ln_2->forward(a));
}

Gpt2Impl::Gpt2Impl(const Gpt2Config& c) : config(c) {
    validate(c);
    wte = register_module("wte", torch::nn::Embedding(c.vocab_size, c.n_embd));
    wpe = register_module("wpe", torch::nn::Embedding(c.n_positions, c.n_embd));
    h   = register_module("h", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.n_layer; ++i) {
        blocks.push_back(Block(c));
        h->push_back(blocks.back());
    }
    ln_f = register_module("ln_f", layer_norm(c));
    for (auto& [name, layer] : linear_layers()) layer->name = name;
    for (size_t i = 0; i < blocks.size(); ++i) blocks[i]->attn->name = fmt::format("h.{}.attn", i);
    torch::NoGradGuard no_grad;
    wte->weight.normal_(0.0, 0.02);
    wpe->weight.normal_(0.0, 0.01);
}

torch::Tensor Gpt2Impl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                KVCache* cache) {
    TORCH_CHECK(input_ids.dim() == 2, "input_ids must be (B, T), got ", input_ids.sizes());
    const int64_t B = input_ids.size(0), T = input_ids.size(1);
    const int64_t past = cache ? cache->length() : 0, S = past + T;
    if (S > config.n_positions) {
        throw InputError(fmt::format("{} tokens exceed the model's n_positions {}", S, config.n_positions));
    }
    const auto positions = torch::arange(past, S, torch::kLong);
    auto x = dropout_if_training(wte->forward(input_ids) + wpe->forward(positions), config.embd_pdrop,
                                 is_training());  // (B, T, C)

    // Padding as an additive bias per key, built once for all layers; causality is the kernel's job.
    torch::Tensor key_bias;
    if (attention_mask.defined()) {
        TORCH_CHECK(attention_mask.sizes() == torch::IntArrayRef({B, S}), "attention_mask must be (B, S) = (",
                    B, ", ", S, "), got ", attention_mask.sizes());
        key_bias = torch::zeros({B, S}, x.options())
                       .masked_fill_(attention_mask.eq(0), -std::numeric_limits<float>::infinity());
    }
    if (cache && cache->keys.empty()) {
        cache->keys.resize(size_t(config.n_layer));
        cache->values.resize(size_t(config.n_layer));
    }
    for (size_t i = 0; i < blocks.size(); ++i) {
        x = blocks[i]->forward(x, key_bias, cache ? &cache->keys[i] : nullptr,
                               cache ? &cache->values[i] : nullptr);
    }
    return ln_f->forward(x);
}

torch::Tensor Gpt2Impl::lm_logits(const torch::Tensor& hidden) const {
    auto sizes   = hidden.sizes().vec();
    sizes.back() = wte->weight.size(0);
    return model::linear(hidden.reshape({-1, hidden.size(-1)}), wte->weight, torch::Tensor()).view(sizes);
}

std::vector<std::pair<std::string, quant::QuantLoRALinear>> Gpt2Impl::linear_layers() const {
    std::vector<std::pair<std::string, quant::QuantLoRALinear>> out;
    for (size_t i = 0; i < blocks.size(); ++i) {
        const std::string p = "h." + std::to_string(i) + ".";
        out.emplace_back(p + "attn.c_attn", blocks[i]->attn->c_attn);
        out.emplace_back(p + "attn.c_proj", blocks[i]->attn->c_proj);
        out.emplace_back(p + "mlp.c_fc", blocks[i]->mlp->c_fc);
        out.emplace_back(p + "mlp.c_proj", blocks[i]->mlp->c_proj);
    }
    return out;
}

void Gpt2Impl::set_precision(const quant::PrecisionConfig& config) {
    for (auto& [name, layer] : linear_layers()) apply_unit_precision(*layer, config.at(name));
    for (auto& block : blocks) block->attn->set_kv_bits(config.at(block->attn->name + ".kv").bits.kv);
}

void Gpt2Impl::set_quant_options(const quant::LinearQuantOptions& options, bool kv_per_head) {
    for (auto& [name, layer] : linear_layers()) layer->set_quant_options(options);
    for (auto& block : blocks) {
        block->attn->set_kv_per_head(kv_per_head);
        block->attn->set_kv_scheme(options.scheme);
    }
}

Gpt2ForQuestionAnsweringImpl::Gpt2ForQuestionAnsweringImpl(const Gpt2Config& c) {
    transformer      = register_module("transformer", Gpt2(c));
    qa_outputs       = register_module("qa_outputs", quant::QuantLoRALinear(c.n_embd, 2));
    qa_outputs->name = "qa_outputs";
}

void Gpt2ForQuestionAnsweringImpl::set_precision(const quant::PrecisionConfig& config) {
    transformer->set_precision(config);
    // The QA head may carry per-level adapters; without any (trained in full, PEFT's modules_to_save) it
    // runs the config's bits alone.
    auto head = config.at("qa_outputs");
    if (qa_outputs->adapters().empty()) head.adapter.clear();
    apply_unit_precision(*qa_outputs, head);
}

void Gpt2ForQuestionAnsweringImpl::set_quant_options(const quant::LinearQuantOptions& options,
                                                     bool kv_per_head) {
    transformer->set_quant_options(options, kv_per_head);
    qa_outputs->set_quant_options(options);
}

std::pair<torch::Tensor, torch::Tensor> Gpt2ForQuestionAnsweringImpl::forward(
    const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
    const auto logits = qa_outputs->forward(transformer->forward(input_ids, attention_mask));  // (B, T, 2)
    return {logits.select(2, 0), logits.select(2, 1)};
}

std::vector<std::pair<std::string, quant::QuantLoRALinear>> Gpt2ForQuestionAnsweringImpl::linear_layers()
    const {
    auto out = transformer->linear_layers();
    out.emplace_back("qa_outputs", qa_outputs);
    return out;
}

torch::Tensor qa_span_loss(const torch::Tensor& start_logits_in, const torch::Tensor& end_logits_in,
                           const torch::Tensor& start_positions, const torch::Tensor& end_positions,
                           const torch::Tensor& attention_mask) {
    const int64_t T   = start_logits_in.size(1);
    auto start_logits = start_logits_in, end_logits = end_logits_in;
    if (attention_mask.defined()) {
        const auto padding = attention_mask.eq(0);
        start_logits       = start_logits.masked_fill(padding, std::numeric_limits<float>::lowest());
        end_logits         = end_logits.masked_fill(padding, std::numeric_limits<float>::lowest());
    }
    const auto start = start_positions.clamp(0, T), end = end_positions.clamp(0, T);
    const auto ce = [&](const torch::Tensor& logits, const torch::Tensor& target) {
        return torch::nn::functional::cross_entropy(
            logits, target, torch::nn::functional::CrossEntropyFuncOptions().ignore_index(T));
    };
    return (ce(start_logits, start) + ce(end_logits, end)) / 2;
}

}  // namespace bitswitch::model
