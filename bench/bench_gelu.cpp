// GELU over a RoBERTa-base feed-forward activation (tokens x 3072; 2,048 tokens: the encoder bench's step
// batch, 25 MB; 4,096: its eval batch, 50 MB, above glibc's 32 MB mmap threshold): bitswitch's SIMD
// kernels (ops::gelu_erf, ops::gelu_tanh) against libtorch's torch::gelu, forward and forward + backward,
// and the inference forward that overwrites its input (ops::gelu_erf_reusing). Google Benchmark, all
// cores; bytes_per_second counts one read and one write of the activation per pass.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "bitswitch/ops/gelu.h"

namespace {

constexpr int64_t kCols = 3072;

enum class Impl { kBitswitch, kLibtorch };

torch::Tensor gelu(Impl impl, bool exact, const torch::Tensor& x) {
    if (impl == Impl::kLibtorch) return exact ? torch::gelu(x) : torch::gelu(x, "tanh");
    return exact ? bitswitch::ops::gelu_erf(x) : bitswitch::ops::gelu_tanh(x);
}

// Args: tokens, exact (1: erf GELU, 0: tanh approximation).
template <Impl kImpl>
void BM_GeluForward(benchmark::State& state) {
    torch::NoGradGuard no_grad;
    const auto x = torch::randn({state.range(0), kCols});
    for (auto _ : state) {
        auto y = gelu(kImpl, state.range(1) != 0, x);
        benchmark::DoNotOptimize(y.data_ptr<float>());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * x.numel() * 8);
}

template <Impl kImpl>
void BM_GeluForwardBackward(benchmark::State& state) {
    const auto x  = torch::randn({state.range(0), kCols}).requires_grad_();
    const auto dy = torch::randn({state.range(0), kCols});
    for (auto _ : state) {
        x.mutable_grad() = torch::Tensor();
        gelu(kImpl, state.range(1) != 0, x).backward(dy);
        benchmark::DoNotOptimize(x.grad().data_ptr<float>());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * x.numel() * 16);
}

// The input is refilled outside the timing: the pass overwrites it.
void BM_GeluErfReusing(benchmark::State& state) {
    torch::NoGradGuard no_grad;
    const auto source = torch::randn({state.range(0), kCols});
    for (auto _ : state) {
        state.PauseTiming();
        auto x = source.clone();
        state.ResumeTiming();
        auto y = bitswitch::ops::gelu_erf_reusing(std::move(x));
        benchmark::DoNotOptimize(y.data_ptr<float>());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * source.numel() * 8);
}

void shapes(benchmark::internal::Benchmark* b) {
    for (int64_t tokens : {2048, 4096}) b->Args({tokens, 1})->Args({tokens, 0});
    b->ArgNames({"tokens", "exact"})->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK_TEMPLATE(BM_GeluForward, Impl::kBitswitch)->Name("bitswitch_forward")->Apply(shapes);
BENCHMARK_TEMPLATE(BM_GeluForward, Impl::kLibtorch)->Name("libtorch_forward")->Apply(shapes);
BENCHMARK_TEMPLATE(BM_GeluForwardBackward, Impl::kBitswitch)
    ->Name("bitswitch_forward_backward")
    ->Apply(shapes);
BENCHMARK_TEMPLATE(BM_GeluForwardBackward, Impl::kLibtorch)->Name("libtorch_forward_backward")->Apply(shapes);
BENCHMARK(BM_GeluErfReusing)
    ->Name("bitswitch_erf_in_place")
    ->Arg(2048)
    ->Arg(4096)
    ->ArgName("tokens")
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
