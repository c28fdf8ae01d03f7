// Switchable quantized LoRA linear layer.
#include "bitswitch/quant/quant_lora_linear.h"

#include <cmath>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/kernels/packed_linear.h"
#include "bitswitch/ops/dropout.h"
#include "bitswitch/ops/matmul.h"

namespace bitswitch::quant {

LoRAAdapterImpl::LoRAAdapterImpl(int64_t in_features, int64_t out_features, LoRAOptions o) : options(o) {
    validate(o, "LoRA adapter");
    A = register_parameter("A", torch::empty({o.rank, in_features}));
    B = register_parameter("B", torch::zeros({out_features, o.rank}));
    torch::NoGradGuard no_grad;
    torch::nn::init::kaiming_uniform_(A, std::sqrt(5.0));  // nn.Linear's default, as PEFT uses for lora_A
}

void LoRAAdapterImpl::add_to(torch::Tensor& y, const torch::Tensor& x) {
    const auto in = ops::fast_dropout(x, options.dropout, is_training());
    ops::linear_accumulate(y, ops::linear(in, A, torch::Tensor()),
                           B * (options.alpha / double(options.rank)));
}

torch::Tensor LoRAAdapterImpl::delta_weight() const {
    return torch::mm(B, A) * (options.alpha / double(options.rank));
}

namespace {
thread_local bool skip_weight_init = false;
}  // namespace

SkipWeightInitGuard::SkipWeightInitGuard() : previous_(skip_weight_init) {
    skip_weight_init = true;
}
SkipWeightInitGuard::~SkipWeightInitGuard() {
    skip_weight_init = previous_;
}

QuantLoRALinearImpl::QuantLoRALinearImpl(int64_t in, int64_t out, bool with_bias)
    : in_features(in), out_features(out) {
    weight = register_parameter("weight", torch::empty({out, in}));
    torch::NoGradGuard no_grad;
    if (!skip_weight_init) weight.normal_(0.0, 0.02);  // GPT-2's initializer_range; checkpoints overwrite it
    if (with_bias) bias = register_parameter("bias", torch::zeros({out}));
    input_range_  = register_buffer("input_range", EmaRange::empty_state());
    output_range_ = EmaRange::empty_state();
}

void QuantLoRALinearImpl::set_quant_options(const LinearQuantOptions& options) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    options_ = options;
    cache_.clear();
    packed_cache_.clear();
}

LoRAAdapterImpl* QuantLoRALinearImpl::adapter_for(const UnitPrecision& p) const {
    for (const int b : {p.bits.w, p.bits.a}) {
        if (!valid_bits(b))
            throw InputError(fmt::format("{}: {} bits is not supported (use 2..16, or 32)", name, b));
    }
    if (p.adapter.empty() || (adapters_optional && adapters_.empty())) return nullptr;
    const auto it = adapters_.find(p.adapter);
    if (it == adapters_.end()) {
        std::string have;
        for (const auto& n : adapter_order_) have += (have.empty() ? "" : ", ") + n;
        throw InputError(
            fmt::format("{}: no adapter \"{}\" (has: {})", name, p.adapter, have.empty() ? "none" : have));
    }
    return it->second.ptr().get();
}

torch::Tensor QuantLoRALinearImpl::quantize_activation(const torch::Tensor& x2, int a_bits,
                                                       torch::Tensor& range, const char* what) {
    const std::string where = fmt::format("{} {}", name, what);
    if (options_.ema_ranges && is_training()) EmaRange::update(range, x2, options_.ema_momentum, where);
    if (a_bits == kFullPrecisionBits) return x2;
    QuantizerOptions q;
    q.bits        = a_bits;
    q.scheme      = options_.scheme;
    q.granularity = options_.act_granularity;
    q.ste_clip    = options_.ste_clip;
    if (!options_.ema_ranges) return fake_quantize(x2, q, where);
    if (!EmaRange::observed(range)) {
        q.granularity = Granularity::kTensor;  // evaluation before any training batch: the data's own range
        return fake_quantize(x2, q, where);
    }
    return fake_quantize_with_range(x2, q, range[0].item<float>(), range[1].item<float>(), where);
}

torch::Tensor QuantLoRALinearImpl::effective_bias(int w_bits) const {
    if (!bias.defined() || !options_.quantize_bias || w_bits == kFullPrecisionBits) return bias;
    QuantizerOptions q;
    q.bits        = w_bits;
    q.scheme      = options_.scheme;
    q.granularity = Granularity::kTensor;
    return fake_quantize(bias, q, name + " bias");
}

torch::Tensor QuantLoRALinearImpl::effective_weight(int w_bits, LoRAAdapterImpl* adapter,
                                                    const std::string& adapter_name) {
    const bool merged = options_.merged && adapter;
    if (w_bits == kFullPrecisionBits && !merged) return weight;
    QuantizerOptions q;
    q.bits             = w_bits;
    q.scheme           = options_.scheme;
    q.granularity      = options_.weight_granularity;
    q.group_size       = options_.weight_group_size;
    const auto compute = [&] {
        const auto w = merged ? weight + adapter->delta_weight() : weight;
        return fake_quantize(w, q, name + " weight");
    };
    const bool trains =
        torch::GradMode::is_enabled() &&
        (weight.requires_grad() || (merged && (adapter->A.requires_grad() || adapter->B.requires_grad())));
    if (trains) return compute();
    // Frozen: reuse the cached copy. Concurrent callers wait for the one that computes a missing entry
    // instead of computing it twice.
    std::lock_guard<std::mutex> lock(cache_mutex_);
    return fresh_entry(cache_, w_bits, merged ? adapter : nullptr, adapter_name,
                       [&](CachedWeight& e) { e.value = compute(); })
        .value;
}

void QuantLoRALinearImpl::check_packable(const UnitPrecision& precision, const std::string& config) const {
    if (precision.bits.w < 2 || precision.bits.w > 8)
        throw InputError(
            fmt::format("{}: {} runs it with w{}, on the float weight, which keeping only packed "
                        "levels frees; give configs with 2..8-bit weights everywhere",
                        config, name, precision.bits.w));
}

void QuantLoRALinearImpl::keep_only_packed(const std::vector<UnitPrecision>& precisions) {
    if (float_released_) {
        for (const auto& p : precisions)
            packed_weight(p.bits.w, adapter_for(p), p.adapter);  // throws if absent
        return;
    }
    for (const auto& p : precisions) check_packable(p, p.bits.name());
    std::string kept;
    for (const auto& p : precisions) {
        packed_weight(p.bits.w, adapter_for(p), p.adapter);
        kept += (kept.empty() ? "" : ", ") + fmt::format("w{}", p.bits.w) +
                (options_.merged && !p.adapter.empty() ? "+" + p.adapter : "");
    }
    torch::NoGradGuard no_grad;
    std::lock_guard<std::mutex> lock(cache_mutex_);
    cache_.clear();
    weight.set_(torch::empty({0}, weight.options()));  // in place: the module's parameter entry lets go too
    float_released_ = true;
    kept_levels_    = kept;
}

std::vector<PackedLevel> QuantLoRALinearImpl::packed_levels() {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    std::vector<PackedLevel> out;
    for (const auto& [key, entry] : packed_cache_) {
        if (entry.packed) out.push_back({key.first, key.second, entry.packed});
    }
    return out;
}

void QuantLoRALinearImpl::load_packed_levels(const std::vector<PackedLevel>& levels) {
    if (float_released_) throw Error(fmt::format("{}: the packed levels are loaded already", name));
    const int64_t group =
        options_.weight_granularity == Granularity::kGroup ? options_.weight_group_size : in_features;
    std::string kept;
    for (const auto& level : levels) {
        const auto& w = *level.weights;
        if (w.out != out_features || w.in != in_features || w.group != group || w.bits != level.w_bits ||
            w.bits < 2 || w.bits > 8 || int64_t(w.data.size()) != w.out * w.row_bytes() ||
            int64_t(w.scales.size()) != w.out * w.groups())
            throw InputError(
                fmt::format("{}: packed level w{} is {} x {} at {} bits in groups of {} ({} bytes, {} "
                            "scales); this layer "
                            "is {} x {} in groups of {}",
                            name, level.w_bits, w.out, w.in, w.bits, w.group, w.data.size(), w.scales.size(),
                            out_features, in_features, group));
        if (!level.merged_adapter.empty() && !adapters_.count(level.merged_adapter))
            throw InputError(fmt::format("{}: packed level w{} merges adapter \"{}\", which this layer lacks",
                                         name, level.w_bits, level.merged_adapter));
        kept += (kept.empty() ? "" : ", ") + fmt::format("w{}", level.w_bits) +
                (level.merged_adapter.empty() ? "" : "+" + level.merged_adapter);
    }
    torch::NoGradGuard no_grad;
    std::lock_guard<std::mutex> lock(cache_mutex_);
    cache_.clear();
    packed_cache_.clear();
    for (const auto& level : levels)
        packed_cache_[{level.w_bits, level.merged_adapter}] = {-1, -1, -1, {}, level.weights};
    weight.set_(torch::empty({0}, weight.options()));
    float_released_ = true;
    kept_levels_    = kept;
}

torch::Tensor QuantLoRALinearImpl::merged_weight(const UnitPrecision& precision, bool quantize) {
    torch::NoGradGuard no_grad;
    if (float_released_)
        throw InputError(fmt::format("{}: the float weight was freed (keep_only_packed)", name));
    LoRAAdapterImpl* adapter = adapter_for(precision);
    if (!quantize) return adapter ? weight + adapter->delta_weight() : weight.clone();
    auto w = effective_weight(precision.bits.w, adapter, precision.adapter);
    return adapter && !options_.merged ? w + adapter->delta_weight() : w.clone();
}

template <typename Fill>
QuantLoRALinearImpl::CachedWeight& QuantLoRALinearImpl::fresh_entry(
    std::map<std::pair<int, std::string>, CachedWeight>& cache, int w_bits, LoRAAdapterImpl* merged_adapter,
    const std::string& adapter_name, Fill&& fill) {
    const std::pair<int, std::string> key{w_bits, merged_adapter ? adapter_name : std::string()};
    if (float_released_) {
        const auto it = cache.find(key);
        if (it == cache.end() || !it->second.packed)
            throw InputError(
                fmt::format("{}: w{} {}is not loaded (the float weight was freed; loaded: {})", name, w_bits,
                            key.second.empty() ? "" : "with adapter " + key.second + " ", kept_levels_));
        return it->second;
    }
    auto& entry      = cache[key];
    const int64_t wv = weight._version();
    const int64_t av = merged_adapter ? merged_adapter->A._version() : -1;
    const int64_t bv = merged_adapter ? merged_adapter->B._version() : -1;
    if ((!entry.value.defined() && !entry.packed) || entry.weight_version != wv || entry.a_version != av ||
        entry.b_version != bv) {
        torch::NoGradGuard no_grad;
        entry = {wv, av, bv, {}, {}};
        fill(entry);
    }
    return entry;
}

std::shared_ptr<const kernels::PackedWeights> QuantLoRALinearImpl::packed_weight(
    int w_bits, LoRAAdapterImpl* adapter, const std::string& adapter_name) {
    const bool merged = options_.merged && adapter;
    std::lock_guard<std::mutex> lock(cache_mutex_);
    return fresh_entry(
               packed_cache_, w_bits, merged ? adapter : nullptr, adapter_name,
               [&](CachedWeight& e) {
                   const auto w =
                       (merged ? weight + adapter->delta_weight() : weight).to(torch::kFloat).contiguous();
                   const int64_t group = options_.weight_granularity == Granularity::kGroup
                                             ? options_.weight_group_size
                                             : in_features;
                   e.packed            = std::make_shared<const kernels::PackedWeights>(
                       kernels::pack_weights(w.data_ptr<float>(), out_features, in_features, w_bits, group));
               })
        .packed;
}

torch::Tensor QuantLoRALinearImpl::packed_forward(const torch::Tensor& x2, const UnitPrecision& precision,
                                                  LoRAAdapterImpl* adapter) {
    const int w = precision.bits.w, a = precision.bits.a;
    const auto refuse = [&](const std::string& why) {
        throw InputError(fmt::format("{}: the packed engine does not run {}; use --engine fake", name, why));
    };
    if (torch::GradMode::is_enabled() && (weight.requires_grad() || (adapter && adapter->A.requires_grad())))
        refuse("training (it has no gradients)");
    if (options_.scheme != Scheme::kSymmetric) refuse("the asymmetric scheme");
    if (options_.weight_granularity == Granularity::kTensor) refuse("per-tensor weight ranges");
    if (options_.act_granularity != Granularity::kRow && a != kFullPrecisionBits)
        refuse("per-tensor activation ranges");
    if (options_.ema_ranges && a != kFullPrecisionBits) refuse("EMA activation ranges");
    if (options_.quantize_bias || options_.quantize_output) refuse("bias or output quantization");
    if (w > 8 || (a > 8 && a != kFullPrecisionBits))
        refuse(fmt::format("w{}a{} (weights at 2..8 bits, activations at 2..8 or 32)", w, a));
    const auto packed = packed_weight(w, adapter, precision.adapter);
    const auto x      = x2.to(torch::kFloat).contiguous();
    auto y            = torch::empty({x.size(0), out_features}, x.options());
    const auto b      = bias.defined() ? bias.to(torch::kFloat).contiguous() : torch::Tensor();
    kernels::packed_linear(x.data_ptr<float>(), x.size(0), *packed, a == kFullPrecisionBits ? 0 : a,
                           b.defined() ? b.data_ptr<float>() : nullptr, y.data_ptr<float>());
    return y;
}

torch::Tensor QuantLoRALinearImpl::forward(const torch::Tensor& x, const UnitPrecision& requested) {
    UnitPrecision precision = requested;
    if (options_.full_precision) precision.bits.w = precision.bits.a = kFullPrecisionBits;
    LoRAAdapterImpl* adapter = adapter_for(precision);
    // Flatten to 2-D so the adapter product can accumulate into the base output in place.
    const auto x2 = x.reshape({-1, in_features});  // (N, in)
    if (float_released_ && (engine_ != Engine::kPacked || precision.bits.w == kFullPrecisionBits))
        throw InputError(
            fmt::format("{}: w{} on the {} engine needs the float weight, which was freed (loaded: {})", name,
                        precision.bits.w, core::enum_name(kEngineNames, engine_), kept_levels_));
    // Full-precision weights have nothing to pack: both engines multiply them in float.
    const bool packed = engine_ == Engine::kPacked && precision.bits.w != kFullPrecisionBits;
    auto y            = packed ? packed_forward(x2, precision, adapter)
                               : ops::linear(quantize_activation(x2, precision.bits.a, input_range_, "input"),
                                             effective_weight(precision.bits.w, adapter, precision.adapter),
                                             effective_bias(precision.bits.w));  // (N, out)
    if (adapter && !options_.merged) adapter->add_to(y, x2);
    if (options_.quantize_output) y = quantize_activation(y, precision.bits.a, output_range_, "output");
    if (observer) observer(x2, y);
    auto out_shape   = x.sizes().vec();
    out_shape.back() = out_features;
    return y.view(out_shape);
}

void QuantLoRALinearImpl::add_adapter(const std::string& adapter, LoRAOptions options) {
    if (adapters_.count(adapter))
        throw InputError(fmt::format("{}: adapter \"{}\" already exists", name, adapter));
    adapters_.emplace(adapter,
                      register_module("lora_" + adapter, LoRAAdapter(in_features, out_features, options)));
    adapter_order_.push_back(adapter);
}

}  // namespace bitswitch::quant
