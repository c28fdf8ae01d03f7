// GELU (tanh and exact) as autograd functions over kernels/gelu.h, split between threads.
#include "bitswitch/ops/gelu.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "bitswitch/kernels/gelu.h"

namespace bitswitch::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

constexpr int64_t kGrain = 1 << 14;  // floats per task: 64 KB, a fraction of L2

// One GELU variant: its forward and backward kernels.
struct TanhKernels {
    static void forward(const float* x, float* y, int64_t n) { kernels::gelu_tanh_forward(x, y, n); }
    static void backward(const float* x, const float* dy, float* dx, int64_t n) {
        kernels::gelu_tanh_backward(x, dy, dx, n);
    }
};

struct ErfKernels {
    static void forward(const float* x, float* y, int64_t n) { kernels::gelu_erf_forward(x, y, n); }
    static void backward(const float* x, const float* dy, float* dx, int64_t n) {
        kernels::gelu_erf_backward(x, dy, dx, n);
    }
};

template <class Kernels>
struct Gelu : torch::autograd::Function<Gelu<Kernels>> {
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x_in) {
        const auto x    = x_in.contiguous();
        auto y          = torch::empty_like(x);
        const float* px = x.data_ptr<float>();
        float* py       = y.data_ptr<float>();
        at::parallel_for(0, x.numel(), kGrain,
                         [&](int64_t b, int64_t e) { Kernels::forward(px + b, py + b, e - b); });
        ctx->save_for_backward({x});
        return y;
    }

    static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
        const auto x     = ctx->get_saved_variables()[0];
        const auto dy    = grads[0].contiguous();
        auto dx          = torch::empty_like(x);
        const float* px  = x.data_ptr<float>();
        const float* pdy = dy.data_ptr<float>();
        float* pdx       = dx.data_ptr<float>();
        at::parallel_for(0, x.numel(), kGrain,
                         [&](int64_t b, int64_t e) { Kernels::backward(px + b, pdy + b, pdx + b, e - b); });
        return {dx};
    }
};

bool on_kernels(const torch::Tensor& x) {
    return x.device().is_cpu() && x.scalar_type() == torch::kFloat32;
}

// Nothing but this handle sees x's memory: no other handle on x, and its storage held by x alone or, for
// a view (a linear layer's (B·T, F) output seen as (B, T, F)), by x and a base that only x holds.
bool sole_owner(const torch::Tensor& x) {
    if (x.use_count() != 1) return false;
    if (!x.is_view()) return x.storage().use_count() == 1;
    return x._base().use_count() == 1 && x.storage().use_count() == 2;
}

// x overwritten by its GELU when nothing will ask for its gradient and nothing else sees its memory;
// false when it must stay.
template <class Kernels>
bool overwrote_in_place(torch::Tensor& x) {
    const bool needs_gradient = torch::GradMode::is_enabled() && x.requires_grad();
    if (!on_kernels(x) || !x.is_contiguous() || needs_gradient || !sole_owner(x)) return false;
    float* p = x.data_ptr<float>();
    at::parallel_for(0, x.numel(), kGrain,
                     [&](int64_t b, int64_t e) { Kernels::forward(p + b, p + b, e - b); });
    return true;
}

}  // namespace

torch::Tensor gelu_tanh(const torch::Tensor& x) {
    return on_kernels(x) ? Gelu<TanhKernels>::apply(x) : torch::gelu(x, "tanh");
}

torch::Tensor gelu_erf(const torch::Tensor& x) {
    return on_kernels(x) ? Gelu<ErfKernels>::apply(x) : torch::gelu(x);
}

torch::Tensor gelu_tanh_reusing(torch::Tensor x) {
    return overwrote_in_place<TanhKernels>(x) ? x : gelu_tanh(x);
}

torch::Tensor gelu_erf_reusing(torch::Tensor x) {
    return overwrote_in_place<ErfKernels>(x) ? x : gelu_erf(x);
}

}  // namespace bitswitch::ops
