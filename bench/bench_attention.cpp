// The middle of attention at GPT-2-124M shapes (12 heads of 64, 384 tokens, all keys visible but the
// causal half), one layer: training (batch 4, dropout 0.1, forward + backward through the autograd
// function) and evaluation (batch 8, no gradients: the batch runs in slices through one reused score
// buffer) against the same evaluation forward taken through the autograd function, which materializes
// the whole (B, H, T, S) score tensor. Google Benchmark, real time.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "bitswitch/ops/attention.h"

namespace {

using bitswitch::ops::attention;

struct Heads {
    torch::Tensor q, k, v, bias;
    explicit Heads(int64_t batch)
        : q(torch::randn({batch, 12, 384, 64})),
          k(torch::randn({batch, 12, 384, 64})),
          v(torch::randn({batch, 12, 384, 64})),
          bias(torch::zeros({batch, 384})) {}
};

void BM_TrainingForwardBackward(benchmark::State& state) {
    Heads h(4);
    const auto q = h.q.requires_grad_(), grad = torch::randn({4, 12, 384, 64});
    for (auto _ : state) attention(q, h.k, h.v, h.bias, /*causal=*/true, 0.1, true).backward(grad);
}

void BM_EvalSlicedNoGrad(benchmark::State& state) {
    Heads h(8);
    torch::NoGradGuard no_grad;
    for (auto _ : state)
        benchmark::DoNotOptimize(attention(h.q, h.k, h.v, h.bias, /*causal=*/true, 0.1, false));
}

void BM_EvalWholeScoresThroughAutograd(benchmark::State& state) {
    Heads h(8);
    const auto q = h.q.requires_grad_();  // forces the autograd path; no backward is run
    for (auto _ : state)
        benchmark::DoNotOptimize(attention(q, h.k, h.v, h.bias, /*causal=*/true, 0.1, false));
}

BENCHMARK(BM_TrainingForwardBackward)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EvalSlicedNoGrad)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EvalWholeScoresThroughAutograd)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
