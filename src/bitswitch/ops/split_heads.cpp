// Fused projection → dense heads, with a one-buffer backward (see split_heads.h).
#include "bitswitch/ops/split_heads.h"

#include <torch/torch.h>

namespace bitswitch::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// Part i of x viewed as (B, H, T, D), no copy.
torch::Tensor part_view(const torch::Tensor& x, int64_t parts, int64_t heads, int64_t i) {
    const int64_t B = x.size(0), T = x.size(1), D = x.size(2) / parts / heads;
    return x.view({B, T, parts, heads, D}).select(2, i).permute({0, 2, 1, 3});
}

struct SplitHeads : torch::autograd::Function<SplitHeads> {
    static tensor_list forward(AutogradContext* ctx, const torch::Tensor& x, int64_t parts, int64_t heads,
                               double first_scale) {
        const int64_t B = x.size(0), T = x.size(1), D = x.size(2) / parts / heads;
        tensor_list out;
        for (int64_t i = 0; i < parts; ++i) {
            auto dense = torch::empty({B, heads, T, D}, x.options());
            if (i == 0 && first_scale != 1.0) {
                torch::mul_out(dense, part_view(x, parts, heads, i), first_scale);
            } else {
                dense.copy_(part_view(x, parts, heads, i));
            }
            out.push_back(dense);
        }
        ctx->saved_data["parts"] = parts;
        ctx->saved_data["heads"] = heads;
        ctx->saved_data["scale"] = first_scale;
        return out;
    }

    static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
        const int64_t parts = ctx->saved_data["parts"].toInt(), heads = ctx->saved_data["heads"].toInt();
        const double scale = ctx->saved_data["scale"].toDouble();
        const auto& g0     = grads[0];
        const int64_t B = g0.size(0), T = g0.size(2), D = g0.size(3);
        auto grad_x = torch::empty({B, T, parts * heads * D}, g0.options());
        for (int64_t i = 0; i < parts; ++i) {
            auto slice = part_view(grad_x, parts, heads, i);
            if (i == 0 && scale != 1.0) {
                torch::mul_out(slice, grads[i], scale);
            } else {
                slice.copy_(grads[i]);
            }
        }
        return {grad_x, torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};

}  // namespace

std::vector<torch::Tensor> split_heads(const torch::Tensor& x, int64_t parts, int64_t heads,
                                       double first_scale) {
    TORCH_CHECK(x.dim() == 3 && x.size(2) % (parts * heads) == 0, "split_heads: (B, T, ", parts,
                "·H·D) expected, got ", x.sizes());
    return SplitHeads::apply(x, parts, heads, first_scale);
}

}  // namespace bitswitch::ops
