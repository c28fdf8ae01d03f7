// The portable integer GEMM equals plain loops exactly on every SIMD target Highway compiled and this CPU
// runs (AVX2 among them on x86): sizes that are not multiples of the tile or the vector, sub-matrices with a
// leading dimension, zero sizes, and the extreme products (-128 · -128 and 127 · -128 summed over long rows)
// that saturate an int16 pair sum.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include "bitswitch/kernels/int8_gemm.h"

namespace bitswitch::kernels {
namespace {

std::vector<int8_t> random_int8(size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> value(-128, 127);
    std::vector<int8_t> v(n);
    for (auto& x : v) x = int8_t(value(rng));
    return v;
}

void expect_equal_to_reference(int64_t rows, int64_t cols, int64_t n, int64_t pad, const std::string& what) {
    const int64_t lda = n + pad, ldb = n + 2 * pad;
    auto a = random_int8(size_t(rows * lda), uint64_t(rows * 1000 + n));
    auto b = random_int8(size_t(cols * ldb), uint64_t(cols * 1000 + n + 1));
    if (rows > 0) std::fill(a.begin(), a.begin() + n, int8_t(-128));  // row 0: all -128
    if (cols > 0) std::fill(b.begin(), b.begin() + n, int8_t(-128));  // column 0: -128 · -128 = 16384 each
    if (cols > 1) std::fill(b.begin() + ldb, b.begin() + ldb + n, int8_t(127));
    std::vector<int32_t> fast(size_t(rows * cols), -1), ref(fast.size(), -2);
    int8_gemm_nt(a.data(), lda, b.data(), ldb, rows, cols, n, fast.data());
    int8_gemm_nt_reference(a.data(), lda, b.data(), ldb, rows, cols, n, ref.data());
    ASSERT_EQ(fast, ref) << what << ": rows " << rows << " cols " << cols << " n " << n << " pad " << pad;
    if (rows > 0 && cols > 0) {
        ASSERT_EQ(ref[0], int32_t(16384 * n));
    }
}

TEST(Int8Gemm, EqualsPlainLoopsOnEverySimdTarget) {
    int targets_run = 0;
    for (const int64_t target : hwy::SupportedAndGeneratedTargets()) {
        hwy::SetSupportedTargetsForTest(target);
        ++targets_run;
        for (const int64_t rows : {0, 1, 3, 4, 5, 9})
            for (const int64_t cols : {0, 1, 3, 4, 7, 13})
                for (const int64_t n : {0, 1, 15, 16, 17, 64, 97, 769})
                    expect_equal_to_reference(rows, cols, n, rows % 2 == 1 ? 3 : 0, hwy::TargetName(target));
        // One large enough to run on several threads.
        expect_equal_to_reference(37, 131, 768, 0, hwy::TargetName(target));
    }
    hwy::SetSupportedTargetsForTest(0);
    EXPECT_GE(targets_run, 1);
}

}  // namespace
}  // namespace bitswitch::kernels
