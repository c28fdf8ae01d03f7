// torch::optim::AdamW with its update done in one pass per tensor (kernels/adamw.h) instead of libtorch's
// eight. Same options, same per-parameter state (step, exp_avg, exp_avg_sq) under the same keys, so
// optimizer.pt files written by either load into the other and a resumed run continues unchanged.
// Tensors the fused pass does not cover (not float32, not contiguous, not on the CPU, sparse gradients,
// amsgrad) take libtorch's own update.
#pragma once

#include <torch/optim/adamw.h>

namespace bitswitch::train {

class FusedAdamW : public torch::optim::AdamW {
  public:
    using torch::optim::AdamW::AdamW;
    torch::Tensor step(LossClosure closure = nullptr) override;
    /// Whether a parameter with this gradient takes the one-pass update (else libtorch's).
    static bool fuses(const torch::Tensor& param, const torch::Tensor& grad,
                      const torch::optim::AdamWOptions& options);
};

}  // namespace bitswitch::train
