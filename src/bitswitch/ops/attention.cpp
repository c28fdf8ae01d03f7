// Attention (causal or not) as one autograd function around the fused softmax rows.
#include "bitswitch/ops/attention.h"

#include <algorithm>
#include <limits>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "bitswitch/kernels/attention_softmax.h"
#include "bitswitch/ops/dropout.h"
#include "bitswitch/ops/matmul.h"

namespace bitswitch::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// Causal self-attention without cached keys runs in blocks of kQueryBlock queries: block i's queries see
// keys [0, end of block i) only, so every product skips the tiles above the diagonal (a third of the
// attention products at 384 tokens) and the softmax rows are written only up to their block's last key.
// 128 keeps each tile's products large enough for the GEMM kernels' full speed.
constexpr int64_t kQueryBlock = 128;

// As queries: [begin, begin + size) see keys [0, keys). As a block of keys (the backward's dK, dV):
// [begin, keys), seen by queries [begin, T) only.
struct Tile {
    int64_t begin, size, keys;
};

std::vector<Tile> attention_tiles(int64_t queries, int64_t keys, bool causal) {
    if (!causal || keys != queries || queries <= kQueryBlock) return {{0, queries, keys}};
    std::vector<Tile> tiles;
    for (int64_t t = 0; t < queries; t += kQueryBlock) {
        const int64_t n = std::min(kQueryBlock, queries - t);
        tiles.push_back({t, n, t + n});
    }
    return tiles;
}

kernels::AttentionRows rows_of(const torch::Tensor& scores, const torch::Tensor& key_bias, bool causal,
                               double p, uint64_t seed, const std::vector<Tile>& tiles) {
    kernels::AttentionRows a;
    a.causal       = causal;
    a.heads        = scores.size(1);
    a.queries      = scores.size(2);
    a.keys         = scores.size(3);
    a.past         = a.keys - a.queries;
    a.key_bias     = key_bias.numel() > 0 ? key_bias.data_ptr<float>() : nullptr;
    a.dropout_p    = float(p);
    a.dropout_seed = seed;
    a.query_block  = tiles.size() > 1 ? kQueryBlock : 0;
    return a;
}

// The (B, H, size, keys) part of a (B, H, T, S) score-shaped tensor that a tile's products read or write.
torch::Tensor tile_of(const torch::Tensor& scores, const Tile& tile) {
    return scores.narrow(2, tile.begin, tile.size).narrow(3, 0, tile.keys);
}

// scores = q·kᵀ over the visible tiles (the rest of `scores` is left as it was).
void tiled_scores(const torch::Tensor& q, const torch::Tensor& k, const std::vector<Tile>& tiles,
                  torch::Tensor& scores) {
    for (const auto& tile : tiles) {
        auto out = tile_of(scores, tile);
        batched_matmul_into(q.narrow(2, tile.begin, tile.size), false, k.narrow(2, 0, tile.keys), true, out);
    }
}

// y = probs·v, y (B, H, T, D), reading only the visible tiles of probs.
void tiled_mix(const torch::Tensor& probs, const torch::Tensor& v, const std::vector<Tile>& tiles,
               torch::Tensor& y) {
    for (const auto& tile : tiles) {
        auto out = y.narrow(2, tile.begin, tile.size);
        batched_matmul_into(tile_of(probs, tile), false, v.narrow(2, 0, tile.keys), false, out);
    }
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
        const auto tiles    = attention_tiles(q.size(2), k.size(2), causal);
        auto probs          = torch::empty({q.size(0), q.size(1), q.size(2), k.size(2)}, q.options());
        tiled_scores(q, k, tiles, probs);
        auto dropped      = p > 0 ? torch::empty_like(probs) : torch::Tensor();
        const auto bias   = key_bias.contiguous();
        const auto rows   = rows_of(probs, bias, causal, p, seed, tiles);
        float* probs_data = probs.data_ptr<float>();
        float* drop_data  = p > 0 ? dropped.data_ptr<float>() : nullptr;
        for_each_row_range(probs.numel() / rows.keys, rows.keys, [&](int64_t begin, int64_t end) {
            kernels::attention_softmax_forward(rows, begin, end, probs_data, drop_data);
        });
        ctx->save_for_backward({q, k, v, probs, bias});
        ctx->saved_data["causal"] = causal;
        ctx->saved_data["p"]      = p;
        ctx->saved_data["seed"]   = int64_t(seed);
        // Written as (B, T, H, D): merging the heads afterwards is then a view, not a copy.
        auto y = torch::empty({q.size(0), q.size(2), q.size(1), v.size(3)}, q.options()).transpose(1, 2);
        tiled_mix(p > 0 ? dropped : probs, v, tiles, y);
        return y;
    }

    static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
        const auto saved = ctx->get_saved_variables();
        const auto &q = saved[0], &k = saved[1], &v = saved[2], &probs = saved[3], &bias = saved[4];
        const double p     = ctx->saved_data["p"].toDouble();
        const auto seed    = uint64_t(ctx->saved_data["seed"].toInt());
        const bool causal  = ctx->saved_data["causal"].toBool();
        const auto& grad_y = grads[0];  // (B, H, T, D)
        const auto tiles   = attention_tiles(q.size(2), k.size(2), causal);
        auto grad_scores   = torch::empty_like(probs);  // dL/d dropout(P), then dL/d scores
        tiled_scores(grad_y, v, tiles, grad_scores);
        auto dropped        = p > 0 ? torch::empty_like(probs) : torch::Tensor();
        const auto rows     = rows_of(probs, bias, causal, p, seed, tiles);
        const float* p_data = probs.data_ptr<float>();
        float* g_data       = grad_scores.data_ptr<float>();
        float* d_data       = p > 0 ? dropped.data_ptr<float>() : nullptr;
        for_each_row_range(probs.numel() / rows.keys, rows.keys, [&](int64_t begin, int64_t end) {
            kernels::attention_softmax_backward(rows, begin, end, p_data, g_data, d_data);
        });
        auto grad_q = torch::empty_like(q);
        tiled_mix(grad_scores, k, tiles, grad_q);
        // dK and dV by blocks of keys: keys [begin, begin + size) are seen by queries [begin, T) only, and
        // the rows there are written (zeros where a key is not visible) up to the block's last key.
        auto grad_k = torch::empty_like(k), grad_v = torch::empty_like(v);
        const auto& mixed = p > 0 ? dropped : probs;
        const int64_t T   = q.size(2);
        for (const auto& tile : tiles) {
            const int64_t seen_by = T - tile.begin;
            const auto part       = [&](const torch::Tensor& t) {
                return t.narrow(2, tile.begin, seen_by).narrow(3, tile.begin, tile.keys - tile.begin);
            };
            auto dk = grad_k.narrow(2, tile.begin, tile.keys - tile.begin);
            auto dv = grad_v.narrow(2, tile.begin, tile.keys - tile.begin);
            batched_matmul_into(part(grad_scores), true, q.narrow(2, tile.begin, seen_by), false, dk);
            batched_matmul_into(part(mixed), true, grad_y.narrow(2, tile.begin, seen_by), false, dv);
        }
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
    const auto tiles              = attention_tiles(T, S, causal);
    for (int64_t b = 0; b < B; b += slice) {
        const int64_t n = std::min(slice, B - b);
        auto scores     = buffer.narrow(0, 0, n);
        tiled_scores(q.narrow(0, b, n), k.narrow(0, b, n), tiles, scores);
        const auto rows =
            rows_of(scores, bias.numel() > 0 ? bias.narrow(0, b, n) : bias, causal, 0.0, 0, tiles);
        float* data = scores.data_ptr<float>();
        for_each_row_range(n * H * T, S, [&](int64_t begin, int64_t end) {
            kernels::attention_softmax_forward(rows, begin, end, data, nullptr);
        });
        auto out = y.narrow(0, b, n);
        tiled_mix(scores, v.narrow(0, b, n), tiles, out);
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

torch::Tensor padding_bias(const torch::Tensor& attention_mask, const torch::TensorOptions& options) {
    if (!attention_mask.defined()) return {};
    return torch::zeros(attention_mask.sizes(), options)
        .masked_fill_(attention_mask.eq(0), -std::numeric_limits<float>::infinity());
}

}  // namespace bitswitch::ops
