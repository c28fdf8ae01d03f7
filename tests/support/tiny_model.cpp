#include "support/tiny_model.h"

#include <torch/torch.h>

namespace bitswitch::testing {

model::Gpt2Config tiny_config() {
    model::Gpt2Config c;
    c.vocab_size  = 64;
    c.n_positions = 32;
    c.n_embd      = 16;
    c.n_layer     = 2;
    c.n_head      = 2;
    c.attn_pdrop = c.resid_pdrop = c.embd_pdrop = 0.0;
    return c;
}

model::Gpt2Config real_vocab_config(int64_t n_positions) {
    auto c        = tiny_config();
    c.vocab_size  = 50257;
    c.n_embd      = 32;
    c.n_positions = n_positions;
    return c;
}

model::Gpt2ForQuestionAnswering tiny_model(uint64_t seed, const model::Gpt2Config& config) {
    torch::manual_seed(seed);
    model::Gpt2ForQuestionAnswering m(config);
    torch::NoGradGuard no_grad;
    for (auto& p : m->named_parameters()) {
        if (p.key().find(".lora_") == std::string::npos) p.value().normal_(0.0, 0.3);
    }
    return m;
}

quant::UnitList gpt2_units(int64_t n_layer) {
    auto config    = tiny_config();
    config.n_layer = n_layer;
    return model::Gpt2ForQuestionAnswering(config)->units();
}

Weights weights_of(const model::Gpt2ForQuestionAnswering& model) {
    Weights w;
    for (const auto& p : model->named_parameters()) {
        const auto t = p.value().detach().contiguous();
        w[p.key()]   = std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    }
    return w;
}

quant::AdapterSet two_levels(int a_bits) {
    quant::LevelLists lists;
    lists.w_bits = {8, 4};
    if (a_bits > 0) lists.a_bits = {a_bits, a_bits};
    lists.ranks = {2};
    return {quant::make_levels(lists), ""};
}

void add_level_adapters(model::Gpt2ForQuestionAnswering& model, const quant::AdapterSet& set) {
    torch::NoGradGuard no_grad;
    for (auto& [name, layer] : model->linear_layers()) {
        for (const auto& level : set.levels) {
            layer->add_adapter(level.name(), level.lora);
            layer->adapters().at(level.name())->B.normal_(0, 0.5);
        }
    }
}

}  // namespace bitswitch::testing
