// GELU (tanh) as an autograd function over kernels/gelu.h, split between threads.
#include "bitswitch/ops/gelu.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "bitswitch/kernels/gelu.h"

namespace bitswitch::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

constexpr int64_t kGrain = 1 << 14;  // floats per task: 64 KB, a fraction of L2

struct GeluTanh : torch::autograd::Function<GeluTanh> {
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x_in) {
        const auto x    = x_in.contiguous();
        auto y          = torch::empty_like(x);
        const float* px = x.data_ptr<float>();
        float* py       = y.data_ptr<float>();
        at::parallel_for(0, x.numel(), kGrain,
                         [&](int64_t b, int64_t e) { kernels::gelu_tanh_forward(px + b, py + b, e - b); });
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
        at::parallel_for(0, x.numel(), kGrain, [&](int64_t b, int64_t e) {
            kernels::gelu_tanh_backward(px + b, pdy + b, pdx + b, e - b);
        });
        return {dx};
    }
};

}  // namespace

torch::Tensor gelu_tanh(const torch::Tensor& x) {
    if (!x.device().is_cpu() || x.scalar_type() != torch::kFloat32) return torch::gelu(x, "tanh");
    return GeluTanh::apply(x);
}

}  // namespace bitswitch::ops
