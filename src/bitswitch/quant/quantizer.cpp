// Fake quantizers: fused kernels for float32 CPU tensors, libtorch ops elsewhere, straight-through backward.
#include "bitswitch/quant/quantizer.h"

#include <atomic>
#include <cmath>
#include <limits>

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/kernels/fake_quant.h"

namespace bitswitch::quant {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

kernels::QuantScheme kernel_scheme(Scheme s) {
    return s == Scheme::kSymmetric ? kernels::QuantScheme::kSymmetric : kernels::QuantScheme::kAsymmetric;
}

[[noreturn]] void throw_nan(const std::string& where) {
    throw Error(
        fmt::format("NaN in {} reached a quantizer: the model diverged or its input is corrupt", where));
}

int64_t group_length(const torch::Tensor& x, const QuantizerOptions& o, const std::string& where) {
    const int64_t row = x.dim() == 0 ? 1 : x.size(-1);
    switch (o.granularity) {
        case Granularity::kRow:
            return row;
        case Granularity::kTensor:
            return x.numel();
        case Granularity::kGroup:
            if (o.group_size <= 0 || row % o.group_size != 0) {
                throw InputError(fmt::format("{}: group size {} does not divide its rows of {} values", where,
                                             o.group_size, row));
            }
            return o.group_size;
    }
    return row;
}

// Range of a whole tensor, reduced in parallel chunks.
std::pair<float, float> tensor_range(const float* x, int64_t n, const std::string& where) {
    const int64_t chunk = 1 << 16, chunks = (n + chunk - 1) / chunk;
    std::vector<float> lo(static_cast<size_t>(chunks)), hi(static_cast<size_t>(chunks));
    std::atomic<bool> nan{false};
    at::parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
            const int64_t first = c * chunk;
            if (!kernels::min_max(x + first, std::min(chunk, n - first), &lo[size_t(c)], &hi[size_t(c)]))
                nan = true;
        }
    });
    if (nan) throw_nan(where);
    return {*std::min_element(lo.begin(), lo.end()), *std::max_element(hi.begin(), hi.end())};
}

void quantize_with_range(const float* x, float* y, int64_t n, const QuantizerOptions& o, float lo, float hi) {
    at::parallel_for(0, n, 1 << 15, [&](int64_t b, int64_t e) {
        kernels::fake_quant_with_range(x + b, y + b, e - b, o.bits, kernel_scheme(o.scheme), lo, hi);
    });
}

torch::Tensor quantize_forward(const torch::Tensor& input, const QuantizerOptions& o,
                               const std::string& where) {
    const auto x      = input.contiguous();
    auto y            = torch::empty_like(x);
    const int64_t len = group_length(x, o, where), n = x.numel();
    if (n == 0) return y;
    const float* src = x.data_ptr<float>();
    float* dst       = y.data_ptr<float>();
    if (o.granularity == Granularity::kTensor) {
        const auto [lo, hi] = tensor_range(src, n, where);
        quantize_with_range(src, dst, n, o, lo, hi);
        return y;
    }
    std::atomic<bool> ok{true};
    at::parallel_for(0, n / len, std::max<int64_t>(1, 16384 / len), [&](int64_t b, int64_t e) {
        if (!kernels::fake_quant_groups(src, dst, b, e, len, o.bits, kernel_scheme(o.scheme))) ok = false;
    });
    if (!ok) throw_nan(where);
    return y;
}

// Straight-through gradient, masked where the forward clamped (given range) or beyond ste_clip.
torch::Tensor straight_through(const torch::Tensor& grad, const torch::Tensor& x, double ste_clip,
                               bool ranged, double lo, double hi) {
    auto pass = torch::Tensor();
    if (ste_clip > 0) pass = x.abs().lt(ste_clip);
    if (ranged) {
        const auto inside = x.ge(lo).logical_and(x.le(hi));
        pass              = pass.defined() ? pass.logical_and(inside) : inside;
    }
    return pass.defined() ? grad * pass : grad;
}

struct FakeQuant : torch::autograd::Function<FakeQuant> {
    // lo > hi: the range is the data's (per the granularity); otherwise [lo, hi] is given.
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, int64_t bits, int64_t scheme,
                                 int64_t granularity, int64_t group_size, double ste_clip, double lo,
                                 double hi, const std::string& where) {
        QuantizerOptions o;
        o.bits            = int(bits);
        o.scheme          = Scheme(scheme);
        o.granularity     = Granularity(granularity);
        o.group_size      = group_size;
        const bool ranged = lo <= hi;
        if (ste_clip > 0 || ranged) ctx->save_for_backward({x});
        ctx->saved_data["ste_clip"] = ste_clip;
        ctx->saved_data["lo"]       = lo;
        ctx->saved_data["hi"]       = hi;
        if (!ranged) return quantize_forward(x, o, where);
        const auto xc = x.contiguous();
        tensor_range(xc.data_ptr<float>(), xc.numel(), where);  // clamping would hide a NaN: check first
        auto y = torch::empty_like(xc);
        quantize_with_range(xc.data_ptr<float>(), y.data_ptr<float>(), xc.numel(), o, float(lo), float(hi));
        return y;
    }

    static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
        const double ste_clip = ctx->saved_data["ste_clip"].toDouble();
        const double lo = ctx->saved_data["lo"].toDouble(), hi = ctx->saved_data["hi"].toDouble();
        const bool ranged = lo <= hi;
        auto grad         = grads[0];
        if (ste_clip > 0 || ranged)
            grad = straight_through(grad, ctx->get_saved_variables()[0], ste_clip, ranged, lo, hi);
        return {grad, {}, {}, {}, {}, {}, {}, {}, {}};
    }
};

void check_bits(const QuantizerOptions& o, const std::string& where) {
    if (!valid_bits(o.bits)) {
        throw InputError(fmt::format(
            "{}: {} bits is not a supported bit-width (use 2..16, or 32 for full precision)", where, o.bits));
    }
}

bool kernel_path(const torch::Tensor& x) {
    return x.scalar_type() == torch::kFloat32 && x.device().is_cpu();
}

}  // namespace

torch::Tensor fake_quantize(const torch::Tensor& x, const QuantizerOptions& o, const std::string& where) {
    check_bits(o, where);
    if (o.bits == kFullPrecisionBits) return x;
    if (!kernel_path(x)) {
        // Same formulas as ops; straight-through via the detach trick.
        const auto y = fake_quantize_op_chain(x.detach(), o);
        if (y.isnan().any().item<bool>()) throw_nan(where);
        const auto g = o.ste_clip > 0 ? x * x.detach().abs().lt(o.ste_clip) : x;
        return g + (y - g).detach();
    }
    return FakeQuant::apply(x, o.bits, int64_t(o.scheme), int64_t(o.granularity), o.group_size, o.ste_clip,
                            1.0, 0.0, where);
}

torch::Tensor fake_quantize_with_range(const torch::Tensor& x, const QuantizerOptions& o, float lo, float hi,
                                       const std::string& where) {
    check_bits(o, where);
    if (o.bits == kFullPrecisionBits) return x;
    if (!(lo <= hi)) throw Error(fmt::format("{}: quantization range [{}, {}] is empty", where, lo, hi));
    TORCH_CHECK(kernel_path(x), "fake_quantize_with_range: float32 CPU tensors only");
    return FakeQuant::apply(x, o.bits, int64_t(o.scheme), int64_t(o.granularity), o.group_size, o.ste_clip,
                            lo, hi, where);
}

torch::Tensor fake_quantize_op_chain(const torch::Tensor& x, const QuantizerOptions& o) {
    if (o.bits == kFullPrecisionBits) return x;
    const int64_t len = o.granularity == Granularity::kTensor  ? x.numel()
                        : o.granularity == Granularity::kGroup ? o.group_size
                                                               : x.size(-1);
    const auto g      = x.reshape({-1, len});
    torch::Tensor y;
    if (o.scheme == Scheme::kSymmetric) {
        const auto absmax = g.abs().amax(1, true);
        const auto s = (absmax + 1e-6).reciprocal() * double((1 << (o.bits - 1)) - 1);  // as Python's 7 / t
        y            = (g * s).round().div(s + 1e-6);
    } else {
        const double levels = double((1u << o.bits) - 1);
        const auto lo = g.amin(1, true), hi = g.amax(1, true);
        const auto width = hi - lo;
        const auto scale =
            torch::where(width.isfinite(), width / levels, hi / levels - lo / levels).clamp_min(1e-8);
        y = ((g - lo) / scale).round().clamp(0, levels) * scale + lo;
    }
    return y.view(x.sizes());
}

torch::Tensor EmaRange::empty_state() {
    const float inf = std::numeric_limits<float>::infinity();
    return torch::tensor({inf, -inf});
}

bool EmaRange::observed(const torch::Tensor& state) {
    const auto a = state.accessor<float, 1>();
    return a[0] <= a[1];
}

void EmaRange::update(torch::Tensor& state, const torch::Tensor& x, double momentum,
                      const std::string& where) {
    torch::NoGradGuard no_grad;
    const auto xc       = x.detach().to(torch::kFloat32).contiguous().cpu();
    const auto [lo, hi] = tensor_range(xc.data_ptr<float>(), xc.numel(), where);
    auto a              = state.accessor<float, 1>();
    if (!observed(state)) {
        a[0] = lo;
        a[1] = hi;
        return;
    }
    a[0] = float(momentum * a[0] + (1 - momentum) * lo);
    a[1] = float(momentum * a[1] + (1 - momentum) * hi);
}

}  // namespace bitswitch::quant
