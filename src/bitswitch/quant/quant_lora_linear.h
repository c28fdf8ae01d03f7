// The one quantized linear layer type (every block projection and task head of every model): a frozen base
// weight, any number of named LoRA adapters, and fake quantization of its weight and input at the bit-widths
// of each call (DESIGN.md §4):
//   y = Q_a(x) · Q_w(W)ᵀ + b + (alpha / rank) · dropout(x) · Aᵀ · Bᵀ        (LoRA, arXiv:2106.09685)
// with the call's adapter on the unquantized input. In merged mode (deployment-faithful) the adapter is
// folded into the weight before quantization instead: y = Q_a(x) · Q_w(W + (alpha / rank)·B·A)ᵀ + b.
// A: (R, in), Kaiming-uniform(a = sqrt(5)) as nn.Linear; B: (out, R), zero, so a new adapter changes nothing.
//
// Precision is an argument of forward(), not a state of the layer, so two threads can run one layer at two
// precisions. Switching is free: quantized weights are cached per (bits, adapter if merged) while the
// weight is frozen, behind a mutex, and recomputed only when the weight changed (its version counter
// moved). A weight that requires gradients (full fine-tuning) is quantized at every forward, with
// straight-through gradients. Quantizer settings (scheme, granularity) are fixed while the layer serves.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "bitswitch/kernels/packed_weights.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quantizer.h"

namespace bitswitch::quant {

/// While one lives on a thread, quantized linears built there leave their float weight uninitialized
/// (torch::empty: its pages are never touched, so never resident): for loaders that install packed
/// levels in its place (a deployment file) or overwrite it at once.
class SkipWeightInitGuard {
  public:
    SkipWeightInitGuard();
    ~SkipWeightInitGuard();
    SkipWeightInitGuard(const SkipWeightInitGuard&)            = delete;
    SkipWeightInitGuard& operator=(const SkipWeightInitGuard&) = delete;

  private:
    bool previous_;
};

/// One packed level of a layer: its weight bits, the adapter folded in ("" unless merged mode) and the
/// packed weights.
struct PackedLevel {
    int w_bits = 0;
    std::string merged_adapter;
    std::shared_ptr<const kernels::PackedWeights> weights;
};

/// One adapter: A (R, in), B (out, R).
class LoRAAdapterImpl : public torch::nn::Module {
  public:
    LoRAAdapterImpl(int64_t in_features, int64_t out_features, LoRAOptions options);
    /// y += (alpha / R) · dropout(x) · Aᵀ · Bᵀ for y (N, out) and x (N, in), in place: the scale is applied
    /// to the small B (out, R) and the product accumulates into y inside the GEMM, saving two passes over y.
    void add_to(torch::Tensor& y, const torch::Tensor& x);
    /// (alpha / R) · B · A, (out, in).
    torch::Tensor delta_weight() const;

    LoRAOptions options;
    torch::Tensor A, B;
};
TORCH_MODULE(LoRAAdapter);

class QuantLoRALinearImpl : public torch::nn::Module {
  public:
    QuantLoRALinearImpl(int64_t in_features, int64_t out_features, bool bias = true);

    /// x: (..., in) -> (..., out) at `precision`: its w and a bits, and its adapter ("" = none).
    /// InputError naming this layer for an adapter it does not have.
    torch::Tensor forward(const torch::Tensor& x, const UnitPrecision& precision);

    /// Adds adapter `name` (registered as submodule "lora_<name>"); InputError if it exists.
    void add_adapter(const std::string& name, LoRAOptions options);
    const std::map<std::string, LoRAAdapter>& adapters() const { return adapters_; }
    /// Adapter names in the order they were added: the order of their parameters in named_parameters(),
    /// hence in an optimizer's state.
    const std::vector<std::string>& adapter_order() const { return adapter_order_; }
    /// The adapter `precision` runs with, or nullptr for none; InputError naming this layer when it is
    /// missing or the bits are not 2..16 or 32.
    LoRAAdapterImpl* adapter_for(const UnitPrecision& precision) const;

    void set_quant_options(const LinearQuantOptions& options);
    const LinearQuantOptions& quant_options() const { return options_; }
    /// How forward() computes at inference (Engine); switching drops no cache.
    void set_engine(Engine engine) { engine_ = engine; }
    Engine engine() const { return engine_; }
    /// Deployment: packs the weights of `precisions` (each 2..8-bit weights the packed engine runs) now, then
    /// frees the float weight, so the layer holds those levels' bits alone. From then on it runs only those
    /// (bits, adapter) pairs and only on the packed engine; anything else is an InputError naming the layer
    /// and what it kept. Irreversible (reload the model to get the float weight back). On a layer that holds
    /// only packed levels already, checks that they include `precisions` (InputError naming what is missing).
    void keep_only_packed(const std::vector<UnitPrecision>& precisions);
    /// InputError (naming `config` and this layer) unless keep_only_packed can keep `precision`: weights at
    /// 2..8 bits. Callers that release many layers check them all first.
    void check_packable(const UnitPrecision& precision, const std::string& config) const;
    bool float_weight_released() const { return float_released_; }
    /// The packed levels held (after keep_only_packed: exactly the kept ones), in (bits, adapter) order.
    std::vector<PackedLevel> packed_levels();
    /// Deployment from a file: frees the float weight and holds `levels` instead, as keep_only_packed would
    /// have left them. InputError naming this layer when a level's shape or group does not fit it.
    void load_packed_levels(const std::vector<PackedLevel>& levels);
    /// The weight forward() uses at `w_bits` with `adapter` (merged mode), cached while frozen.
    torch::Tensor effective_weight(int w_bits, LoRAAdapterImpl* adapter, const std::string& adapter_name);
    /// The one weight (out, in) that forward() at `precision` multiplies by, with the adapter folded in: the
    /// weight quantizer's output (merged mode quantizes W + delta, unmerged adds delta after), or with
    /// `quantize` false the float W + delta that a format of its own quantizes once. What exports write.
    torch::Tensor merged_weight(const UnitPrecision& precision, bool quantize);
    /// EMA range of the input, [lo, hi] (lo > hi until observed); a buffer, saved with the module.
    /// Recorded in training whenever the options ask for EMA ranges, at every bit-width including 32: a
    /// full-precision run records the ranges that post-training quantization uses later.
    const torch::Tensor& input_range() const { return input_range_; }
    torch::Tensor& input_range() { return input_range_; }
    /// The same for the output (quantize_output). A plain member, not a buffer: a model's tensor list (its
    /// checkpoints, deployment files) is the same whatever the options; run folders keep it beside the input
    /// ranges (quant_ranges.safetensors).
    const torch::Tensor& output_range() const { return output_range_; }
    torch::Tensor& output_range() { return output_range_; }

    int64_t in_features, out_features;
    torch::Tensor weight;         // (out, in)
    torch::Tensor bias;           // (out), undefined without bias
    std::string name = "linear";  // for messages: the model sets "h.3.mlp.c_fc"
    /// When set, forward() calls it with the flattened input (N, in) and output (N, out), the output still
    /// part of the autograd graph: analysis uses it for gradient-based sensitivity. Not for concurrent use.
    std::function<void(const torch::Tensor& input, const torch::Tensor& output)> observer;
    /// Task heads: a layer without any adapter ignores the adapter a config names (a head trained in full,
    /// PEFT's modules_to_save, serves every level with its own weights).
    bool adapters_optional = false;

  private:
    /// An activation (the input, or the output with quantize_output) at a_bits with `range`'s EMA when the
    /// options ask for it (recorded here in training, at every bit-width); `what` names it in errors.
    torch::Tensor quantize_activation(const torch::Tensor& x2, int a_bits, torch::Tensor& range,
                                      const char* what);
    /// The bias forward() adds at w_bits: itself, or quantized (quantize_bias).
    torch::Tensor effective_bias(int w_bits) const;
    /// y (N, out) of the packed engine for x2 (N, in); throws InputError naming this layer for a setting
    /// the packed kernels do not run.
    torch::Tensor packed_forward(const torch::Tensor& x2, const UnitPrecision& precision,
                                 LoRAAdapterImpl* adapter);
    /// Shared, so that a caller keeps its weights while another thread refreshes the entry.
    std::shared_ptr<const kernels::PackedWeights> packed_weight(int w_bits, LoRAAdapterImpl* adapter,
                                                                const std::string& adapter_name);

    /// A weight derived from the frozen weight (and a merged adapter), with the versions it was made from.
    struct CachedWeight {
        int64_t weight_version = -1, a_version = -1, b_version = -1;
        torch::Tensor value;                                   // fake engine
        std::shared_ptr<const kernels::PackedWeights> packed;  // packed engine
    };
    /// The entry of `key` in `cache`, refilled by `fill` when a tensor it was made from changed since
    /// (in-place updates such as loading a checkpoint or an optimizer step bump the version counter).
    /// Called with cache_mutex_ held.
    template <typename Fill>
    CachedWeight& fresh_entry(std::map<std::pair<int, std::string>, CachedWeight>& cache, int w_bits,
                              LoRAAdapterImpl* merged_adapter, const std::string& adapter_name, Fill&& fill);
    std::mutex cache_mutex_;
    std::map<std::pair<int, std::string>, CachedWeight> cache_, packed_cache_;
    Engine engine_       = Engine::kFakeQuant;
    bool float_released_ = false;  // keep_only_packed() ran: only packed_cache_ holds weights
    std::string kept_levels_;      // what it kept, for messages
    std::map<std::string, LoRAAdapter> adapters_;
    std::vector<std::string> adapter_order_;
    LinearQuantOptions options_;
    torch::Tensor input_range_, output_range_;
};
TORCH_MODULE(QuantLoRALinear);

}  // namespace bitswitch::quant
