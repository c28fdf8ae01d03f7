// Gradient-based attacks need gradients with respect to their input only: switching the parameters'
// gradients off keeps every backward from computing weight gradients (what makes a PGD step cheaper than a
// training step), and leaves the optimizer state of a surrounding training step untouched.
#pragma once

#include <vector>

#include <torch/nn/module.h>

namespace bitswitch::attack {

/// Turns requires_grad off on every parameter of a module that has it, for a scope, and back.
class FrozenParameters {
  public:
    explicit FrozenParameters(torch::nn::Module& module) {
        for (auto& p : module.parameters()) {
            if (!p.requires_grad()) continue;
            p.set_requires_grad(false);
            frozen_.push_back(p);
        }
    }
    ~FrozenParameters() {
        for (auto& p : frozen_) p.set_requires_grad(true);
    }
    FrozenParameters(const FrozenParameters&)            = delete;
    FrozenParameters& operator=(const FrozenParameters&) = delete;

  private:
    std::vector<torch::Tensor> frozen_;
};

}  // namespace bitswitch::attack
