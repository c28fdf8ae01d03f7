// GELU as autograd functions over the SIMD kernels of kernels/gelu.h (float32 CPU tensors; libtorch's
// torch::gelu elsewhere): GPT-2's tanh approximation and the exact (erf) GELU of BERT and RoBERTa.
#pragma once

#include <torch/types.h>

namespace bitswitch::ops {

/// torch::gelu(x, "tanh"), with its gradient.
torch::Tensor gelu_tanh(const torch::Tensor& x);

/// torch::gelu(x), the exact GELU, with its gradient.
torch::Tensor gelu_erf(const torch::Tensor& x);

/// The same for a tensor the caller hands over with std::move (a layer's fresh pre-activation): when no
/// gradient will be asked of it (inference) and no other handle shares its memory, it is overwritten in
/// place, sparing a pass over memory and, for a feed-forward's 50 MB at batch 32 x 128, a fresh mapping
/// whose pages the kernel must clear. Otherwise as above.
torch::Tensor gelu_tanh_reusing(torch::Tensor x);
torch::Tensor gelu_erf_reusing(torch::Tensor x);

}  // namespace bitswitch::ops
