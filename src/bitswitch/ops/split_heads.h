// The split of a fused projection (B, T, parts·C) into per-head tensors (B, H, T, D) as one autograd
// function. libtorch's chain of views (narrow, view, select, transpose) would hand attention strided
// views, and its backward would zero-fill a (B, T, parts·C) gradient per view and add them up; here the
// outputs are dense copies (the layout oneDNN's batched products take at full speed) and the backward
// writes each head gradient into its slice of one buffer.
#pragma once

#include <vector>

#include <torch/types.h>

namespace bitswitch::ops {

/// x: (B, T, parts·C) → `parts` contiguous tensors (B, H, T, D), D = C / heads; the first one multiplied by
/// `first_scale` (attention's 1/√D on the queries). Any float dtype and device.
std::vector<torch::Tensor> split_heads(const torch::Tensor& x, int64_t parts, int64_t heads,
                                       double first_scale);

}  // namespace bitswitch::ops
