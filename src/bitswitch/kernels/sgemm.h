// Row-major single-precision GEMM through oneDNN's JIT kernels, for the model's large matrix products.
//
// Why not libtorch's matmul: on CPU it calls the system BLAS, and the OpenBLAS a Debian libtorch gets may
// run its AVX2 kernels on an AVX-512 CPU (OPENBLAS_CORETYPE=Haswell on this project's machines, or an
// OpenBLAS older than the CPU). oneDNN picks the widest ISA of the CPU itself: 1.9x the GEMM throughput of
// OpenBLAS's Haswell kernels on the development machine (docs/BENCHMARKS.md). libtorch links the same
// oneDNN, so no second copy is loaded. Builds without oneDNN report sgemm_available() == false and callers
// keep libtorch's matmul.
#pragma once

#include <cstdint>

namespace bitswitch::kernels {

/// True when bitswitch was built with oneDNN.
bool sgemm_available();

/// C = alpha · op(A) · op(B) + beta · C, all row-major: op(A) is m x k, op(B) is k x n, C is m x n with
/// leading dimension ldc; op(X) = X, or Xᵀ when trans_x (X then stored k x m / n x k). Uses the calling
/// thread's OpenMP thread count; called inside a parallel region it runs on the calling thread only.
void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

/// A batch of matrices as a 4-D array: dims (d0, d1, rows, cols) with strides in elements, so a transposed
/// or head-interleaved view is described without copying. 3-D batches use d0 = 1.
struct MatrixBatch {
    float* data = nullptr;
    int64_t dims[4]{};
    int64_t strides[4]{};
};

/// c[i, j] = a[i, j] · b[i, j] for every batch index, on oneDNN's matmul primitive (JIT batched kernels,
/// about 2x a loop of sgemm calls for attention's 384 x 64 matrices). Returns false, writing nothing, when
/// oneDNN offers only its reference implementation for these strides (orders of magnitude slower) or none
/// at all; the caller then loops over sgemm.
bool batched_sgemm(const MatrixBatch& a, const MatrixBatch& b, const MatrixBatch& c);

}  // namespace bitswitch::kernels
