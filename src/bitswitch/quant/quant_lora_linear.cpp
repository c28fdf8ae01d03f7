// Switchable quantized LoRA linear layer.
#include "bitswitch/quant/quant_lora_linear.h"

#include <cmath>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/model/dropout.h"
#include "bitswitch/model/matmul.h"

namespace bitswitch::quant {

LoRAAdapterImpl::LoRAAdapterImpl(int64_t in_features, int64_t out_features, LoRAOptions o) : options(o) {
    if (o.rank <= 0) throw InputError(fmt::format("LoRA rank must be positive, got {}", o.rank));
    A = register_parameter("A", torch::empty({o.rank, in_features}));
    B = register_parameter("B", torch::zeros({out_features, o.rank}));
    torch::NoGradGuard no_grad;
    torch::nn::init::kaiming_uniform_(A, std::sqrt(5.0));  // nn.Linear's default, as PEFT uses for lora_A
}

void LoRAAdapterImpl::add_to(torch::Tensor& y, const torch::Tensor& x) {
    const auto in = model::fast_dropout(x, options.dropout, is_training());
    model::linear_accumulate(y, model::linear(in, A, torch::Tensor()),
                             B * (options.alpha / double(options.rank)));
}

torch::Tensor LoRAAdapterImpl::delta_weight() const {
    return torch::mm(B, A) * (options.alpha / double(options.rank));
}

QuantLoRALinearImpl::QuantLoRALinearImpl(int64_t in, int64_t out, bool with_bias)
    : in_features(in), out_features(out) {
    weight = register_parameter("weight", torch::empty({out, in}));
    torch::NoGradGuard no_grad;
    weight.normal_(0.0, 0.02);  // GPT-2's initializer_range; checkpoints overwrite it
    if (with_bias) bias = register_parameter("bias", torch::zeros({out}));
    input_range_ = register_buffer("input_range", EmaRange::empty_state());
}

void QuantLoRALinearImpl::set_bits(int w_bits, int a_bits) {
    for (const int b : {w_bits, a_bits}) {
        if (!valid_bits(b))
            throw InputError(fmt::format("{}: {} bits is not supported (use 2..16, or 32)", name, b));
    }
    w_bits_ = w_bits;
    a_bits_ = a_bits;
}

void QuantLoRALinearImpl::set_quant_options(const LinearQuantOptions& options) {
    options_ = options;
    cache_.clear();
}

torch::Tensor QuantLoRALinearImpl::quantize_input(const torch::Tensor& x2) {
    if (a_bits_ == kFullPrecisionBits) return x2;
    QuantizerOptions q;
    q.bits                  = a_bits_;
    q.scheme                = options_.scheme;
    q.granularity           = options_.act_granularity;
    q.ste_clip              = options_.ste_clip;
    const std::string where = name + " input";
    if (!options_.ema_ranges) return fake_quantize(x2, q, where);
    if (is_training()) EmaRange::update(input_range_, x2, options_.ema_momentum, where);
    if (!EmaRange::observed(input_range_)) {
        q.granularity = Granularity::kTensor;  // evaluation before any training batch: the data's own range
        return fake_quantize(x2, q, where);
    }
    return fake_quantize_with_range(x2, q, input_range_[0].item<float>(), input_range_[1].item<float>(),
                                    where);
}

torch::Tensor QuantLoRALinearImpl::effective_weight() {
    const bool merged = options_.merged && active_;
    if (w_bits_ == kFullPrecisionBits && !merged) return weight;
    QuantizerOptions q;
    q.bits             = w_bits_;
    q.scheme           = options_.scheme;
    q.granularity      = options_.weight_granularity;
    q.group_size       = options_.weight_group_size;
    const auto compute = [&] {
        const auto w = merged ? weight + active_->delta_weight() : weight;
        return fake_quantize(w, q, name + " weight");
    };
    const bool trains =
        torch::GradMode::is_enabled() &&
        (weight.requires_grad() || (merged && (active_->A.requires_grad() || active_->B.requires_grad())));
    if (trains) return compute();
    // Frozen: reuse the cached copy unless a tensor it was made from changed since (in-place updates
    // such as loading a checkpoint or an optimizer step bump the version counter).
    auto& entry      = cache_[{w_bits_, merged ? active_name_ : std::string()}];
    const int64_t wv = weight._version();
    const int64_t av = merged ? active_->A._version() : -1;
    const int64_t bv = merged ? active_->B._version() : -1;
    if (!entry.value.defined() || entry.weight_version != wv || entry.a_version != av ||
        entry.b_version != bv) {
        torch::NoGradGuard no_grad;
        entry = {wv, av, bv, compute()};
    }
    return entry.value;
}

torch::Tensor QuantLoRALinearImpl::forward(const torch::Tensor& x) {
    // Flatten to 2-D so the adapter product can accumulate into the base output in place.
    const auto x2 = x.reshape({-1, in_features});  // (N, in)
    const auto xq = quantize_input(x2);
    auto y        = model::linear(xq, effective_weight(), bias);  // (N, out)
    if (active_ && !options_.merged) active_->add_to(y, x2);
    auto out_shape   = x.sizes().vec();
    out_shape.back() = out_features;
    return y.view(out_shape);
}

void QuantLoRALinearImpl::add_adapter(const std::string& adapter, LoRAOptions options) {
    if (adapters_.count(adapter))
        throw InputError(fmt::format("{}: adapter \"{}\" already exists", name, adapter));
    adapters_.emplace(adapter,
                      register_module("lora_" + adapter, LoRAAdapter(in_features, out_features, options)));
}

void QuantLoRALinearImpl::set_active_adapter(const std::string& adapter) {
    if (adapter.empty()) {
        active_name_.clear();
        active_ = nullptr;
        return;
    }
    const auto it = adapters_.find(adapter);
    if (it == adapters_.end()) {
        std::string have;
        for (const auto& [n, a] : adapters_) have += (have.empty() ? "" : ", ") + n;
        throw InputError(
            fmt::format("{}: no adapter \"{}\" (has: {})", name, adapter, have.empty() ? "none" : have));
    }
    active_name_ = adapter;
    active_      = it->second.get();
}

}  // namespace bitswitch::quant
