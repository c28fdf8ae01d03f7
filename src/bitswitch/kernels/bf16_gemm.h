// bfloat16 x bfloat16 -> float32 GEMM through oneDNN's matmul primitive, for --bf16 compute: operands
// rounded to bfloat16 (8 significant bits), products and sums in float32. On CPUs with AVX512_BF16 (or
// AMX) oneDNN runs it on the bf16 dot-product instructions, about twice float32's throughput; elsewhere
// it would emulate them, slower than float32, so bf16_gemm_native() tells the caller whether to offer it.
#pragma once

#include <cstdint>

namespace bitswitch::kernels {

/// True when the build has oneDNN and the CPU multiplies bfloat16 natively (AVX512_BF16 or AMX).
bool bf16_gemm_native();

/// The CPU's widest instruction set as oneDNN names it (for error messages), "none" without oneDNN.
const char* cpu_isa_name();

/// C = op(A) · op(B) + bias + beta · C with beta 0 or 1, row-major, A and B bfloat16 (raw 16-bit patterns),
/// C float32: op(A) is m x k, op(B) is k x n, C is m x n with leading dimension ldc; op(X) = X, or Xᵀ when
/// trans_x (X then stored k x m / n x k). bias: n float32 values added to every row, or null. The bias is
/// added inside the product's own pass over C, not by a pass of its own. Aborts on a build without oneDNN
/// (callers check first).
void bf16_gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const uint16_t* a, int64_t lda,
               const uint16_t* b, int64_t ldb, float beta, float* c, int64_t ldc,
               const float* bias = nullptr);

/// The same product in plain loops (float32 products of the widened operands summed in double with the
/// bias, then rounded): what bf16_gemm is tested against.
void bf16_gemm_reference(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const uint16_t* a,
                         int64_t lda, const uint16_t* b, int64_t ldb, float beta, float* c, int64_t ldc,
                         const float* bias = nullptr);

/// bfloat16's bit pattern as a float (exact) and a float rounded to the nearest bfloat16, ties to even
/// (NaN stays NaN).
float bf16_to_float(uint16_t bits);
uint16_t float_to_bf16(float value);

}  // namespace bitswitch::kernels
