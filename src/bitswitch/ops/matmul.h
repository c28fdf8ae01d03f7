// The model's large matrix products on kernels::sgemm (oneDNN) where it applies — float32 CPU tensors in a
// build with oneDNN — and on libtorch's matmul everywhere else (CUDA, other dtypes, BITSWITCH_GEMM=torch).
// Both paths compute the same products; only the kernel (and so the float summation order) differs.
#pragma once

#include <torch/types.h>

namespace bitswitch::ops {

/// True when products on float32 CPU tensors run on oneDNN: the build has it and the environment variable
/// BITSWITCH_GEMM is not "torch" (read once; "torch" is for comparing against libtorch's BLAS).
bool fast_gemm_enabled();

/// Whether linear()'s products on float32 CPU tensors take bfloat16 operands (--bf16 compute; off by
/// default): x, w and the incoming gradient are rounded to bfloat16 (nearest, ties to even), multiplied and
/// summed in float32, and the results (outputs and gradients) stay float32, as are everything outside
/// those products: LoRA's products, attention, LayerNorm, the quantizers, masters and optimizer states.
bool bf16_products();

/// True when bf16 products can be turned on: oneDNN in use (fast_gemm_enabled) and a CPU with native
/// bfloat16 dot products (AVX512_BF16 or AMX).
bool bf16_products_available();

/// Turns bf16 products on or off for the process. On throws InputError, naming the CPU's instruction set,
/// when the CPU has no native bfloat16 dot products (AVX512_BF16 or AMX) or the build no oneDNN.
void set_bf16_products(bool on);

/// bf16 products on (or off) for a scope, then back to what they were.
class Bf16ProductsScope {
  public:
    explicit Bf16ProductsScope(bool on) : previous_(bf16_products()) { set_bf16_products(on); }
    ~Bf16ProductsScope() { set_bf16_products(previous_); }
    Bf16ProductsScope(const Bf16ProductsScope&)            = delete;
    Bf16ProductsScope& operator=(const Bf16ProductsScope&) = delete;

  private:
    bool previous_;
};

/// y = x·wᵀ + b, x (N, in), w (out, in), b (out) or undefined: torch::addmm's result, with the gradients
/// of whichever of x, w, b require them (the frozen base weight of a LoRA layer gets none, at no cost).
/// Under bf16_products() the three products (y, dx, dw) take bfloat16 operands.
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
