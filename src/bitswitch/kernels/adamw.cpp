// One-pass AdamW update (see adamw.h), compiled once per SIMD target by Highway.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "bitswitch/kernels/adamw.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include "bitswitch/kernels/adamw.h"

HWY_BEFORE_NAMESPACE();
namespace bitswitch::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void AdamWUpdate(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
                 const AdamWScalars& s) {
    const hn::ScalableTag<float> d;
    const auto decay = hn::Set(d, s.decay), beta1 = hn::Set(d, s.beta1), beta2 = hn::Set(d, s.beta2);
    const auto one_minus_beta1      = hn::Set(d, s.one_minus_beta1),
               one_minus_beta2      = hn::Set(d, s.one_minus_beta2);
    const auto inv_sqrt_correction2 = hn::Set(d, s.inv_sqrt_correction2), eps = hn::Set(d, s.eps);
    const auto step_size = hn::Set(d, s.step_size);
    // The same operation order as the scalar reference, so that both round alike except for FMA fusion.
    const auto update = [&](auto p, auto g, auto m, auto v, auto store) {
        m                = hn::MulAdd(one_minus_beta1, g, hn::Mul(beta1, m));
        v                = hn::MulAdd(hn::Mul(one_minus_beta2, g), g, hn::Mul(beta2, v));
        const auto denom = hn::MulAdd(hn::Sqrt(v), inv_sqrt_correction2, eps);
        p                = hn::NegMulAdd(step_size, hn::Div(m, denom), hn::Mul(p, decay));
        store(p, m, v);
    };
    const int64_t N = int64_t(hn::Lanes(d));
    int64_t i       = 0;
    for (; i + N <= n; i += N) {
        update(hn::LoadU(d, param + i), hn::LoadU(d, grad + i), hn::LoadU(d, exp_avg + i),
               hn::LoadU(d, exp_avg_sq + i), [&](auto p, auto m, auto v) {
                   hn::StoreU(p, d, param + i);
                   hn::StoreU(m, d, exp_avg + i);
                   hn::StoreU(v, d, exp_avg_sq + i);
               });
    }
    if (i < n) {
        const auto k = hn::FirstN(d, size_t(n - i));
        // Lanes past the end load zeros and are never stored (with ε = 0 they compute 0/0, unseen).
        update(hn::MaskedLoad(k, d, param + i), hn::MaskedLoad(k, d, grad + i),
               hn::MaskedLoad(k, d, exp_avg + i), hn::MaskedLoad(k, d, exp_avg_sq + i),
               [&](auto p, auto m, auto v) {
                   hn::BlendedStore(p, k, d, param + i);
                   hn::BlendedStore(m, k, d, exp_avg + i);
                   hn::BlendedStore(v, k, d, exp_avg_sq + i);
               });
    }
}

}  // namespace HWY_NAMESPACE
}  // namespace bitswitch::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <cmath>

namespace bitswitch::kernels {

HWY_EXPORT(AdamWUpdate);

AdamWScalars adamw_scalars(double lr, double beta1, double beta2, double eps, double weight_decay,
                           int64_t step) {
    const double correction1 = 1.0 - std::pow(beta1, double(step));
    const double correction2 = 1.0 - std::pow(beta2, double(step));
    AdamWScalars s;
    s.decay                = float(1.0 - lr * weight_decay);
    s.beta1                = float(beta1);
    s.beta2                = float(beta2);
    s.one_minus_beta1      = float(1.0 - beta1);
    s.one_minus_beta2      = float(1.0 - beta2);
    s.inv_sqrt_correction2 = float(1.0 / std::sqrt(correction2));
    s.eps                  = float(eps);
    s.step_size            = float(lr / correction1);
    return s;
}

void adamw_update(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
                  const AdamWScalars& s) {
    HWY_DYNAMIC_DISPATCH(AdamWUpdate)(param, grad, exp_avg, exp_avg_sq, n, s);
}

void adamw_update_reference(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
                            const AdamWScalars& s) {
    for (int64_t i = 0; i < n; ++i) {
        const float g     = grad[i];
        exp_avg[i]        = s.beta1 * exp_avg[i] + s.one_minus_beta1 * g;
        exp_avg_sq[i]     = s.beta2 * exp_avg_sq[i] + s.one_minus_beta2 * g * g;
        const float denom = std::sqrt(exp_avg_sq[i]) * s.inv_sqrt_correction2 + s.eps;
        param[i]          = param[i] * s.decay - s.step_size * (exp_avg[i] / denom);
    }
}

}  // namespace bitswitch::kernels
#endif  // HWY_ONCE
