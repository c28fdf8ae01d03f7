// One AdamW update of a float array in a single pass over parameter, gradient and both moments, SIMD via
// Highway with the best target chosen at run time. Free of libtorch: callers split the arrays between
// threads. libtorch's AdamW (and PyTorch 1.13's single-tensor Python one) makes about eight passes per
// parameter, each a separate kernel with its own temporaries (the denominator is a fresh tensor); at
// RoBERTa-base's 125 M parameters that is ~11 GB of memory traffic per step against this pass's 3.5 GB.
//
// Per element, the formula of torch::optim::AdamW (decoupled weight decay, bias-corrected moments):
//   p ← p·(1 − lr·wd)
//   m ← β1·m + (1 − β1)·g
//   v ← β2·v + (1 − β2)·g²
//   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
#pragma once

#include <cstdint>

namespace bitswitch::kernels {

/// The step-dependent scalars of one update (computed once per tensor in double, used in float).
struct AdamWScalars {
    float decay;                 ///< 1 − lr·wd
    float beta1, beta2;          ///< β1, β2
    float one_minus_beta1;       ///< 1 − β1, computed in double (1 − 0.999f is off by 1e-5 relative)
    float one_minus_beta2;       ///< 1 − β2
    float inv_sqrt_correction2;  ///< 1 / √(1 − β2^t)
    float eps;                   ///< ε
    float step_size;             ///< lr / (1 − β1^t)
};

/// The scalars of step t (t ≥ 1) for these hyper-parameters.
AdamWScalars adamw_scalars(double lr, double beta1, double beta2, double eps, double weight_decay,
                           int64_t step);

/// One AdamW update of n elements in place: param, exp_avg and exp_avg_sq are read and written, grad read.
void adamw_update(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
                  const AdamWScalars& s);

/// The same update one element at a time in plain C++: the reference the SIMD kernel is tested against.
void adamw_update_reference(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
                            const AdamWScalars& s);

}  // namespace bitswitch::kernels
