// GPT-2's activation, GELU with the tanh approximation, as one autograd function over the SIMD kernels
// of kernels/gelu.h (float32 CPU tensors; libtorch's torch::gelu(x, "tanh") elsewhere).
#pragma once

#include <torch/types.h>

namespace bitswitch::ops {

/// torch::gelu(x, "tanh"), with its gradient.
torch::Tensor gelu_tanh(const torch::Tensor& x);

}  // namespace bitswitch::ops
