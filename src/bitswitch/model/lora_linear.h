// The one linear layer type of the model: every projection of the blocks and the QA head.
//   y = x · Wᵀ + b + (alpha / rank) · dropout(x) · Aᵀ · Bᵀ       (LoRA, arXiv:2106.09685)
// W (out, in) and b are the base weights (frozen in LoRA training); an adapter is A (R, in), initialised
// Kaiming-uniform(a = sqrt(5)) as nn.Linear, and B (out, R), initialised to zero, so a new adapter leaves
// the output unchanged. A layer holds any number of named adapters and uses the active one (or none).
// The quantization-core issue extends this module with quantizers and per-bit-width weight caches.
#pragma once

#include <map>
#include <string>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace bitswitch::model {

struct LoRAOptions {
    int64_t rank   = 8;
    double alpha   = 16.0;
    double dropout = 0.0;
};

/// One adapter: A (R, in), B (out, R).
class LoRAAdapterImpl : public torch::nn::Module {
  public:
    LoRAAdapterImpl(int64_t in_features, int64_t out_features, LoRAOptions options);
    /// y += (alpha / R) · dropout(x) · Aᵀ · Bᵀ for y (N, out) and x (N, in), in place: the scale is applied to
    /// the small B (out, R) and the product accumulates into y inside the GEMM, saving two passes over y.
    void add_to(torch::Tensor& y, const torch::Tensor& x);

    LoRAOptions options;
    torch::Tensor A, B;
};
TORCH_MODULE(LoRAAdapter);

class LoRALinearImpl : public torch::nn::Module {
  public:
    LoRALinearImpl(int64_t in_features, int64_t out_features, bool bias = true);

    /// x: (..., in) -> (..., out)
    torch::Tensor forward(const torch::Tensor& x);

    /// Adds adapter `name` (registered as submodule "lora_<name>"); InputError if it exists.
    void add_adapter(const std::string& name, LoRAOptions options);
    /// Selects the adapter used by forward(); "" = none. InputError naming unknown adapters.
    void set_active_adapter(const std::string& name);
    const std::string& active_adapter() const { return active_name_; }
    const std::map<std::string, LoRAAdapter>& adapters() const { return adapters_; }

    int64_t in_features, out_features;
    torch::Tensor weight;  // (out, in)
    torch::Tensor bias;    // (out), undefined without bias

  private:
    std::map<std::string, LoRAAdapter> adapters_;
    std::string active_name_;
    LoRAAdapterImpl* active_ = nullptr;
};
TORCH_MODULE(LoRALinear);

}  // namespace bitswitch::model
