// Fused fake quantization (see fake_quant.h), compiled once per SIMD target by Highway's foreach_target.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "bitswitch/kernels/fake_quant.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "bitswitch/kernels/fake_quant.h"

HWY_BEFORE_NAMESPACE();
namespace bitswitch::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Parameters of one group's quantizer, computed once per group.
struct GroupQuant {
    float a, b;    // symmetric: s and s + 1e-6; asymmetric: min and scale
    float levels;  // asymmetric: 2^b - 1
};

GroupQuant symmetric_params(int bits, float absmax) {
    // PyTorch evaluates the seeds' `(2**(b-1) - 1) / (max + 1e-6)` as reciprocal(max + 1e-6) * (2^(b-1) - 1).
    const float s = (1.0f / (absmax + 1e-6f)) * float((1 << (bits - 1)) - 1);
    return {s, s + 1e-6f, 0.0f};
}

GroupQuant asymmetric_params(int bits, float lo, float hi) {
    const float levels = float((1u << bits) - 1);
    float width        = hi - lo;
    float scale        = std::isfinite(width) ? width / levels : hi / levels - lo / levels;
    scale              = std::max(scale, 1e-8f);
    return {lo, scale, levels};
}

// Quantizes x[0, n) into y with fixed parameters; the tail uses masked loads and stores.
void apply(const float* x, float* y, int64_t n, QuantScheme scheme, const GroupQuant& g) {
    const hn::ScalableTag<float> d;
    const int64_t N = int64_t(hn::Lanes(d));
    const auto va = hn::Set(d, g.a), vb = hn::Set(d, g.b), vlevels = hn::Set(d, g.levels), zero = hn::Zero(d);
    const auto quantize = [&](auto v) {
        if (scheme == QuantScheme::kSymmetric) return hn::Div(hn::Round(hn::Mul(v, va)), vb);
        const auto q = hn::Min(hn::Max(hn::Round(hn::Div(hn::Sub(v, va), vb)), zero), vlevels);
        return hn::Add(hn::Mul(q, vb), va);  // two roundings, as the libtorch formula
    };
    int64_t i = 0;
    for (; i + N <= n; i += N) hn::StoreU(quantize(hn::LoadU(d, x + i)), d, y + i);
    if (i < n) {
        const auto m = hn::FirstN(d, size_t(n - i));
        hn::BlendedStore(quantize(hn::MaskedLoad(m, d, x + i)), m, d, y + i);
    }
}

// Range of x[0, n): min, max, and whether a NaN was seen.
struct Range {
    float lo, hi;
    bool nan;
};

Range range_of(const float* x, int64_t n) {
    const hn::ScalableTag<float> d;
    const int64_t N = int64_t(hn::Lanes(d));
    const float inf = std::numeric_limits<float>::infinity();
    auto vlo = hn::Set(d, inf), vhi = hn::Set(d, -inf);
    auto nan  = hn::Zero(d);  // lanes become all-ones where x is NaN
    int64_t i = 0;
    for (; i + N <= n; i += N) {
        const auto v = hn::LoadU(d, x + i);
        vlo          = hn::Min(vlo, v);
        vhi          = hn::Max(vhi, v);
        nan          = hn::Or(nan, hn::VecFromMask(d, hn::IsNaN(v)));
    }
    if (i < n) {
        const auto m = hn::FirstN(d, size_t(n - i));
        const auto v = hn::MaskedLoad(m, d, x + i);
        vlo          = hn::Min(vlo, hn::IfThenElse(m, v, hn::Set(d, inf)));
        vhi          = hn::Max(vhi, hn::IfThenElse(m, v, hn::Set(d, -inf)));
        nan          = hn::Or(nan, hn::VecFromMask(d, hn::IsNaN(v)));
    }
    const bool any_nan = !hn::AllFalse(d, hn::MaskFromVec(nan));
    return {hn::GetLane(hn::MinOfLanes(d, vlo)), hn::GetLane(hn::MaxOfLanes(d, vhi)), any_nan};
}

bool FakeQuantGroups(const float* x, float* y, int64_t group_begin, int64_t group_end, int64_t group_len,
                     int bits, QuantScheme scheme) {
    for (int64_t gi = group_begin; gi < group_end; ++gi) {
        const float* xg = x + gi * group_len;
        const Range r   = range_of(xg, group_len);
        if (r.nan) return false;
        const GroupQuant q = scheme == QuantScheme::kSymmetric ? symmetric_params(bits, std::max(-r.lo, r.hi))
                                                               : asymmetric_params(bits, r.lo, r.hi);
        apply(xg, y + gi * group_len, group_len, scheme, q);
    }
    return true;
}

void FakeQuantWithRange(const float* x, float* y, int64_t n, int bits, QuantScheme scheme, float lo,
                        float hi) {
    const GroupQuant q = scheme == QuantScheme::kSymmetric
                             ? symmetric_params(bits, std::max(std::fabs(lo), std::fabs(hi)))
                             : asymmetric_params(bits, lo, hi);
    apply(x, y, n, scheme, q);
}

bool MinMax(const float* x, int64_t n, float* lo, float* hi) {
    const Range r = range_of(x, n);
    *lo           = r.lo;
    *hi           = r.hi;
    return !r.nan;
}

}  // namespace HWY_NAMESPACE
}  // namespace bitswitch::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace bitswitch::kernels {

HWY_EXPORT(FakeQuantGroups);
HWY_EXPORT(FakeQuantWithRange);
HWY_EXPORT(MinMax);

bool fake_quant_groups(const float* x, float* y, int64_t group_begin, int64_t group_end, int64_t group_len,
                       int bits, QuantScheme scheme) {
    return HWY_DYNAMIC_DISPATCH(FakeQuantGroups)(x, y, group_begin, group_end, group_len, bits, scheme);
}

void fake_quant_with_range(const float* x, float* y, int64_t n, int bits, QuantScheme scheme, float lo,
                           float hi) {
    HWY_DYNAMIC_DISPATCH(FakeQuantWithRange)(x, y, n, bits, scheme, lo, hi);
}

bool min_max(const float* x, int64_t n, float* lo, float* hi) {
    return HWY_DYNAMIC_DISPATCH(MinMax)(x, n, lo, hi);
}

}  // namespace bitswitch::kernels
#endif  // HWY_ONCE
