// RoBERTa forward: embeddings with padding-offset positions, post-LN layers with bidirectional attention,
// the classification and QA heads, each linear and K/V at the precision the call passes.
//
// Shapes: B batch, T tokens, C hidden_size, H heads, D = C / H, F intermediate_size, L labels.
#include "bitswitch/model/roberta.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/ops/attention.h"
#include "bitswitch/ops/dropout.h"
#include "bitswitch/ops/gelu.h"
#include "bitswitch/ops/split_heads.h"

namespace bitswitch::model {
namespace {

// query, key, value, attention.kv, attention.output.dense, intermediate.dense, output.dense
constexpr int64_t kUnitsPerLayer = 7;

torch::nn::LayerNorm layer_norm(const EncoderConfig& c) {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps));
}

EncoderLayerPrecision layer_precision(const quant::PrecisionConfig& p, size_t layer) {
    const size_t u = layer * kUnitsPerLayer;
    return {p[u], p[u + 1], p[u + 2], p[u + 3], p[u + 4], p[u + 5], p[u + 6]};
}

}  // namespace

RobertaEmbeddingsImpl::RobertaEmbeddingsImpl(const EncoderConfig& c)
    : pad_token_id_(c.pad_token_id), dropout_(c.hidden_dropout_prob) {
    word_embeddings = register_module("word_embeddings", torch::nn::Embedding(c.vocab_size, c.hidden_size));
    position_embeddings = register_module("position_embeddings",
                                          torch::nn::Embedding(c.max_position_embeddings, c.hidden_size));
    token_type_embeddings =
        register_module("token_type_embeddings", torch::nn::Embedding(c.type_vocab_size, c.hidden_size));
    layer_norm = register_module("LayerNorm", model::layer_norm(c));
    torch::NoGradGuard no_grad;
    for (auto* table : {&word_embeddings, &position_embeddings, &token_type_embeddings})
        (*table)->weight.normal_(0.0, 0.02);
}

torch::Tensor RobertaEmbeddingsImpl::position_ids(const torch::Tensor& attention_mask, int64_t batch,
                                                  int64_t tokens) const {
    if (!attention_mask.defined())
        return torch::arange(pad_token_id_ + 1, pad_token_id_ + 1 + tokens, torch::kLong)
            .expand({batch, tokens});
    const auto real = attention_mask.ne(0).to(torch::kLong);
    return real.cumsum(1) * real + pad_token_id_;
}

torch::Tensor RobertaEmbeddingsImpl::forward(const torch::Tensor& token_embeddings,
                                             const torch::Tensor& attention_mask) {
    const int64_t B = token_embeddings.size(0), T = token_embeddings.size(1);
    const int64_t positions = position_embeddings->weight.size(0);
    if (pad_token_id_ + 1 + T > positions) {
        throw InputError(
            fmt::format("{} tokens exceed the model's {} positions (max_position_embeddings {} less "
                        "pad_token_id + 1)",
                        T, positions - pad_token_id_ - 1, positions));
    }
    const auto x = token_embeddings + position_embeddings->forward(position_ids(attention_mask, B, T)) +
                   token_type_embeddings->weight[0];
    return ops::fast_dropout(layer_norm->forward(x), dropout_, is_training());
}

RobertaSelfAttentionImpl::RobertaSelfAttentionImpl(const EncoderConfig& c)
    : heads_(c.num_attention_heads), dropout_(c.attention_probs_dropout_prob) {
    query = register_module("query", quant::QuantLoRALinear(c.hidden_size, c.hidden_size));
    key   = register_module("key", quant::QuantLoRALinear(c.hidden_size, c.hidden_size));
    value = register_module("value", quant::QuantLoRALinear(c.hidden_size, c.hidden_size));
}

torch::Tensor RobertaSelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& key_bias,
                                                const EncoderLayerPrecision& precision) {
    const int64_t B = x.size(0), T = x.size(1), C = x.size(2), D = C / heads_;
    const auto q =
        ops::split_heads(query->forward(x, precision.query), 1, heads_, 1.0 / std::sqrt(double(D)))[0];
    const auto k      = key->forward(x, precision.key);
    const auto v      = value->forward(x, precision.value);
    const int kv_bits = precision.kv.bits.kv;
    std::vector<torch::Tensor> kv_heads;
    if (kv_bits == quant::kFullPrecisionBits) {
        // Each straight into heads: stacking them for the KV quantizer's (B, T, 2, C) layout costs a copy
        // forward and backward (~4% of a RoBERTa-base fine-tuning step).
        kv_heads = {ops::split_heads(k, 1, heads_, 1.0)[0], ops::split_heads(v, 1, heads_, 1.0)[0]};
    } else {
        const auto kv = quant::fake_quantize_kv(torch::stack({k, v}, 2), kv_bits, kv_options, D, name);
        kv_heads      = ops::split_heads(kv.reshape({B, T, 2 * C}), 2, heads_, 1.0);
    }
    return ops::attention(q, kv_heads[0], kv_heads[1], key_bias, /*causal=*/false, dropout_, is_training())
        .transpose(1, 2)
        .reshape({B, T, C});
}

DenseResidualNormImpl::DenseResidualNormImpl(int64_t in, const EncoderConfig& c)
    : dropout_(c.hidden_dropout_prob) {
    dense      = register_module("dense", quant::QuantLoRALinear(in, c.hidden_size));
    layer_norm = register_module("LayerNorm", model::layer_norm(c));
}

torch::Tensor DenseResidualNormImpl::forward(const torch::Tensor& x, const torch::Tensor& residual,
                                             const quant::UnitPrecision& precision) {
    return layer_norm->forward(ops::fast_dropout(dense->forward(x, precision), dropout_, is_training()) +
                               residual);
}

RobertaAttentionImpl::RobertaAttentionImpl(const EncoderConfig& c) {
    self   = register_module("self", RobertaSelfAttention(c));
    output = register_module("output", DenseResidualNorm(c.hidden_size, c));
}

RobertaIntermediateImpl::RobertaIntermediateImpl(const EncoderConfig& c)
    : tanh_gelu_(c.hidden_act == "gelu_new") {
    dense = register_module("dense", quant::QuantLoRALinear(c.hidden_size, c.intermediate_size));
}

torch::Tensor RobertaIntermediateImpl::forward(const torch::Tensor& x,
                                               const quant::UnitPrecision& precision) {
    auto pre = dense->forward(x, precision);
    return tanh_gelu_ ? ops::gelu_tanh_reusing(std::move(pre)) : ops::gelu_erf_reusing(std::move(pre));
}

RobertaLayerImpl::RobertaLayerImpl(const EncoderConfig& c) {
    attention    = register_module("attention", RobertaAttention(c));
    intermediate = register_module("intermediate", RobertaIntermediate(c));
    output       = register_module("output", DenseResidualNorm(c.intermediate_size, c));
}

torch::Tensor RobertaLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& key_bias,
                                        const EncoderLayerPrecision& precision) {
    const auto context = attention->self->forward(x, key_bias, precision);
    const auto a       = attention->output->forward(context, x, precision.attention_output);
    return output->forward(intermediate->forward(a, precision.intermediate), a, precision.output);
}

RobertaEncoderImpl::RobertaEncoderImpl(const EncoderConfig& c) {
    layer = register_module("layer", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
        layers.push_back(RobertaLayer(c));
        layer->push_back(layers.back());
    }
}

RobertaModelImpl::RobertaModelImpl(const EncoderConfig& c) : config(c) {
    validate(c);
    embeddings = register_module("embeddings", RobertaEmbeddings(c));
    encoder    = register_module("encoder", RobertaEncoder(c));
    for (auto& [name, linear] : linear_layers()) linear->name = name;
    for (size_t i = 0; i < encoder->layers.size(); ++i)
        encoder->layers[i]->attention->self->name = fmt::format("layer.{}.attention", i);
}

torch::Tensor RobertaModelImpl::padding_bias(const torch::Tensor& attention_mask,
                                             const torch::Tensor& hidden) const {
    return ops::padding_bias(attention_mask, hidden.options());
}

torch::Tensor RobertaModelImpl::run_layer(int64_t index, const torch::Tensor& hidden,
                                          const torch::Tensor& key_bias,
                                          const quant::PrecisionConfig& precision) {
    return encoder->layers[size_t(index)]->forward(hidden, key_bias,
                                                   layer_precision(precision, size_t(index)));
}

torch::Tensor RobertaModelImpl::forward_embeddings(const torch::Tensor& token_embeddings,
                                                   const torch::Tensor& attention_mask,
                                                   const quant::PrecisionConfig& precision) {
    TORCH_CHECK(token_embeddings.dim() == 3 && token_embeddings.size(2) == config.hidden_size,
                "embeddings must be (B, T, ", config.hidden_size, "), got ", token_embeddings.sizes());
    TORCH_CHECK(int64_t(precision.size()) >= config.num_hidden_layers * kUnitsPerLayer, "precision config \"",
                precision.source, "\" does not cover the encoder's layers");
    if (attention_mask.defined())
        TORCH_CHECK(attention_mask.sizes() == token_embeddings.sizes().slice(0, 2),
                    "attention_mask must be (B, T)");
    auto x              = embeddings->forward(token_embeddings, attention_mask);
    const auto key_bias = padding_bias(attention_mask, x);
    for (int64_t i = 0; i < config.num_hidden_layers; ++i) x = run_layer(i, x, key_bias, precision);
    return x;
}

quant::UnitList RobertaModelImpl::units() const {
    quant::UnitList units;
    const int64_t C = config.hidden_size, F = config.intermediate_size;
    for (int64_t i = 0; i < config.num_hidden_layers; ++i) {
        const std::string p = fmt::format("layer.{}.", i);
        units.push_back({p + "attention.self.query", quant::UnitKind::kLinear, i, C, C, true, "attention"});
        units.push_back({p + "attention.self.key", quant::UnitKind::kLinear, i, C, C, true, "attention"});
        units.push_back({p + "attention.self.value", quant::UnitKind::kLinear, i, C, C, true, "attention"});
        units.push_back({p + "attention.kv", quant::UnitKind::kKv, i, 0, 0, false, "kv"});
        units.push_back({p + "attention.output.dense", quant::UnitKind::kLinear, i, C, C, true, "attention"});
        units.push_back({p + "intermediate.dense", quant::UnitKind::kLinear, i, C, F, true, "fc"});
        units.push_back({p + "output.dense", quant::UnitKind::kLinear, i, F, C, true, "fc"});
    }
    return units;
}

std::vector<std::pair<std::string, quant::QuantLoRALinear>> RobertaModelImpl::linear_layers() const {
    std::vector<std::pair<std::string, quant::QuantLoRALinear>> out;
    for (size_t i = 0; i < encoder->layers.size(); ++i) {
        const std::string p = fmt::format("layer.{}.", i);
        const auto& layer   = encoder->layers[i];
        out.emplace_back(p + "attention.self.query", layer->attention->self->query);
        out.emplace_back(p + "attention.self.key", layer->attention->self->key);
        out.emplace_back(p + "attention.self.value", layer->attention->self->value);
        out.emplace_back(p + "attention.output.dense", layer->attention->output->dense);
        out.emplace_back(p + "intermediate.dense", layer->intermediate->dense);
        out.emplace_back(p + "output.dense", layer->output->dense);
    }
    return out;
}

void RobertaModelImpl::set_quant_settings(const quant::QuantSettings& settings) {
    for (auto& [name, linear] : linear_layers()) linear->set_quant_options(settings.linear);
    for (auto& layer : encoder->layers) layer->attention->self->kv_options = settings.kv;
}

RobertaClassificationHeadImpl::RobertaClassificationHeadImpl(const EncoderConfig& c)
    : dropout_(c.hidden_dropout_prob) {
    dense    = register_module("dense", quant::QuantLoRALinear(c.hidden_size, c.hidden_size));
    out_proj = register_module("out_proj", quant::QuantLoRALinear(c.hidden_size, int64_t(c.labels.size())));
}

torch::Tensor RobertaClassificationHeadImpl::forward(const torch::Tensor& hidden,
                                                     const quant::UnitPrecision& dense_precision,
                                                     const quant::UnitPrecision& out_precision) {
    const auto first = ops::fast_dropout(hidden.select(1, 0), dropout_, is_training());  // <s>: (B, C)
    const auto x =
        ops::fast_dropout(torch::tanh(dense->forward(first, dense_precision)), dropout_, is_training());
    return out_proj->forward(x, out_precision);
}

RobertaLMHeadImpl::RobertaLMHeadImpl(const EncoderConfig& c) {
    dense      = register_module("dense", torch::nn::Linear(c.hidden_size, c.hidden_size));
    layer_norm = register_module("layer_norm", model::layer_norm(c));
    bias       = register_parameter("bias", torch::zeros({c.vocab_size}));
}

torch::Tensor RobertaLMHeadImpl::forward(const torch::Tensor& hidden, const torch::Tensor& decoder,
                                         const torch::Tensor& decoder_bias) {
    const auto x = layer_norm->forward(ops::gelu_erf(dense->forward(hidden)));
    return torch::matmul(x, decoder.t()) + decoder_bias;
}

RobertaForTaskImpl::RobertaForTaskImpl(const EncoderConfig& c, EncoderHead head_kind) : head(head_kind) {
    roberta         = register_module("roberta", RobertaModel(c));
    auto units      = roberta->units();
    const int64_t g = c.num_hidden_layers, C = c.hidden_size;
    if (head == EncoderHead::kSequenceClassification) {
        if (c.labels.empty())
            throw InputError(
                "a sequence classification model needs its labels (config.json id2label or num_labels)");
        classifier = register_module("classifier", RobertaClassificationHead(c));
        for (auto& [name, linear] : std::vector<std::pair<std::string, quant::QuantLoRALinear>>{
                 {"classifier.dense", classifier->dense}, {"classifier.out_proj", classifier->out_proj}}) {
            linear->name              = name;
            linear->adapters_optional = true;
            units.push_back({name, quant::UnitKind::kHead, g, C, linear->weight.size(0), true, "head"});
        }
    } else {
        qa_outputs                    = register_module("qa_outputs", quant::QuantLoRALinear(C, 2));
        qa_outputs->name              = "qa_outputs";
        qa_outputs->adapters_optional = true;
        units.push_back({"qa_outputs", quant::UnitKind::kHead, g, C, 2, true, "head"});
    }
    declare_units(std::move(units));
}

std::vector<std::pair<std::string, quant::QuantLoRALinear>> RobertaForTaskImpl::linear_layers() const {
    auto out = roberta->linear_layers();
    if (classifier) {
        out.emplace_back("classifier.dense", classifier->dense);
        out.emplace_back("classifier.out_proj", classifier->out_proj);
    } else {
        out.emplace_back("qa_outputs", qa_outputs);
    }
    return out;
}

torch::Tensor RobertaForTaskImpl::embed(const torch::Tensor& input_ids) {
    TORCH_CHECK(input_ids.dim() == 2, "input_ids must be (B, T), got ", input_ids.sizes());
    return roberta->embeddings->word_embeddings->forward(input_ids);
}

torch::Tensor RobertaForTaskImpl::encode(const torch::Tensor& embeddings, const torch::Tensor& attention_mask,
                                         const quant::PrecisionConfig& precision) {
    return roberta->forward_embeddings(embeddings, attention_mask, precision);
}

SpanLogits RobertaForTaskImpl::qa_head(const torch::Tensor& hidden, const quant::PrecisionConfig& precision) {
    if (!qa_outputs) throw InputError("this encoder has a sequence classification head, not a QA span head");
    const auto logits = qa_outputs->forward(hidden, precision[units().size() - 1]);  // (B, T, 2)
    return {logits.select(2, 0), logits.select(2, 1)};
}

torch::Tensor RobertaForTaskImpl::classify(const torch::Tensor& hidden,
                                           const quant::PrecisionConfig& precision) {
    if (!classifier) throw InputError("this encoder has a QA span head, not a sequence classification head");
    const size_t n = units().size();
    return classifier->forward(hidden, precision[n - 2], precision[n - 1]);
}

std::vector<std::string> RobertaForTaskImpl::class_labels() const {
    return classifier ? roberta->config.labels : std::vector<std::string>{};
}

QuantModel::StageInput RobertaForTaskImpl::stage_begin(const torch::Tensor& embeddings,
                                                       const torch::Tensor& attention_mask) {
    auto x    = roberta->embeddings->forward(embeddings, attention_mask);
    auto bias = roberta->padding_bias(attention_mask, x);
    return {std::move(x), std::move(bias)};
}

torch::Tensor RobertaForTaskImpl::stage(int64_t index, const torch::Tensor& hidden,
                                        const torch::Tensor& key_bias,
                                        const quant::PrecisionConfig& precision) {
    TORCH_CHECK(quant::fits(precision, units()), "precision config \"", precision.source,
                "\" was resolved for another model");
    return roberta->run_layer(index, hidden, key_bias, precision);
}

void RobertaForTaskImpl::set_quant_settings(const quant::QuantSettings& settings) {
    roberta->set_quant_settings(settings);
    auto head_options           = settings.linear;
    head_options.full_precision = settings.fp_head;
    if (classifier) {
        classifier->dense->set_quant_options(head_options);
        classifier->out_proj->set_quant_options(head_options);
    } else {
        qa_outputs->set_quant_options(head_options);
    }
}

}  // namespace bitswitch::model
