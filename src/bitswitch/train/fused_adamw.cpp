// One-pass AdamW over libtorch's optimizer state (see fused_adamw.h).
#include "bitswitch/train/fused_adamw.h"

#include <type_traits>

#include <ATen/Parallel.h>
#include <c10/util/string_utils.h>
#include <torch/torch.h>

#include "bitswitch/kernels/adamw.h"

namespace bitswitch::train {
namespace {

// libtorch keys an optimizer's state by the parameter's TensorImpl: as its address in a string (1.x) or as
// the pointer itself (later releases).
template <class Key>
Key state_key(const torch::Tensor& p) {
    if constexpr (std::is_same_v<Key, std::string>) {
        return c10::guts::to_string(p.unsafeGetTensorImpl());
    } else {
        return Key(p.unsafeGetTensorImpl());
    }
}

}  // namespace

bool FusedAdamW::fuses(const torch::Tensor& p, const torch::Tensor& grad,
                       const torch::optim::AdamWOptions& o) {
    const auto dense_float_cpu = [](const torch::Tensor& t) {
        return t.device().is_cpu() && t.scalar_type() == torch::kFloat && t.layout() == torch::kStrided &&
               t.is_contiguous();
    };
    return !o.amsgrad() && dense_float_cpu(p) && dense_float_cpu(grad);
}

torch::Tensor FusedAdamW::step(LossClosure closure) {
    torch::Tensor loss;
    if (closure) {
        at::AutoGradMode enable_grad(true);
        loss = closure();
    }
    torch::NoGradGuard no_grad;
    using Key = typename std::decay_t<decltype(state_)>::key_type;
    // Tensors the fused pass does not cover are stepped by the base class afterwards, with the fused ones'
    // gradients hidden from it (it skips parameters whose gradient is undefined).
    std::vector<torch::Tensor> fused;
    bool any_deferred = false;
    for (auto& group : param_groups_) {
        const auto& o = static_cast<const torch::optim::AdamWOptions&>(group.options());
        for (auto& p : group.params()) {
            const auto& grad = p.grad();
            if (!grad.defined()) continue;
            if (!fuses(p, grad, o)) {
                any_deferred = true;
                continue;
            }
            fused.push_back(p);
            auto& slot = state_[state_key<Key>(p)];
            if (!slot) {
                auto fresh = std::make_unique<torch::optim::AdamWParamState>();
                fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                slot = std::move(fresh);
            }
            auto& s = static_cast<torch::optim::AdamWParamState&>(*slot);
            s.step(s.step() + 1);
            const auto [beta1, beta2] = o.betas();
            const auto scalars =
                kernels::adamw_scalars(o.lr(), beta1, beta2, o.eps(), o.weight_decay(), s.step());
            float* param      = p.data_ptr<float>();
            const float* g    = grad.data_ptr<float>();
            float* exp_avg    = s.exp_avg().data_ptr<float>();
            float* exp_avg_sq = s.exp_avg_sq().data_ptr<float>();
            at::parallel_for(0, p.numel(), 1 << 16, [&](int64_t begin, int64_t end) {
                kernels::adamw_update(param + begin, g + begin, exp_avg + begin, exp_avg_sq + begin,
                                      end - begin, scalars);
            });
            // Writes through data_ptr do not count as in-place ops: bump the versions by hand, or caches
            // keyed on them (the fake-quantized weight cache of quant_lora_linear) would serve stale
            // weights. (Found by the exact-resume test of random-precision training.)
            for (auto* t : {&p, &s.exp_avg(), &s.exp_avg_sq()}) t->unsafeGetTensorImpl()->bump_version();
        }
    }
    if (any_deferred) {
        std::vector<torch::Tensor> hidden_grads;
        for (auto& p : fused) {
            hidden_grads.push_back(p.grad());
            p.mutable_grad() = torch::Tensor();
        }
        torch::optim::AdamW::step();
        for (size_t i = 0; i < fused.size(); ++i) fused[i].mutable_grad() = hidden_grads[i];
    }
    return loss;
}

}  // namespace bitswitch::train
