// GELU (tanh approximation) forward and backward (see gelu.h), compiled once per SIMD target by Highway.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "bitswitch/kernels/gelu.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

#include "bitswitch/kernels/gelu.h"

HWY_BEFORE_NAMESPACE();
namespace bitswitch::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr float kBeta  = 0.7978845608028654f;  // √(2/π)
constexpr float kKappa = 0.044715f;

// Applies fn(x[i..], dy[i..]) -> out[i..] over whole vectors, then the tail with masked loads and stores.
template <class D, class Fn>
HWY_INLINE void for_each_vector(D d, const float* x, const float* dy, float* out, int64_t n, const Fn& fn) {
    const int64_t N = int64_t(hn::Lanes(d));
    int64_t i       = 0;
    for (; i + N <= n; i += N)
        hn::StoreU(fn(hn::LoadU(d, x + i), dy ? hn::LoadU(d, dy + i) : hn::Zero(d)), d, out + i);
    if (i < n) {
        const auto m = hn::FirstN(d, size_t(n - i));
        hn::BlendedStore(fn(hn::MaskedLoad(m, d, x + i), dy ? hn::MaskedLoad(m, d, dy + i) : hn::Zero(d)), m,
                         d, out + i);
    }
}

void GeluTanhForward(const float* x, float* y, int64_t n) {
    const hn::ScalableTag<float> d;
    const auto beta = hn::Set(d, kBeta), kappa = hn::Set(d, kKappa), half = hn::Set(d, 0.5f),
               one = hn::Set(d, 1.0f);
    for_each_vector(d, x, nullptr, y, n, [&](auto v, auto) {
        const auto u = hn::Mul(beta, hn::MulAdd(hn::Mul(kappa, hn::Mul(v, v)), v, v));  // β(x + κx³)
        return hn::Mul(hn::Mul(half, v), hn::Add(one, hn::Tanh(d, u)));
    });
}

void GeluTanhBackward(const float* x, const float* dy, float* dx, int64_t n) {
    const hn::ScalableTag<float> d;
    const auto beta = hn::Set(d, kBeta), kappa = hn::Set(d, kKappa), kappa3 = hn::Set(d, 3.0f * kKappa);
    const auto half = hn::Set(d, 0.5f), one = hn::Set(d, 1.0f);
    for_each_vector(d, x, dy, dx, n, [&](auto v, auto g) {
        const auto v2               = hn::Mul(v, v);
        const auto t                = hn::Tanh(d, hn::Mul(beta, hn::MulAdd(hn::Mul(kappa, v2), v, v)));
        const auto left_derivative  = hn::Mul(half, hn::Add(one, t));
        const auto inner_derivative = hn::Mul(beta, hn::MulAdd(kappa3, v2, one));
        const auto right_derivative =
            hn::Mul(hn::Mul(hn::Mul(half, v), hn::NegMulAdd(t, t, one)), inner_derivative);
        return hn::Mul(g, hn::Add(left_derivative, right_derivative));
    });
}

}  // namespace HWY_NAMESPACE
}  // namespace bitswitch::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace bitswitch::kernels {

HWY_EXPORT(GeluTanhForward);
HWY_EXPORT(GeluTanhBackward);

void gelu_tanh_forward(const float* x, float* y, int64_t n) {
    HWY_DYNAMIC_DISPATCH(GeluTanhForward)(x, y, n);
}

void gelu_tanh_backward(const float* x, const float* dy, float* dx, int64_t n) {
    HWY_DYNAMIC_DISPATCH(GeluTanhBackward)(x, dy, dx, n);
}

}  // namespace bitswitch::kernels
#endif  // HWY_ONCE
