// LoRA linear layer.
#include "bitswitch/model/lora_linear.h"

#include <cmath>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/model/dropout.h"

namespace bitswitch::model {

LoRAAdapterImpl::LoRAAdapterImpl(int64_t in_features, int64_t out_features, LoRAOptions o) : options(o) {
    if (o.rank <= 0) throw InputError(fmt::format("LoRA rank must be positive, got {}", o.rank));
    A = register_parameter("A", torch::empty({o.rank, in_features}));
    B = register_parameter("B", torch::zeros({out_features, o.rank}));
    torch::NoGradGuard no_grad;
    torch::nn::init::kaiming_uniform_(A, std::sqrt(5.0));  // nn.Linear's default, as PEFT uses for lora_A
}

LoRALinearImpl::LoRALinearImpl(int64_t in, int64_t out, bool with_bias) : in_features(in), out_features(out) {
    weight = register_parameter("weight", torch::empty({out, in}));
    torch::NoGradGuard no_grad;
    weight.normal_(0.0, 0.02);  // GPT-2's initializer_range; checkpoints overwrite it
    if (with_bias) bias = register_parameter("bias", torch::zeros({out}));
}

void LoRAAdapterImpl::add_to(torch::Tensor& y, const torch::Tensor& x) {
    const auto in = fast_dropout(x, options.dropout, is_training());
    y.addmm_(torch::mm(in, A.t()), (B * (options.alpha / double(options.rank))).t());
}

torch::Tensor LoRALinearImpl::forward(const torch::Tensor& x) {
    if (!active_) return torch::linear(x, weight, bias);
    // Flatten to 2-D so the adapter product can accumulate into the base output in place.
    const auto x2 = x.reshape({-1, in_features});                                 // (N, in)
    auto y        = bias.defined() ? torch::addmm(bias, x2, weight.t()) : torch::mm(x2, weight.t());  // (N, out)
    active_->add_to(y, x2);
    auto out_shape = x.sizes().vec();
    out_shape.back() = out_features;
    return y.view(out_shape);
}

void LoRALinearImpl::add_adapter(const std::string& name, LoRAOptions options) {
    if (adapters_.count(name)) throw InputError(fmt::format("adapter \"{}\" already exists", name));
    adapters_.emplace(name, register_module("lora_" + name, LoRAAdapter(in_features, out_features, options)));
}

void LoRALinearImpl::set_active_adapter(const std::string& name) {
    if (name.empty()) {
        active_name_.clear();
        active_ = nullptr;
        return;
    }
    const auto it = adapters_.find(name);
    if (it == adapters_.end()) throw InputError(fmt::format("no adapter \"{}\" in this layer", name));
    active_name_ = name;
    active_      = it->second.get();
}

}  // namespace bitswitch::model
