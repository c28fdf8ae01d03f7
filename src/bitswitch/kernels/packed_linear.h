// The packed engine's linear layer: y = x · Wᵀ + bias with W in a packed format (packed_weights.h) and the
// activations quantized per token to integers on the fly. Products of integers are summed exactly in
// int32, then scaled once per group:
//   y[t][o] = (Σ_g float(acc_g[t][o]) · d_w[o][g]) · d_a[t] + bias[o],   acc_g = Σ_{k in group g} q_a · q_w
// with the groups summed in order and no fused multiply-add, so the fast path and the reference agree bit
// for bit. The int32 sums run on oneDNN's integer GEMM where the CPU has VNNI (vpdpbusd), elsewhere on the
// portable exact kernel of int8_gemm.h (AVX2, AVX-512 without VNNI, NEON), one call per group. Free of
// libtorch.
#pragma once

#include <cstdint>

#include "bitswitch/kernels/packed_weights.h"

namespace bitswitch::kernels {

/// x: tokens x w.in floats; y: tokens x w.out floats; bias: w.out floats or null. a_bits 2..8 quantizes the
/// activations per token; a_bits 0 keeps them in float (weight-only: x times the dequantized weights q · d,
/// summed in float, equal to the reference within float rounding, not bit for bit).
void packed_linear(const float* x, int64_t tokens, const PackedWeights& w, int a_bits, const float* bias,
                   float* y);

/// Which integer GEMM packed_linear runs: automatic picks oneDNN's where the CPU has VNNI and the portable
/// kernel elsewhere; portable forces the latter (the path of CPUs without VNNI, for tests and benchmarks).
enum class IntegerGemm { automatic, portable };
void set_integer_gemm(IntegerGemm gemm);

/// The same in plain loops: what packed_linear is tested against.
void packed_linear_reference(const float* x, int64_t tokens, const PackedWeights& w, int a_bits,
                             const float* bias, float* y);

}  // namespace bitswitch::kernels
