// Per-token activation quantization (token_quant.h), compiled once per SIMD target by Highway.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "bitswitch/kernels/token_quant.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include <algorithm>
#include <cmath>

#include "bitswitch/kernels/token_quant.h"

#ifndef BITSWITCH_TOKEN_QUANT_SCALAR
#define BITSWITCH_TOKEN_QUANT_SCALAR
namespace bitswitch::kernels::detail {
// LLM-QAT's s for a range, in fake_quant.cpp's order of operations (reciprocal, then times the levels).
inline float symmetric_s(float absmax, int bits) {
    return (1.0f / (absmax + 1e-6f)) * float((1 << (bits - 1)) - 1);
}
}  // namespace bitswitch::kernels::detail
#endif

HWY_BEFORE_NAMESPACE();
namespace bitswitch::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One row: the range, then q + offset (0 or 128) stored as T (int8_t or uint8_t).
template <typename T>
HWY_INLINE float QuantizeRow(const float* x, int64_t n, int bits, int32_t offset, T* q) {
    const hn::ScalableTag<float> df;
    const hn::Rebind<int32_t, decltype(df)> di;
    const hn::Rebind<T, decltype(df)> dq;
    const int64_t N = int64_t(hn::Lanes(df));
    auto vmax       = hn::Zero(df);
    int64_t i       = 0;
    for (; i + N <= n; i += N) vmax = hn::Max(vmax, hn::Abs(hn::LoadU(df, x + i)));
    float absmax = hn::GetLane(hn::MaxOfLanes(df, vmax));
    for (int64_t j = i; j < n; ++j) absmax = std::max(absmax, std::fabs(x[j]));
    const float s = detail::symmetric_s(absmax, bits);
    const auto vs = hn::Set(df, s);
    const auto vo = hn::Set(di, offset);
    for (i = 0; i + N <= n; i += N) {
        const auto r = hn::Add(hn::NearestInt(hn::Mul(hn::LoadU(df, x + i), vs)), vo);
        hn::StoreU(hn::DemoteTo(dq, r), dq, q + i);
    }
    for (; i < n; ++i) q[i] = T(int32_t(std::nearbyint(x[i] * s)) + offset);
    return 1.0f / (s + 1e-6f);
}

void QuantizeRows(const float* x, int64_t rows, int64_t n, int bits, int8_t* q, float* d) {
    for (int64_t r = 0; r < rows; ++r) d[r] = QuantizeRow<int8_t>(x + r * n, n, bits, 0, q + r * n);
}

void QuantizeRowsShifted(const float* x, int64_t rows, int64_t n, int bits, uint8_t* q, float* d) {
    for (int64_t r = 0; r < rows; ++r) d[r] = QuantizeRow<uint8_t>(x + r * n, n, bits, 128, q + r * n);
}

}  // namespace HWY_NAMESPACE
}  // namespace bitswitch::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace bitswitch::kernels {

HWY_EXPORT(QuantizeRows);
HWY_EXPORT(QuantizeRowsShifted);

void quantize_rows(const float* x, int64_t rows, int64_t n, int bits, int8_t* q, float* d) {
    HWY_DYNAMIC_DISPATCH(QuantizeRows)(x, rows, n, bits, q, d);
}

void quantize_rows_shifted(const float* x, int64_t rows, int64_t n, int bits, uint8_t* q_plus_128, float* d) {
    HWY_DYNAMIC_DISPATCH(QuantizeRowsShifted)(x, rows, n, bits, q_plus_128, d);
}

void quantize_rows_reference(const float* x, int64_t rows, int64_t n, int bits, int8_t* q, float* d) {
    for (int64_t r = 0; r < rows; ++r) {
        const float* row = x + r * n;
        float absmax     = 0.0f;
        for (int64_t i = 0; i < n; ++i) absmax = std::max(absmax, std::fabs(row[i]));
        const float s = detail::symmetric_s(absmax, bits);
        for (int64_t i = 0; i < n; ++i) q[r * n + i] = int8_t(std::nearbyint(row[i] * s));
        d[r] = 1.0f / (s + 1e-6f);
    }
}

}  // namespace bitswitch::kernels
#endif  // HWY_ONCE
