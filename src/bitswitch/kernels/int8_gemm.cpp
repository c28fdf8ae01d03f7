// The portable exact integer GEMM (int8_gemm.h), compiled once per SIMD target by Highway.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "bitswitch/kernels/int8_gemm.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include "bitswitch/kernels/int8_gemm.h"

HWY_BEFORE_NAMESPACE();
namespace bitswitch::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// A tile of kRows x kCols sums: every widened vector of A is used kCols times and every one of B kRows
// times. The columns past the last whole vector are summed in scalar code.
template <int kRows, int kCols>
HWY_INLINE void Tile(const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int64_t n, int32_t* acc,
                     int64_t ldc) {
    const hn::ScalableTag<int16_t> d16;
    const hn::Rebind<int8_t, decltype(d16)> d8;
    const hn::Repartition<int32_t, decltype(d16)> d32;
    const int64_t N = int64_t(hn::Lanes(d16));
    hn::Vec<decltype(d32)> sum0[kRows][kCols], sum1[kRows][kCols];
    for (int r = 0; r < kRows; ++r) {
        for (int c = 0; c < kCols; ++c) sum0[r][c] = sum1[r][c] = hn::Zero(d32);
    }
    int64_t k = 0;
    for (; k + N <= n; k += N) {
        hn::Vec<decltype(d16)> va[kRows];
        for (int r = 0; r < kRows; ++r) va[r] = hn::PromoteTo(d16, hn::LoadU(d8, a + r * lda + k));
        for (int c = 0; c < kCols; ++c) {
            const auto vb = hn::PromoteTo(d16, hn::LoadU(d8, b + c * ldb + k));
            for (int r = 0; r < kRows; ++r)
                sum0[r][c] = hn::ReorderWidenMulAccumulate(d32, va[r], vb, sum0[r][c], sum1[r][c]);
        }
    }
    for (int r = 0; r < kRows; ++r) {
        for (int c = 0; c < kCols; ++c) {
            int32_t s = hn::GetLane(hn::SumOfLanes(d32, hn::Add(sum0[r][c], sum1[r][c])));
            for (int64_t j = k; j < n; ++j) s += int32_t(a[r * lda + j]) * int32_t(b[c * ldb + j]);
            acc[r * ldc + c] = s;
        }
    }
}

// Columns of acc in tiles of kC, split among the OpenMP threads: a tile's rows of B stay in L1 while A
// streams past them.
void Int8GemmNT(const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int64_t rows, int64_t cols,
                int64_t n, int32_t* acc) {
    constexpr int kR = 4, kC = 4;
    const int64_t col_tiles = (cols + kC - 1) / kC;
#pragma omp parallel for schedule(static) if (rows * cols * n > (1 << 16))
    for (int64_t tile = 0; tile < col_tiles; ++tile) {
        const int64_t o  = tile * kC;
        const int8_t* bt = b + o * ldb;
        if (o + kC <= cols) {
            int64_t t = 0;
            for (; t + kR <= rows; t += kR)
                Tile<kR, kC>(a + t * lda, lda, bt, ldb, n, acc + t * cols + o, cols);
            for (; t < rows; ++t) Tile<1, kC>(a + t * lda, lda, bt, ldb, n, acc + t * cols + o, cols);
        } else {
            for (int64_t c = o; c < cols; ++c) {
                const int8_t* bc = b + c * ldb;
                int64_t t        = 0;
                for (; t + kR <= rows; t += kR)
                    Tile<kR, 1>(a + t * lda, lda, bc, ldb, n, acc + t * cols + c, cols);
                for (; t < rows; ++t) Tile<1, 1>(a + t * lda, lda, bc, ldb, n, acc + t * cols + c, cols);
            }
        }
    }
}

}  // namespace HWY_NAMESPACE
}  // namespace bitswitch::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace bitswitch::kernels {

HWY_EXPORT(Int8GemmNT);

void int8_gemm_nt(const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int64_t rows, int64_t cols,
                  int64_t n, int32_t* acc) {
    HWY_DYNAMIC_DISPATCH(Int8GemmNT)(a, lda, b, ldb, rows, cols, n, acc);
}

void int8_gemm_nt_reference(const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int64_t rows,
                            int64_t cols, int64_t n, int32_t* acc) {
    for (int64_t t = 0; t < rows; ++t) {
        for (int64_t o = 0; o < cols; ++o) {
            int32_t s = 0;
            for (int64_t k = 0; k < n; ++k) s += int32_t(a[t * lda + k]) * int32_t(b[o * ldb + k]);
            acc[t * cols + o] = s;
        }
    }
}

}  // namespace bitswitch::kernels
#endif  // HWY_ONCE
