// The GEMM ceilings the model benchmarks read their GFLOP/s against: the largest product of a 768-wide
// transformer block with a 3072-wide feed-forward, (1536, 768) x (768, 3072), through libtorch's matmul (the
// system BLAS), through the models' own float32 product (ops::linear: oneDNN when built with it) and
// through their bf16 product (--bf16; kernels::bf16_gemm, operands already rounded; 0 without one).
// Best of 5 x 4 calls each. And the float32 multiply-add peak of the cores (fma_peak.h), which tells how
// close the float32 ceilings are to the hardware's.
#pragma once

#include <algorithm>
#include <cstdint>

#include <torch/torch.h>

#include "bench_clock.h"
#include "bitswitch/kernels/bf16_gemm.h"
#include "bitswitch/ops/matmul.h"
#include "fma_peak.h"

namespace bitswitch::bench {

struct GemmCeilings {
    double blas  = 0;  // GFLOP/s
    double model = 0;
    double bf16  = 0;
    double fma   = 0;  // the cores' float32 multiply-add peak

    /// The better of two measurements of each (one before the workload, one after).
    GemmCeilings best_with(const GemmCeilings& o) const {
        return {std::max(blas, o.blas), std::max(model, o.model), std::max(bf16, o.bf16),
                std::max(fma, o.fma)};
    }
};

inline GemmCeilings gemm_ceilings() {
    torch::NoGradGuard no_grad;
    constexpr int64_t M = 1536, K = 768, N = 3072;
    const auto a = torch::randn({M, K}), b = torch::randn({K, N}), w = b.t().contiguous();
    const auto best_of = [](const auto& gemm) {
        gemm();
        double best = 0;
        for (int r = 0; r < 5; ++r) {
            const auto t = Clock::now();
            for (int i = 0; i < 4; ++i) gemm();
            best = std::max(best, 4 * 2.0 * M * K * N / seconds_since(t) / 1e9);
        }
        return best;
    };
    GemmCeilings c{best_of([&] { torch::mm(a, b); }), best_of([&] { ops::linear(a, w, torch::Tensor()); })};
    c.fma = fma_peak_gflops(at::get_num_threads());
    if (ops::bf16_products_available()) {
        const auto a16 = a.to(torch::kBFloat16), w16 = w.to(torch::kBFloat16);
        const auto bits = [](const torch::Tensor& t) {
            return reinterpret_cast<const uint16_t*>(t.data_ptr<at::BFloat16>());
        };
        auto out = torch::empty({M, N});
        c.bf16   = best_of([&] {
            kernels::bf16_gemm(false, true, M, N, K, bits(a16), K, bits(w16), K, 0.0f, out.data_ptr<float>(),
                                 N);
        });
    }
    return c;
}

}  // namespace bitswitch::bench
