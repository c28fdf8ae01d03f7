// The model interface's shared parts: precision checks and defaults, forwards, parameter counts.
#include "bitswitch/model/quant_model.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/runtime.h"

namespace bitswitch::model {

quant::QuantLoRALinear QuantModel::linear(const std::string& name) const {
    for (const auto& [unit, layer] : linear_layers()) {
        if (unit == name) return layer;
    }
    throw Error(fmt::format("the model has no quantized linear \"{}\"", name));
}

void QuantModel::declare_units(quant::UnitList units) {
    units_             = std::move(units);
    default_precision_ = quant::uniform_config({}, "", units_, "fp");
}

void QuantModel::check_precision(const quant::PrecisionConfig& config) const {
    if (!quant::fits(config, units_)) {
        throw InputError(
            fmt::format("precision config \"{}\" was resolved for another model ({} units; this one "
                        "has {}: {})",
                        config.source, config.size(), units_.size(), quant::describe_units(units_)));
    }
    for (const auto& [name, layer] : linear_layers()) layer->adapter_for(config.at(name));
    for (size_t i = 0; i < units_.size(); ++i) {
        const int kv = config[i].bits.kv;
        if (units_[i].kind == quant::UnitKind::kKv && !quant::valid_bits(kv))
            throw InputError(
                fmt::format("{}: {} KV bits is not supported (use 2..16, or 32)", units_[i].name, kv));
    }
}

torch::Tensor QuantModel::classify(const torch::Tensor&, const quant::PrecisionConfig&) {
    throw InputError(
        "this model has no sequence classification head: GLUE tasks need an encoder such as "
        "RoBERTa with a classifier (train --task)");
}

torch::Tensor QuantModel::lm_logits(const torch::Tensor&) {
    throw InputError(
        "this model has no language-model head: attacks with a fluency term need a decoder such as GPT-2");
}

std::vector<torch::Tensor> QuantModel::attention_maps(const torch::Tensor&, const torch::Tensor&,
                                                      const quant::PrecisionConfig&) {
    throw InputError(
        "this model does not expose its attention probabilities: the attention ranking needs GPT-2");
}

void QuantModel::set_precision(const quant::PrecisionConfig& config) {
    check_precision(config);
    default_precision_ = config;
}

SpanLogits QuantModel::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                               const quant::PrecisionConfig* precision) {
    return forward_embeddings(embed(input_ids), attention_mask, precision);
}

SpanLogits QuantModel::forward_embeddings(const torch::Tensor& embeddings,
                                          const torch::Tensor& attention_mask,
                                          const quant::PrecisionConfig* precision) {
    const quant::PrecisionConfig& p = precision ? *precision : default_precision_;
    TORCH_CHECK(quant::fits(p, units_), "precision config \"", p.source, "\" was resolved for another model");
    return qa_head(encode(embeddings, attention_mask, p), p);
}

QuantModel::StageInput QuantModel::stage_begin(const torch::Tensor&, const torch::Tensor&) {
    throw Error("this model is not run in stages (stage_count() is 0)");
}

torch::Tensor QuantModel::stage(int64_t, const torch::Tensor&, const torch::Tensor&,
                                const quant::PrecisionConfig&) {
    throw Error("this model is not run in stages (stage_count() is 0)");
}

torch::Tensor QuantModel::stage_end(const torch::Tensor&) {
    throw Error("this model is not run in stages (stage_count() is 0)");
}

void QuantModel::set_engine(quant::Engine engine) {
    const auto layers = linear_layers();
    if (engine == quant::Engine::kAuto) {
        const bool packed_only =
            !layers.empty() && std::all_of(layers.begin(), layers.end(),
                                           [](const auto& l) { return l.second->float_weight_released(); });
        engine = packed_only ? quant::Engine::kPacked : quant::Engine::kFakeQuant;
    }
    for (auto [name, layer] : layers) layer->set_engine(engine);
}

quant::Engine QuantModel::engine() const {
    const auto layers = linear_layers();
    return layers.empty() ? quant::Engine::kFakeQuant : layers.front().second->engine();
}

void QuantModel::keep_only_packed(const std::vector<quant::PrecisionConfig>& configs) {
    // Every level is checked before any layer lets go of its weight: a refusal leaves the model whole.
    for (const auto& c : configs) {
        check_precision(c);
        for (const auto& [name, layer] : linear_layers()) layer->check_packable(c.at(name), c.source);
    }
    set_engine(quant::Engine::kPacked);
    for (auto& [name, layer] : linear_layers()) {
        std::vector<quant::UnitPrecision> levels;
        for (const auto& c : configs) {
            const auto& p = c.at(name);
            if (std::find(levels.begin(), levels.end(), p) == levels.end()) levels.push_back(p);
        }
        layer->keep_only_packed(levels);
    }
    core::release_free_memory();
}

int64_t QuantModel::full_precision_parameters() const {
    std::set<const void*> quantized;
    for (const auto& [name, layer] : linear_layers()) {
        quantized.insert(layer->weight.unsafeGetTensorImpl());
        if (layer->bias.defined()) quantized.insert(layer->bias.unsafeGetTensorImpl());
        for (const auto& [adapter_name, adapter] : layer->adapters()) {
            quantized.insert(adapter->A.unsafeGetTensorImpl());
            quantized.insert(adapter->B.unsafeGetTensorImpl());
        }
    }
    int64_t n = 0;
    for (const auto& p : parameters()) {
        if (!quantized.count(p.unsafeGetTensorImpl())) n += p.numel();
    }
    return n;
}

}  // namespace bitswitch::model
