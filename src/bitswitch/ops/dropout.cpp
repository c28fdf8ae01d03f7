// Counter-based-hash dropout with an autograd backward that reuses the saved mask.
#include "bitswitch/ops/dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "bitswitch/kernels/dropout_hash.h"

namespace bitswitch::ops {
namespace {

constexpr int64_t kPerHash = 4;  // four 16-bit uniforms per 64-bit hash

struct DropoutFunction : torch::autograd::Function<DropoutFunction> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input,
                                 double p) {
        const auto x          = input.contiguous();
        auto out              = torch::empty_like(x);
        auto mask             = torch::empty(x.sizes(), torch::kUInt8);  // 1 = kept
        const float scale     = float(1.0 / (1.0 - p));
        const uint32_t thresh = uint32_t(p * 65536.0);
        const uint64_t seed   = draw_dropout_seed();
        const float* src      = x.data_ptr<float>();
        float* dst            = out.data_ptr<float>();
        uint8_t* m            = mask.data_ptr<uint8_t>();
        const int64_t n       = x.numel();
        at::parallel_for(0, (n + kPerHash - 1) / kPerHash, 4096, [&](int64_t begin, int64_t end) {
            for (int64_t block = begin; block < end; ++block) {
                uint64_t h = kernels::splitmix64(seed ^ (uint64_t(block) * 0xD1B54A32D192ED03ull));
                for (int64_t i = block * kPerHash; i < std::min(n, (block + 1) * kPerHash); ++i, h >>= 16) {
                    const bool keep = uint32_t(h & 0xFFFF) >= thresh;
                    m[i]            = keep;
                    dst[i]          = keep ? src[i] * scale : 0.0f;
                }
            }
        });
        ctx->save_for_backward({mask});
        ctx->saved_data["scale"] = double(scale);
        return out;
    }

    static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::tensor_list grads) {
        const auto mask   = ctx->get_saved_variables()[0];
        const float scale = float(ctx->saved_data["scale"].toDouble());
        const auto g      = grads[0].contiguous();
        auto out          = torch::empty_like(g);
        const float* src  = g.data_ptr<float>();
        const uint8_t* m  = mask.data_ptr<uint8_t>();
        float* dst        = out.data_ptr<float>();
        at::parallel_for(0, g.numel(), 16384, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) dst[i] = m[i] ? src[i] * scale : 0.0f;
        });
        return {out, torch::Tensor()};
    }
};

}  // namespace

uint64_t draw_dropout_seed() {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return at::check_generator<at::CPUGeneratorImpl>(gen)->random64();
}

torch::Tensor fast_dropout(const torch::Tensor& x, double p, bool training) {
    if (!training || p <= 0.0) return x;
    if (x.scalar_type() != torch::kFloat32 || !x.device().is_cpu() || p >= 1.0)
        return torch::dropout(x, p, true);
    return DropoutFunction::apply(x, p);
}

}  // namespace bitswitch::ops
