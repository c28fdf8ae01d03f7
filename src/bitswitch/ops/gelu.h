// GELU as autograd functions over the SIMD kernels of kernels/gelu.h (float32 CPU tensors; libtorch's
// torch::gelu elsewhere): GPT-2's tanh approximation and the exact (erf) GELU of BERT and RoBERTa.
#pragma once

#include <torch/types.h>

namespace bitswitch::ops {

/// torch::gelu(x, "tanh"), with its gradient.
torch::Tensor gelu_tanh(const torch::Tensor& x);

/// torch::gelu(x), the exact GELU, with its gradient.
torch::Tensor gelu_erf(const torch::Tensor& x);

}  // namespace bitswitch::ops
