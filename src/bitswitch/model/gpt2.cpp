// GPT-2 forward: embeddings, pre-LN blocks, causal attention with padding mask and KV cache, heads, each
// linear and K/V at the precision the call passes.
//
// Shapes: B batch, T new tokens, S = past + T keys, C n_embd, H n_head, D = C / H, V vocab.
#include "bitswitch/model/gpt2.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/ops/attention.h"
#include "bitswitch/ops/dropout.h"
#include "bitswitch/ops/gelu.h"
#include "bitswitch/ops/matmul.h"
#include "bitswitch/ops/split_heads.h"

namespace bitswitch::model {
namespace {

constexpr int64_t kUnitsPerBlock = 5;  // attn.c_attn, attn.c_proj, attn.kv, mlp.c_fc, mlp.c_proj

torch::nn::LayerNorm layer_norm(const Gpt2Config& c) {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.n_embd}).eps(c.layer_norm_epsilon));
}

BlockPrecision block_precision(const quant::PrecisionConfig& p, size_t block) {
    const size_t u = block * kUnitsPerBlock;
    return {p[u], p[u + 1], p[u + 2], p[u + 3], p[u + 4]};
}

}  // namespace

namespace {

// x (B, T, C) quantized per token in `ranges` equal parts of C with LLM-QAT's symmetric rule (s from the
// part's max |x|, q = round-half-even(x · s), d = 1 / (s + 1e-6)), appended to `cache` packed.
void append_packed(CachedTokens& cache, const torch::Tensor& x, int bits, int64_t ranges) {
    const int64_t B = x.size(0), T = x.size(1), C = x.size(2);
    const auto parts  = x.to(torch::kFloat).reshape({B, T, ranges, C / ranges});
    const double qmax = double((1 << (bits - 1)) - 1);
    const auto s      = (1.0 / (std::get<0>(parts.abs().max(-1, /*keepdim=*/true)) + 1e-6)) * qmax;
    auto q            = torch::round(parts * s).reshape({B, T, C}).to(torch::kInt8);
    const auto d      = (1.0 / (s + 1e-6)).reshape({B, T, ranges});
    if (bits <= 4 && C % 2 == 0) {  // two values a byte: the even value in the low nibble
        const auto u = q.to(torch::kUInt8).bitwise_and(0x0F);
        q            = u.slice(2, 0, C, 2).bitwise_or(u.slice(2, 1, C, 2) * 16);
    }
    cache.bits = bits;
    cache.q    = cache.q.defined() ? torch::cat({cache.q, q}, 1) : q;
    cache.d    = cache.d.defined() ? torch::cat({cache.d, d}, 1) : d;
}

// The cache's values q · d, (B, S, C).
torch::Tensor dequantized(const CachedTokens& cache, int64_t C) {
    torch::Tensor q = cache.q;
    if (q.scalar_type() == torch::kUInt8) {  // nibbles, sign-extended from 4 bits
        const auto low  = q.bitwise_and(0x0F).to(torch::kInt8);
        const auto high = q.bitwise_right_shift(4).to(torch::kInt8);
        const auto sign = [](const torch::Tensor& n) { return n.bitwise_xor(8) - 8; };
        q               = torch::stack({sign(low), sign(high)}, -1).reshape({q.size(0), q.size(1), C});
    }
    const int64_t ranges = cache.d.size(2);
    const auto parts     = q.to(torch::kFloat).view({q.size(0), q.size(1), ranges, C / ranges});
    return (parts * cache.d.unsqueeze(-1)).reshape({q.size(0), q.size(1), C});
}

}  // namespace

int64_t CachedTokens::length() const {
    if (q.defined()) return q.size(1);
    return tokens.defined() ? tokens.size(2) : 0;
}

int64_t CachedTokens::bytes() const {
    if (q.defined()) return q.numel() * q.element_size() + d.numel() * d.element_size();
    return tokens.defined() ? tokens.numel() * tokens.element_size() : 0;
}

int64_t KVCache::bytes() const {
    int64_t total = 0;
    for (size_t i = 0; i < keys.size(); ++i) total += keys[i].bytes() + values[i].bytes();
    return total;
}

AttentionImpl::AttentionImpl(const Gpt2Config& c)
    : n_head_(c.n_head), attn_pdrop_(c.attn_pdrop), resid_pdrop_(c.resid_pdrop) {
    c_attn = register_module("c_attn", quant::QuantLoRALinear(c.n_embd, 3 * c.n_embd));
    c_proj = register_module("c_proj", quant::QuantLoRALinear(c.n_embd, c.n_embd));
}

std::vector<torch::Tensor> AttentionImpl::split_qkv(const torch::Tensor& qkv,
                                                    const BlockPrecision& precision) {
    const int64_t B = qkv.size(0), T = qkv.size(1), C = qkv.size(2) / 3, D = C / n_head_;
    // Scaling q (T x D) rather than the scores (T x S) saves a pass over the largest tensor.
    const double q_scale = 1.0 / std::sqrt(double(D));
    const int kv_bits    = precision.kv.bits.kv;
    if (kv_bits == quant::kFullPrecisionBits) return ops::split_heads(qkv, 3, n_head_, q_scale);
    const auto kv =
        quant::fake_quantize_kv(qkv.narrow(2, C, 2 * C).view({B, T, 2, C}), kv_bits, kv_options, D, name);
    auto kv_heads = ops::split_heads(kv.reshape({B, T, 2 * C}), 2, n_head_, 1.0);
    return {ops::split_heads(qkv.narrow(2, 0, C), 1, n_head_, q_scale)[0], kv_heads[0], kv_heads[1]};
}

torch::Tensor AttentionImpl::probabilities(const torch::Tensor& x, const torch::Tensor& key_bias,
                                           const BlockPrecision& precision) {
    const auto heads = split_qkv(c_attn->forward(x, precision.c_attn), precision);
    const int64_t T  = x.size(1);
    auto scores      = torch::matmul(heads[0], heads[1].transpose(-2, -1));  // (B, H, T, T), q is scaled
    scores.masked_fill_(torch::ones({T, T}, torch::kBool).triu(1), -std::numeric_limits<float>::infinity());
    if (key_bias.defined()) scores = scores + key_bias.view({x.size(0), 1, 1, T});
    return torch::softmax(scores, -1);
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& key_bias,
                                     const BlockPrecision& precision, CachedTokens* cache_k,
                                     CachedTokens* cache_v) {
    const int64_t B = x.size(0), T = x.size(1), C = x.size(2), D = C / n_head_;
    const auto qkv    = c_attn->forward(x, precision.c_attn);  // (B, T, 3C)
    const int kv_bits = precision.kv.bits.kv;
    const auto heads  = split_qkv(qkv, precision);
    torch::Tensor q = heads[0], k = heads[1], v = heads[2];  // (B, H, T, D) each
    if (cache_k) {
        const bool packed = c_attn->engine() == quant::Engine::kPacked && kv_bits <= 8;
        if (packed) {
            if (kv_options.scheme != quant::Scheme::kSymmetric)
                throw InputError(
                    fmt::format("{}: the packed engine stores K/V with the symmetric scheme only; "
                                "use --engine fake",
                                name));
            // The new tokens' keys and values, quantized per token from the projection's float output (the
            // same integers fake quantization rounds to), join the cache; attention reads the whole cache.
            const auto kv        = qkv.narrow(2, C, 2 * C).view({B, T, 2, C});
            const int64_t ranges = kv_options.per_head ? n_head_ : 1;
            append_packed(*cache_k, kv.select(2, 0), kv_bits, ranges);
            append_packed(*cache_v, kv.select(2, 1), kv_bits, ranges);
            const int64_t S = cache_k->length();
            k               = dequantized(*cache_k, C).view({B, S, n_head_, D}).transpose(1, 2);
            v               = dequantized(*cache_v, C).view({B, S, n_head_, D}).transpose(1, 2);
        } else {
            if (cache_k->q.defined())
                throw InputError(
                    fmt::format("{}: the cache holds packed keys; continue on the packed engine", name));
            if (cache_k->tokens.defined()) {
                k = torch::cat({cache_k->tokens, k}, 2);  // (B, H, S, D)
                v = torch::cat({cache_v->tokens, v}, 2);
            }
            cache_k->tokens = k;
            cache_v->tokens = v;
        }
    }
    const auto y = ops::attention(q, k, v, key_bias, /*causal=*/true, attn_pdrop_, is_training())
                       .transpose(1, 2)
                       .reshape({B, T, C});
    return ops::fast_dropout(c_proj->forward(y, precision.attn_c_proj), resid_pdrop_, is_training());
}

MlpImpl::MlpImpl(const Gpt2Config& c)
    : tanh_gelu_(c.activation_function != "gelu"), resid_pdrop_(c.resid_pdrop) {
    c_fc   = register_module("c_fc", quant::QuantLoRALinear(c.n_embd, c.inner_dim()));
    c_proj = register_module("c_proj", quant::QuantLoRALinear(c.inner_dim(), c.n_embd));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x, const BlockPrecision& precision) {
    auto pre          = c_fc->forward(x, precision.c_fc);
    const auto hidden = tanh_gelu_ ? ops::gelu_tanh_reusing(std::move(pre))
                                   : ops::gelu_erf_reusing(std::move(pre));  // (B, T, 4C)
    return ops::fast_dropout(c_proj->forward(hidden, precision.mlp_c_proj), resid_pdrop_, is_training());
}

BlockImpl::BlockImpl(const Gpt2Config& c) {
    ln_1 = register_module("ln_1", layer_norm(c));
    attn = register_module("attn", Attention(c));
    ln_2 = register_module("ln_2", layer_norm(c));
    mlp  = register_module("mlp", Mlp(c));
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, const torch::Tensor& key_bias,
                                 const BlockPrecision& precision, CachedTokens* cache_k,
                                 CachedTokens* cache_v) {
    const auto a = x + attn->forward(ln_1->forward(x), key_bias, precision, cache_k, cache_v);
    return a + mlp->forward(ln_2->forward(a), precision);
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

torch::Tensor Gpt2Impl::embed(const torch::Tensor& input_ids) {
    TORCH_CHECK(input_ids.dim() == 2, "input_ids must be (B, T), got ", input_ids.sizes());
    return wte->forward(input_ids);
}

torch::Tensor Gpt2Impl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                const quant::PrecisionConfig& precision, KVCache* cache) {
    return forward_embeddings(embed(input_ids), attention_mask, precision, cache);
}

torch::Tensor Gpt2Impl::block_input(const torch::Tensor& embeddings, int64_t past) {
    TORCH_CHECK(embeddings.dim() == 3 && embeddings.size(2) == config.n_embd, "embeddings must be (B, T, ",
                config.n_embd, "), got ", embeddings.sizes());
    const int64_t S = past + embeddings.size(1);
    if (S > config.n_positions) {
        throw InputError(fmt::format("{} tokens exceed the model's n_positions {}", S, config.n_positions));
    }
    const auto positions = torch::arange(past, S, torch::kLong);
    return ops::fast_dropout(embeddings + wpe->forward(positions), config.embd_pdrop, is_training());
}

// Padding as an additive bias per key, built once for all layers; causality is the kernel's job.
torch::Tensor Gpt2Impl::padding_bias(const torch::Tensor& attention_mask, const torch::Tensor& hidden) const {
    return ops::padding_bias(attention_mask, hidden.options());
}

torch::Tensor Gpt2Impl::run_block(int64_t index, const torch::Tensor& hidden, const torch::Tensor& key_bias,
                                  const quant::PrecisionConfig& precision, KVCache* cache) {
    const auto i = size_t(index);
    return blocks[i]->forward(hidden, key_bias, block_precision(precision, i),
                              cache ? &cache->keys[i] : nullptr, cache ? &cache->values[i] : nullptr);
}

torch::Tensor Gpt2Impl::forward_embeddings(const torch::Tensor& embeddings,
                                           const torch::Tensor& attention_mask,
                                           const quant::PrecisionConfig& precision, KVCache* cache) {
    TORCH_CHECK(int64_t(precision.size()) >= config.n_layer * kUnitsPerBlock, "precision config \"",
                precision.source, "\" does not cover the model's blocks");
    const int64_t past = cache ? cache->length() : 0;
    auto x             = block_input(embeddings, past);  // (B, T, C)
    if (attention_mask.defined()) {
        const int64_t B = x.size(0), S = past + x.size(1);
        TORCH_CHECK(attention_mask.sizes() == torch::IntArrayRef({B, S}), "attention_mask must be (B, S) = (",
                    B, ", ", S, "), got ", attention_mask.sizes());
    }
    const auto key_bias = padding_bias(attention_mask, x);
    if (cache && cache->keys.empty()) {
        cache->keys.resize(size_t(config.n_layer));
        cache->values.resize(size_t(config.n_layer));
    }
    for (int64_t i = 0; i < config.n_layer; ++i) x = run_block(i, x, key_bias, precision, cache);
    return ln_f->forward(x);
}

std::vector<torch::Tensor> Gpt2Impl::attention_maps(const torch::Tensor& embeddings,
                                                    const torch::Tensor& attention_mask,
                                                    const quant::PrecisionConfig& precision) {
    auto x              = block_input(embeddings);
    const auto key_bias = padding_bias(attention_mask, x);
    std::vector<torch::Tensor> maps;
    for (int64_t i = 0; i < config.n_layer; ++i) {
        auto& block = blocks[size_t(i)];
        maps.push_back(block->attn->probabilities(block->ln_1->forward(x), key_bias,
                                                  block_precision(precision, size_t(i))));
        x = run_block(i, x, key_bias, precision);
    }
    return maps;
}

torch::Tensor Gpt2Impl::lm_logits(const torch::Tensor& hidden) const {
    auto sizes   = hidden.sizes().vec();
    sizes.back() = wte->weight.size(0);
    return ops::linear(hidden.reshape({-1, hidden.size(-1)}), wte->weight, torch::Tensor()).view(sizes);
}

quant::UnitList Gpt2Impl::units() const {
    quant::UnitList units;
    const int64_t C = config.n_embd, F = config.inner_dim();
    for (int64_t i = 0; i < config.n_layer; ++i) {
        const std::string p = fmt::format("h.{}.", i);
        units.push_back({p + "attn.c_attn", quant::UnitKind::kLinear, i, C, 3 * C, true, "attention"});
        units.push_back({p + "attn.c_proj", quant::UnitKind::kLinear, i, C, C, true, "attention"});
        units.push_back({p + "attn.kv", quant::UnitKind::kKv, i, 0, 0, false, "kv"});
        units.push_back({p + "mlp.c_fc", quant::UnitKind::kLinear, i, C, F, true, "fc"});
        units.push_back({p + "mlp.c_proj", quant::UnitKind::kLinear, i, F, C, true, "fc"});
    }
    return units;
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

void Gpt2Impl::set_quant_settings(const quant::QuantSettings& settings) {
    for (auto& [name, layer] : linear_layers()) layer->set_quant_options(settings.linear);
    for (auto& block : blocks) block->attn->kv_options = settings.kv;
}

Gpt2ForQuestionAnsweringImpl::Gpt2ForQuestionAnsweringImpl(const Gpt2Config& c) {
    transformer                   = register_module("transformer", Gpt2(c));
    qa_outputs                    = register_module("qa_outputs", quant::QuantLoRALinear(c.n_embd, 2));
    qa_outputs->name              = "qa_outputs";
    qa_outputs->adapters_optional = true;
    auto units                    = transformer->units();
    units.push_back({"qa_outputs", quant::UnitKind::kHead, c.n_layer, c.n_embd, 2, true, "head"});
    declare_units(std::move(units));
}

std::vector<std::pair<std::string, quant::QuantLoRALinear>> Gpt2ForQuestionAnsweringImpl::linear_layers()
    const {
    auto out = transformer->linear_layers();
    out.emplace_back("qa_outputs", qa_outputs);
    return out;
}

torch::Tensor Gpt2ForQuestionAnsweringImpl::embed(const torch::Tensor& input_ids) {
    return transformer->embed(input_ids);
}

torch::Tensor Gpt2ForQuestionAnsweringImpl::encode(const torch::Tensor& embeddings,
                                                   const torch::Tensor& attention_mask,
                                                   const quant::PrecisionConfig& precision) {
    return transformer->forward_embeddings(embeddings, attention_mask, precision);
}

SpanLogits Gpt2ForQuestionAnsweringImpl::qa_head(const torch::Tensor& hidden,
                                                 const quant::PrecisionConfig& precision) {
    const auto logits =
        qa_outputs->forward(hidden, precision[units().size() - 1]);  // (B, T, 2): the last unit
    return {logits.select(2, 0), logits.select(2, 1)};
}

QuantModel::StageInput Gpt2ForQuestionAnsweringImpl::stage_begin(const torch::Tensor& embeddings,
                                                                 const torch::Tensor& attention_mask) {
    auto x = transformer->block_input(embeddings);
    if (attention_mask.defined())
        TORCH_CHECK(attention_mask.sizes() == x.sizes().slice(0, 2), "attention_mask must be (B, T)");
    auto bias = transformer->padding_bias(attention_mask, x);
    return {std::move(x), std::move(bias)};
}

torch::Tensor Gpt2ForQuestionAnsweringImpl::stage(int64_t index, const torch::Tensor& hidden,
                                                  const torch::Tensor& key_bias,
                                                  const quant::PrecisionConfig& precision) {
    TORCH_CHECK(quant::fits(precision, units()), "precision config \"", precision.source,
                "\" was resolved for another model");
    return transformer->run_block(index, hidden, key_bias, precision);
}

torch::Tensor Gpt2ForQuestionAnsweringImpl::stage_end(const torch::Tensor& hidden) {
    return transformer->ln_f->forward(hidden);
}

void Gpt2ForQuestionAnsweringImpl::set_quant_settings(const quant::QuantSettings& settings) {
    transformer->set_quant_settings(settings);
    auto head           = settings.linear;
    head.full_precision = settings.fp_head;
    qa_outputs->set_quant_options(head);
}

}  // namespace bitswitch::model
