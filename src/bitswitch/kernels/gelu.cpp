// GELU (tanh approximation and exact) forward and backward (see gelu.h), compiled once per SIMD target
// by Highway.
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

// 1 + erf(x/√2) = 2·Φ(x) and φ(x), from one exponential: with a = |x|/√2, erfc(a) ≈ P(t)·e^(−a²),
// t = 1 / (1 + p·a) (Abramowitz and Stegun 7.1.26), and e^(−a²) = e^(−x²/2) = √(2π)·φ(x).
template <class D, class V>
HWY_INLINE void TwoCdfAndPdf(D d, V x, V& two_cdf, V& pdf) {
    const auto a      = hn::Mul(hn::Abs(x), hn::Set(d, 0.7071067811865476f));
    const auto t      = hn::Div(hn::Set(d, 1.0f), hn::MulAdd(hn::Set(d, 0.3275911f), a, hn::Set(d, 1.0f)));
    auto poly         = hn::MulAdd(hn::Set(d, 1.061405429f), t, hn::Set(d, -1.453152027f));
    poly              = hn::MulAdd(poly, t, hn::Set(d, 1.421413741f));
    poly              = hn::MulAdd(poly, t, hn::Set(d, -0.284496736f));
    poly              = hn::MulAdd(poly, t, hn::Set(d, 0.254829592f));
    const auto gauss  = hn::Exp(d, hn::Neg(hn::Mul(a, a)));
    const auto erfc_a = hn::Mul(hn::Mul(poly, t), gauss);  // 1 − erf(|x|/√2)
    two_cdf           = hn::IfThenElse(hn::Lt(x, hn::Zero(d)), erfc_a, hn::Sub(hn::Set(d, 2.0f), erfc_a));
    pdf               = hn::Mul(hn::Set(d, 0.3989422804014327f), gauss);  // 1/√(2π)
}

void GeluErfForward(const float* x, float* y, int64_t n) {
    const hn::ScalableTag<float> d;
    const auto half = hn::Set(d, 0.5f);
    for_each_vector(d, x, nullptr, y, n, [&](auto v, auto) {
        decltype(v) two_cdf, pdf;
        TwoCdfAndPdf(d, v, two_cdf, pdf);
        return hn::Mul(hn::Mul(half, v), two_cdf);
    });
}

void GeluErfBackward(const float* x, const float* dy, float* dx, int64_t n) {
    const hn::ScalableTag<float> d;
    const auto half = hn::Set(d, 0.5f);
    for_each_vector(d, x, dy, dx, n, [&](auto v, auto g) {
        decltype(v) two_cdf, pdf;
        TwoCdfAndPdf(d, v, two_cdf, pdf);
        return hn::Mul(g, hn::MulAdd(v, pdf, hn::Mul(half, two_cdf)));
    });
}

}  // namespace HWY_NAMESPACE
}  // namespace bitswitch::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace bitswitch::kernels {

HWY_EXPORT(GeluTanhForward);
HWY_EXPORT(GeluTanhBackward);
HWY_EXPORT(GeluErfForward);
HWY_EXPORT(GeluErfBackward);

void gelu_tanh_forward(const float* x, float* y, int64_t n) {
    HWY_DYNAMIC_DISPATCH(GeluTanhForward)(x, y, n);
}

void gelu_tanh_backward(const float* x, const float* dy, float* dx, int64_t n) {
    HWY_DYNAMIC_DISPATCH(GeluTanhBackward)(x, dy, dx, n);
}

void gelu_erf_forward(const float* x, float* y, int64_t n) {
    HWY_DYNAMIC_DISPATCH(GeluErfForward)(x, y, n);
}

void gelu_erf_backward(const float* x, const float* dy, float* dx, int64_t n) {
    HWY_DYNAMIC_DISPATCH(GeluErfBackward)(x, dy, dx, n);
}

}  // namespace bitswitch::kernels
#endif  // HWY_ONCE
