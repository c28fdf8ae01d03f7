// Attention (causal or not) as one autograd function around the fused softmax rows.
#include "bitswitch/ops/attention.h"

#include <algorithm>
#include <limits>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "bitswitch/kernels/attention_softmax.h"
#include "bitswitch/ops/dropout.h"
#include "bitswitch/ops/matmul.h"

namespace bitswitch::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

kernels::AttentionRows rows_of(const torch::Tensor& scores, const torch::Tensor& key_bias, bool causal,
                               double p, uint64_t seed) {
    kernels::AttentionRows a;
    a.causal       = causal;
    a.heads        = scores.size(1);
    a.queries      = scores.size(2);
    a.keys         = scores.size(3);
    a.past         = a.keys - a.queries;
    a.key_bias     = key_bias.numel() > 0 ? key_bias.data_ptr<float>() : nullptr;
    a.dropout_p    = float(p);
    a.dropout_seed = seed;
    return a;
}

// Grain: a few rows of scores per task so that both cores stay busy on short sequences too.
template <class Fn>
void for_each_row_range(int64_t rows, int64_t keys, const Fn& fn) {
    at::parallel_for(0, rows, std::max<int64_t>(1, 32768 / std::max<int64_t>(keys, 1)), fn);
}

struct FusedAttention : torch::autograd::Function<FusedAttention> {
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& q_in, const torch::Tensor& k_in,
                                 const torch::Tensor& v_in, const torch::Tensor& key_bias, bool causal,
                                 double p) {
        // oneDNN's batched kernels want dense (B, H, T, D) heads: split_heads gives them (no copy here);
        // other callers' views are copied once, which the kernels' twofold speed pays for.
        const auto q = q_in.contiguous(), k = k_in.contiguous(), v = v_in.contiguous();
        const uint64_t seed = p > 0 ? draw_dropout_seed() : 0;
        auto probs          = batched_matmul(q, false, k, true);  // (B, H, T, S) scores
        auto dropped        = p > 0 ? torch::empty_like(probs) : torch::Tensor();
        const auto bias     = key_bias.contiguous();
        const auto rows     = rows_of(probs, bias, causal, p, seed);
        float* probs_data   = probs.data_ptr<float>();
        float* drop_data    = p > 0 ? dropped.data_ptr<float>() : nullptr;
        for_each_row_range(probs.numel() / rows.keys, rows.keys, [&](int64_t begin, int64_t end) {
            kernels::attention_softmax_forward(rows, begin, end, probs_data, drop_data);
        });
        ctx->save_for_backward({q, k, v, probs, bias});
        ctx->saved_data["causal"] = causal;
        ctx->saved_data["p"]      = p;
        ctx->saved_data["seed"]   = int64_t(seed);
        // Written as (B, T, H, D): merging the heads afterwards is then a view, not a copy.
        auto y = torch::empty({q.size(0), q.size(2), q.size(1), v.size(3)}, q.options()).transpose(1, 2);
        batched_matmul_into(p > 0 ? dropped : probs, false, v, false, y);
        return y;
    }

    static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
        const auto saved = ctx->get_saved_variables();
        const auto &q = saved[0], &k = saved[1], &v = saved[2], &probs = saved[3], &bias = saved[4];
        const double p      = ctx->saved_data["p"].toDouble();
        const auto seed     = uint64_t(ctx->saved_data["seed"].toInt());
        const bool causal   = ctx->saved_data["causal"].toBool();
        const auto& grad_y  = grads[0];                                // (B, H, T, D)
        auto grad_scores    = batched_matmul(grad_y, false, v, true);  // dL/d dropout(P)
        auto dropped        = p > 0 ? torch::empty_like(probs) : torch::Tensor();
        const auto rows     = rows_of(probs, bias, causal, p, seed);
        const float* p_data = probs.data_ptr<float>();
        float* g_data       = grad_scores.data_ptr<float>();
        float* d_data       = p > 0 ? dropped.data_ptr<float>() : nullptr;
        for_each_row_range(probs.numel() / rows.keys, rows.keys, [&](int64_t begin, int64_t end) {
            kernels::attention_softmax_backward(rows, begin, end, p_data, g_data, d_data);
        });
        const auto grad_q = batched_matmul(grad_scores, false, k, false);
        const auto grad_k = batched_matmul(grad_scores, true, q, false);
        const auto grad_v = batched_matmul(p > 0 ? dropped : probs, true, grad_y, false);
        return {grad_q, grad_k, grad_v, torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};

// The same equations as libtorch ops, for devices and dtypes the fused rows do not cover (CUDA builds).
torch::Tensor attention_op_chain(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                 const torch::Tensor& key_bias, bool causal, double p, bool training) {
    const int64_t T = q.size(2), S = k.size(2);
    const auto opts = torch::TensorOptions().dtype(torch::kBool).device(q.device());
    auto scores     = torch::matmul(q, k.transpose(-2, -1));
    auto hidden = causal ? torch::ones({T, S}, opts).tril(S - T).logical_not()  // (T, S): true = invisible
                         : torch::zeros({T, S}, opts);
    if (key_bias.defined()) hidden = hidden.logical_or(key_bias.isinf().view({key_bias.size(0), 1, 1, S}));
    scores.masked_fill_(hidden, -std::numeric_limits<float>::infinity());
    // A row with no visible key gives NaN in softmax; the fused rows define it as 0.
    auto probs = torch::softmax(scores, -1).nan_to_num(0.0);
    return torch::matmul(torch::dropout(probs, p, training), v);
}

// Without gradients or dropout: the batch in slices whose scores stay within a few MB, computed in one
// reused buffer. The whole (B, H, T, S) score tensor of an evaluation batch (57 MB at 8 x 384 tokens)
// would be a fresh mmap with page faults at every layer, and would leave the caches before the second
// product reads it back.
torch::Tensor attention_inference(const torch::Tensor& q_in, const torch::Tensor& k_in,
                                  const torch::Tensor& v_in, const torch::Tensor& key_bias, bool causal) {
    const auto q = q_in.contiguous(), k = k_in.contiguous(), v = v_in.contiguous();
    const int64_t B = q.size(0), H = q.size(1), T = q.size(2), S = k.size(2), D = v.size(3);
    constexpr int64_t kSliceBytes = 8 << 20;
    const int64_t per_item        = H * T * S * int64_t(sizeof(float));
    const int64_t slice           = std::clamp<int64_t>(kSliceBytes / std::max<int64_t>(per_item, 1), 1, B);
    const auto bias               = key_bias.contiguous();
    auto y                        = torch::empty({B, T, H, D}, q.options()).transpose(1, 2);
    auto buffer                   = torch::empty({slice, H, T, S}, q.options());
    for (int64_t b = 0; b < B; b += slice) {
        const int64_t n = std::min(slice, B - b);
        auto scores     = buffer.narrow(0, 0, n);
        batched_matmul_into(q.narrow(0, b, n), false, k.narrow(0, b, n), true, scores);
        const auto rows = rows_of(scores, bias.numel() > 0 ? bias.narrow(0, b, n) : bias, causal, 0.0, 0);
        float* data     = scores.data_ptr<float>();
        for_each_row_range(n * H * T, S, [&](int64_t begin, int64_t end) {
            kernels::attention_softmax_forward(rows, begin, end, data, nullptr);
        });
        auto out = y.narrow(0, b, n);
        batched_matmul_into(scores, false, v.narrow(0, b, n), false, out);
    }
    return y;
}

}  // namespace

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& key_bias, bool causal, double dropout_p, bool training) {
    TORCH_CHECK(k.size(2) >= q.size(2), "attention: fewer keys than queries");
    if (q.scalar_type() != torch::kFloat32 || !q.device().is_cpu()) {
        return attention_op_chain(q, k, v, key_bias, causal, dropout_p, training);
    }
    // autograd functions take defined tensors only: "no padding" travels as an empty bias.
    const auto bias = key_bias.defined() ? key_bias : torch::empty({0}, q.options());
    const bool needs_graph =
        torch::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad());
    if (!needs_graph && (!training || dropout_p == 0.0)) return attention_inference(q, k, v, bias, causal);
    return FusedAttention::apply(q, k, v, bias, causal, training ? dropout_p : 0.0);
}

}  // namespace bitswitch::ops
