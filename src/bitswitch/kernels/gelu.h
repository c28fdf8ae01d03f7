// GPT-2's GELU (the tanh approximation, "gelu_new") and its derivative over float arrays, SIMD via
// Highway with the best target chosen at run time. Free of libtorch: callers split the arrays between
// threads. libtorch's CPU kernel for the same formula runs its AVX2 build and a 1-ULP tanh; this one runs
// AVX-512 where the CPU has it and Highway's tanh (a few ULP), several times faster.
//
//   u = √(2/π)·(x + 0.044715·x³),  gelu(x) = ½·x·(1 + tanh u)
//   gelu'(x) = ½·(1 + tanh u) + ½·x·(1 − tanh² u)·√(2/π)·(1 + 3·0.044715·x²)
#pragma once

#include <cstdint>

namespace bitswitch::kernels {

/// y[i] = gelu(x[i]) for i in [0, n). x and y may alias.
void gelu_tanh_forward(const float* x, float* y, int64_t n);

/// dx[i] = dy[i] · gelu'(x[i]) for i in [0, n). dx may alias dy.
void gelu_tanh_backward(const float* x, const float* dy, float* dx, int64_t n);

}  // namespace bitswitch::kernels
