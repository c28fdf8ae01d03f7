// Exact int8 x int8 -> int32 products for the packed engine on CPUs without VNNI (and a check of the
// oneDNN path on those with it). Each pair of int8 values is widened to int16 and multiplied-and-added
// pairwise into int32 (AVX2's vpmaddwd, AVX-512's and NEON's equivalents, chosen at run time by Highway):
// |a · b| <= 128 · 128, so a pair's sum cannot saturate, unlike u8 x s8 instructions without VNNI, whose
// int16 pair sums can. Free of libtorch.
#pragma once

#include <cstdint>

namespace bitswitch::kernels {

/// acc[t][o] = Σ_{k in [0, n)} a[t · lda + k] · b[o · ldb + k] for t < rows, o < cols (acc row-major,
/// rows x cols): A times Bᵀ, both row-major int8, any sizes (zero included).
void int8_gemm_nt(const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int64_t rows, int64_t cols,
                  int64_t n, int32_t* acc);

/// The same in plain loops: what int8_gemm_nt is tested against.
void int8_gemm_nt_reference(const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int64_t rows,
                            int64_t cols, int64_t n, int32_t* acc);

}  // namespace bitswitch::kernels
