#include "support/toy_model.h"

#include <torch/torch.h>

namespace bitswitch::testing {

ToyQaModelImpl::ToyQaModelImpl(int64_t vocab, int64_t width, int64_t layers) {
    embedding = register_module("embedding", torch::nn::Embedding(vocab, width));
    quant::UnitList units;
    for (int64_t i = 0; i < layers; ++i) {
        const std::string name = "body" + std::to_string(i);
        body.push_back(register_module(name, quant::QuantLoRALinear(width, width)));
        body.back()->name = name;
        units.push_back({name, quant::UnitKind::kLinear, i, width, width, true, "fc"});
    }
    head                    = register_module("head", quant::QuantLoRALinear(width, 2));
    head->name              = "head";
    head->adapters_optional = true;
    units.push_back({"head", quant::UnitKind::kHead, layers, width, 2, true, "head"});
    declare_units(std::move(units));
}

std::vector<std::pair<std::string, quant::QuantLoRALinear>> ToyQaModelImpl::linear_layers() const {
    std::vector<std::pair<std::string, quant::QuantLoRALinear>> out;
    for (const auto& b : body) out.emplace_back(b->name, b);
    out.emplace_back("head", head);
    return out;
}

torch::Tensor ToyQaModelImpl::encode(const torch::Tensor& x, const torch::Tensor&,
                                     const quant::PrecisionConfig& precision) {
    auto h = x;
    for (size_t i = 0; i < body.size(); ++i) h = torch::tanh(body[i]->forward(h, precision[i]));
    return h;
}

model::SpanLogits ToyQaModelImpl::qa_head(const torch::Tensor& hidden,
                                          const quant::PrecisionConfig& precision) {
    const auto logits = head->forward(hidden, precision[body.size()]);
    return {logits.select(2, 0), logits.select(2, 1)};
}

void ToyQaModelImpl::set_quant_settings(const quant::QuantSettings& settings) {
    for (auto& b : body) b->set_quant_options(settings.linear);
    head->set_quant_options(settings.linear);
}

}  // namespace bitswitch::testing
