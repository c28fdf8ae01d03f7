// Fused causal softmax + dropout rows (see attention_softmax.h). Compiled once per SIMD target by Highway's
// foreach_target; the best target of the running CPU is chosen at the first call.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "bitswitch/kernels/attention_softmax.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

#include <algorithm>
#include <limits>

#include "bitswitch/kernels/attention_softmax.h"
#include "bitswitch/kernels/dropout_hash.h"

HWY_BEFORE_NAMESPACE();
namespace bitswitch::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Dropout multipliers of lanes [col, col + N) of a row (dropout_hash.h), computed in registers.
template <class D>
hn::Vec<D> dropout_lanes(D d, uint32_t key, uint32_t threshold, float scale, int64_t col) {
    const hn::RebindToSigned<D> di;
    const hn::RebindToUnsigned<D> du;
    auto h = hn::Xor(hn::Mul(hn::Iota(du, uint32_t(col)), hn::Set(du, kDropoutColumnMultiplier)),
                     hn::Set(du, key));
    h      = hn::Xor(h, hn::ShiftRight<16>(h));
    h      = hn::Mul(h, hn::Set(du, 0x85EBCA6Bu));
    h      = hn::Xor(h, hn::ShiftRight<13>(h));
    h      = hn::Mul(h, hn::Set(du, 0xC2B2AE35u));
    h      = hn::Xor(h, hn::ShiftRight<16>(h));
    // The top 16 bits fit a signed compare; bits >= threshold as bits > threshold - 1 (no integer Ge here).
    const auto keep = hn::Gt(hn::BitCast(di, hn::ShiftRight<16>(h)), hn::Set(di, int32_t(threshold) - 1));
    return hn::IfThenElseZero(hn::RebindMask(d, keep), hn::Set(d, scale));
}

struct RowPlace {
    int64_t batch;
    int64_t visible;  // keys [0, visible) may be attended
    int64_t written;  // keys [0, written) are written (zeros past `visible`)
};

RowPlace place_of(const AttentionRows& a, int64_t r) {
    const int64_t t       = r % a.queries;
    const int64_t visible = a.causal ? std::min(a.keys, a.past + t + 1) : a.keys;
    const int64_t written = a.causal && a.query_block > 0
                                ? std::min(a.keys, a.past + (t / a.query_block + 1) * a.query_block)
                                : a.keys;
    return {r / (a.queries * a.heads), visible, written};
}

void AttentionSoftmaxForward(const AttentionRows& a, int64_t row_begin, int64_t row_end, float* scores,
                             float* dropped) {
    const hn::ScalableTag<float> d;
    const int64_t N       = int64_t(hn::Lanes(d));
    const int64_t S       = a.keys;
    const bool use_drop   = a.dropout_p > 0.0f;
    const float scale     = use_drop ? 1.0f / (1.0f - a.dropout_p) : 1.0f;
    const uint32_t thresh = dropout_threshold(a.dropout_p);
    const auto neg_inf    = hn::Set(d, -std::numeric_limits<float>::infinity());

    for (int64_t r = row_begin; r < row_end; ++r) {
        float* x                         = scores + r * S;
        float* out_drop                  = use_drop ? dropped + r * S : nullptr;
        const auto [b, visible, written] = place_of(a, r);
        const float* bias                = a.key_bias ? a.key_bias + b * S : nullptr;

        // Every vector below is masked to the visible keys, so rows of any length are read and written
        // in bounds. Pass 1: add the padding bias, find the maximum.
        auto vmax = neg_inf;
        for (int64_t s = 0; s < visible; s += N) {
            const auto m = hn::FirstN(d, size_t(std::min(N, visible - s)));
            auto v       = hn::MaskedLoad(m, d, x + s);
            if (bias) v = hn::Add(v, hn::MaskedLoad(m, d, bias + s));
            v    = hn::IfThenElse(m, v, neg_inf);
            vmax = hn::Max(vmax, v);
            hn::BlendedStore(v, m, d, x + s);
        }
        const float max = hn::GetLane(hn::MaxOfLanes(d, vmax));
        if (max == -std::numeric_limits<float>::infinity()) {  // nothing visible: P = 0
            std::fill(x, x + written, 0.0f);
            if (use_drop) std::fill(out_drop, out_drop + written, 0.0f);
            continue;
        }
        // Pass 2: exponentials and their sum. Exp is exactly 0 below -104, so padding (-inf) gives 0.
        const auto vmax_b = hn::Set(d, max);
        auto vsum         = hn::Zero(d);
        for (int64_t s = 0; s < visible; s += N) {
            const auto m = hn::FirstN(d, size_t(std::min(N, visible - s)));
            const auto e = hn::IfThenElseZero(m, hn::Exp(d, hn::Sub(hn::MaskedLoad(m, d, x + s), vmax_b)));
            vsum         = hn::Add(vsum, e);
            hn::BlendedStore(e, m, d, x + s);
        }
        // Pass 3: normalise, apply dropout, zero the invisible keys.
        const auto inv     = hn::Set(d, 1.0f / hn::GetLane(hn::SumOfLanes(d, vsum)));
        const uint32_t key = use_drop ? dropout_row_key(a.dropout_seed, uint64_t(r)) : 0;
        for (int64_t s = 0; s < visible; s += N) {
            const auto m = hn::FirstN(d, size_t(std::min(N, visible - s)));
            const auto p = hn::Mul(hn::MaskedLoad(m, d, x + s), inv);
            hn::BlendedStore(p, m, d, x + s);
            if (use_drop)
                hn::BlendedStore(hn::Mul(p, dropout_lanes(d, key, thresh, scale, s)), m, d, out_drop + s);
        }
        std::fill(x + visible, x + written, 0.0f);
        if (use_drop) std::fill(out_drop + visible, out_drop + written, 0.0f);
    }
}

void AttentionSoftmaxBackward(const AttentionRows& a, int64_t row_begin, int64_t row_end, const float* probs,
                              float* grad, float* dropped) {
    const hn::ScalableTag<float> d;
    const int64_t N       = int64_t(hn::Lanes(d));
    const int64_t S       = a.keys;
    const bool use_drop   = a.dropout_p > 0.0f;
    const float scale     = use_drop ? 1.0f / (1.0f - a.dropout_p) : 1.0f;
    const uint32_t thresh = dropout_threshold(a.dropout_p);

    for (int64_t r = row_begin; r < row_end; ++r) {
        const float* p        = probs + r * S;
        float* g              = grad + r * S;
        const RowPlace place  = place_of(a, r);
        const int64_t visible = place.visible, written = place.written;
        // dS_s = P_s (m_s g_s - sum_j P_j m_j g_j), m = dropout multipliers (1 without dropout).
        const uint32_t key = use_drop ? dropout_row_key(a.dropout_seed, uint64_t(r)) : 0;
        auto vdot          = hn::Zero(d);
        for (int64_t s = 0; s < visible; s += N) {
            const auto m = hn::FirstN(d, size_t(std::min(N, visible - s)));
            auto gv      = hn::MaskedLoad(m, d, g + s);
            if (use_drop) gv = hn::Mul(gv, dropout_lanes(d, key, thresh, scale, s));
            vdot = hn::MulAdd(gv, hn::MaskedLoad(m, d, p + s), vdot);
        }
        const auto dot = hn::Set(d, hn::GetLane(hn::SumOfLanes(d, vdot)));
        for (int64_t s = 0; s < visible; s += N) {
            const auto m  = hn::FirstN(d, size_t(std::min(N, visible - s)));
            const auto pv = hn::MaskedLoad(m, d, p + s);
            auto gv       = hn::MaskedLoad(m, d, g + s);
            if (use_drop) {
                const auto mv = dropout_lanes(d, key, thresh, scale, s);
                gv            = hn::Mul(gv, mv);
                hn::BlendedStore(hn::Mul(pv, mv), m, d, dropped + r * S + s);
            }
            hn::BlendedStore(hn::Mul(pv, hn::Sub(gv, dot)), m, d, g + s);
        }
        std::fill(g + visible, g + written, 0.0f);
        if (use_drop) std::fill(dropped + r * S + visible, dropped + r * S + written, 0.0f);
    }
}

}  // namespace HWY_NAMESPACE
}  // namespace bitswitch::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace bitswitch::kernels {

HWY_EXPORT(AttentionSoftmaxForward);
HWY_EXPORT(AttentionSoftmaxBackward);

void attention_softmax_forward(const AttentionRows& a, int64_t row_begin, int64_t row_end, float* scores,
                               float* dropped) {
    HWY_DYNAMIC_DISPATCH(AttentionSoftmaxForward)(a, row_begin, row_end, scores, dropped);
}

void attention_softmax_backward(const AttentionRows& a, int64_t row_begin, int64_t row_end,
                                const float* probs, float* grad, float* dropped) {
    HWY_DYNAMIC_DISPATCH(AttentionSoftmaxBackward)(a, row_begin, row_end, probs, grad, dropped);
}

}  // namespace bitswitch::kernels
#endif  // HWY_ONCE
