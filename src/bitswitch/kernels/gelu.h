// GELU and its derivative over float arrays, SIMD via Highway with the best target chosen at run time:
// GPT-2's tanh approximation ("gelu_new") and the exact, erf-based GELU of BERT and RoBERTa ("gelu").
// Free of libtorch: callers split the arrays between threads. libtorch's CPU kernel for the tanh formula
// runs its AVX2 build and a 1-ULP tanh; this one runs AVX-512 where the CPU has it and Highway's tanh (a
// few ULP), several times faster.
//
//   u = √(2/π)·(x + 0.044715·x³),  gelu(x) = ½·x·(1 + tanh u)
//   gelu'(x) = ½·(1 + tanh u) + ½·x·(1 − tanh² u)·√(2/π)·(1 + 3·0.044715·x²)
//
//   exact:  gelu(x) = ½·x·(1 + erf(x/√2)),  gelu'(x) = ½·(1 + erf(x/√2)) + x·φ(x),  φ(x) = e^(−x²/2)/√(2π)
//
// erf comes from Abramowitz and Stegun's 7.1.26 (absolute error below 1.5e-7, the same formula as
// libtorch's vectorized erf), evaluated as erfc on the negative side so that 1 + erf(x/√2) keeps its
// relative accuracy where it is small. Both GELUs are memory-bound at a feed-forward's size: bench/bench_gelu
// (2048 x 3072, 2 threads) measured the exact one level with libtorch's forward and ~8% ahead forward +
// backward on one machine (dev-2i), ~1.7x ahead forward on another (dev-2c, by hand); the tanh one 3-4x.
#pragma once

#include <cstdint>

namespace bitswitch::kernels {

/// y[i] = gelu(x[i]) for i in [0, n). x and y may alias.
void gelu_tanh_forward(const float* x, float* y, int64_t n);

/// dx[i] = dy[i] · gelu'(x[i]) for i in [0, n). dx may alias dy.
void gelu_tanh_backward(const float* x, const float* dy, float* dx, int64_t n);

/// y[i] = gelu(x[i]), the exact (erf) GELU, for i in [0, n). x and y may alias.
void gelu_erf_forward(const float* x, float* y, int64_t n);

/// dx[i] = dy[i] · gelu'(x[i]), the exact (erf) GELU, for i in [0, n). dx may alias dy.
void gelu_erf_backward(const float* x, const float* dy, float* dx, int64_t n);

}  // namespace bitswitch::kernels
