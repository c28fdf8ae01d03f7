// The model's large matrix products on kernels::sgemm (oneDNN) where it applies — float32 CPU tensors in a
// build with oneDNN — and on libtorch's matmul everywhere else (CUDA, other dtypes, BITSWITCH_GEMM=torch).
// Both paths compute the same products; only the kernel (and so the float summation order) differs.
#pragma once

#include <torch/types.h>

namespace bitswitch::ops {

/// True when products on float32 CPU tensors run on oneDNN: the build has it and the environment variable
/// BITSWITCH_GEMM is not "torch" (read once; "torch" is for comparing against libtorch's BLAS).
bool fast_gemm_enabled();

/// y = x·wᵀ + b, x (N, in), w (out, in), b (out) or undefined: torch::addmm's result, with the gradients
/// of whichever of x, w, b require them (the frozen base weight of a LoRA layer gets none, at no cost).
torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b);

/// y += x·wᵀ in place, y (N, out), x (N, k), w (out, k): torch's y.addmm_(x, w.t()), with gradients.
void linear_accumulate(torch::Tensor& y, const torch::Tensor& x, const torch::Tensor& w);

/// out[i] = op(a[i]) · op(b[i]) over the leading (batch) dims, 3-D or 4-D, where op transposes when the
/// flag is set: a (..., m, k) or (..., k, m), b (..., k, n) or (..., n, k), out (..., m, n). Strided
/// views (a head of a fused QKV tensor, a transposed output) are used in place when one of their two last
/// strides is 1. No autograd: for the insides of autograd functions.
void batched_matmul_into(const torch::Tensor& a, bool trans_a, const torch::Tensor& b, bool trans_b,
                         torch::Tensor& out);

/// batched_matmul_into with a new contiguous output.
torch::Tensor batched_matmul(const torch::Tensor& a, bool trans_a, const torch::Tensor& b, bool trans_b);

}  // namespace bitswitch::ops
