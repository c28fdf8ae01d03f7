// A QuantModel made up for tests, with no GPT-2 anywhere: token embeddings, `layers` quantized linears each
// followed by tanh ("body0", "body1", ...; one unit group each) and a QA head ("head", the last group).
#pragma once

#include <torch/nn/modules/embedding.h>

#include "bitswitch/model/quant_model.h"

namespace bitswitch::testing {

class ToyQaModelImpl : public model::QuantModel {
  public:
    ToyQaModelImpl(int64_t vocab, int64_t width, int64_t layers = 1);
    std::vector<std::pair<std::string, quant::QuantLoRALinear>> linear_layers() const override;
    torch::Tensor embed(const torch::Tensor& ids) override { return embedding->forward(ids); }
    torch::Tensor token_embedding_table() const override { return embedding->weight; }
    torch::Tensor encode(const torch::Tensor& x, const torch::Tensor& mask,
                         const quant::PrecisionConfig& precision) override;
    model::SpanLogits qa_head(const torch::Tensor& hidden, const quant::PrecisionConfig& precision) override;
    void set_quant_settings(const quant::QuantSettings& settings) override;

    torch::nn::Embedding embedding{nullptr};
    std::vector<quant::QuantLoRALinear> body;
    quant::QuantLoRALinear head{nullptr};
};
TORCH_MODULE(ToyQaModel);

}  // namespace bitswitch::testing
