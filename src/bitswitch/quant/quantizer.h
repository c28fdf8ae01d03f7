// Uniform fake quantizers with straight-through gradients (DESIGN.md §4).
//
// b in 2..16 bits; 32 means no quantization and returns the input tensor itself (bit-exact).
//   symmetric (default; LLM-QAT):  s = (2^(b-1) - 1) / (max|x| + 1e-6),  x̂ = round(x·s) / (s + 1e-6)
//   asymmetric (CPT, seed 004):    scale = max((max - min) / (2^b - 1), 1e-8),
//                                  x̂ = clamp(round((x - min) / scale), 0, 2^b - 1) · scale + min
// round = round half to even (torch.round). LLM-QAT's + 1e-6 terms cost a relative error of about
// 1e-6·max|x|/(2^(b-1) - 1): negligible for activations up to ~1e3, dominant for huge magnitudes (kept for
// fidelity to the seeds; use the asymmetric scheme for such tensors). The range (max|x|, or min and max) is
// taken per group:
//   kRow    each row of the last dimension: per output channel of a weight (out, in), per token of an
//           activation (..., features), per token across all heads for K and V (..., C)
//   kGroup  G consecutive values of each row (G divides the row; per head for K/V with G = head size;
//           the layout low-bit kernels use)
//   kTensor the whole tensor
// or is given (ranges tracked by an exponential moving average, EmaRange, frozen for evaluation).
// Backward: straight-through, dL/dx = dL/dx̂; zero where a given range clamps x, and, with ste_clip > 0,
// where |x| >= ste_clip (LLM-QAT's hard-coded 2.0; off by default). A NaN input is an Error, not NaN output.
// float32 CPU tensors use the fused kernels of kernels/fake_quant.h; other devices or dtypes the same
// formulas as libtorch ops (fake_quantize_op_chain), which the tests also use as a reference.
#pragma once

#include <cstdint>
#include <string>

#include <torch/types.h>

#include "bitswitch/quant/quant_options.h"

namespace bitswitch::quant {

/// Fake-quantized x (same shape) with straight-through backward; x itself when bits == 32.
/// `where` names the tensor in errors ("h.3.mlp.c_fc input").
torch::Tensor fake_quantize(const torch::Tensor& x, const QuantizerOptions& o,
                            const std::string& where = "tensor");

/// The same with a given range [lo, hi] instead of the data's (granularity ignored: one range).
torch::Tensor fake_quantize_with_range(const torch::Tensor& x, const QuantizerOptions& o, float lo, float hi,
                                       const std::string& where = "tensor");

/// The forward formulas as plain libtorch ops (no custom backward): the fallback for devices and dtypes the
/// kernels do not cover, and the reference in tests and benchmarks.
torch::Tensor fake_quantize_op_chain(const torch::Tensor& x, const QuantizerOptions& o);

/// Range of a tensor as an exponential moving average over training batches:
/// lo = m·lo + (1 - m)·min(x), hi likewise, starting from the first batch's range (seed 004's qparams).
/// Stored in a (2) float tensor [lo, hi] so that it can live in a module buffer and a checkpoint;
/// lo > hi means "nothing observed yet".
struct EmaRange {
    static torch::Tensor empty_state();  // [+inf, -inf]
    static bool observed(const torch::Tensor& state);
    /// Folds x's range into state (in place); Error on NaN.
    static void update(torch::Tensor& state, const torch::Tensor& x, double momentum,
                       const std::string& where);
};

}  // namespace bitswitch::quant
