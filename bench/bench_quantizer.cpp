// Fake quantization of an activation tensor: the fused one-pass kernel (quant::fake_quantize) against the
// same formula as a chain of libtorch ops (quant::fake_quantize_op_chain), per token and per tensor, at the
// shapes of GPT-2-124M's linear inputs for a (8 x 384)-token batch. Google Benchmark; the reported
// bytes_per_second counts one read and one write of the tensor.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "bitswitch/quant/quantizer.h"

namespace {

using bitswitch::quant::Granularity;
using bitswitch::quant::QuantizerOptions;
using bitswitch::quant::Scheme;

QuantizerOptions options(int64_t granularity, int64_t scheme) {
    QuantizerOptions o;
    o.bits        = 8;
    o.granularity = granularity == 0 ? Granularity::kRow : Granularity::kTensor;
    o.scheme      = scheme == 0 ? Scheme::kSymmetric : Scheme::kAsymmetric;
    return o;
}

template <bool kFused>
void BM_FakeQuant(benchmark::State& state) {
    torch::NoGradGuard no_grad;
    const auto x = torch::randn({3072, state.range(0)});
    const auto o = options(state.range(1), state.range(2));
    for (auto _ : state) {
        auto y =
            kFused ? bitswitch::quant::fake_quantize(x, o) : bitswitch::quant::fake_quantize_op_chain(x, o);
        benchmark::DoNotOptimize(y.data_ptr<float>());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * x.numel() * 8);
}

// Args: features (768: attention/MLP inputs, 3072: MLP c_proj input), granularity (0 token, 1 tensor),
// scheme (0 symmetric, 1 asymmetric).
void shapes(benchmark::internal::Benchmark* b) {
    for (int64_t features : {768, 3072}) {
        for (int64_t g : {0, 1}) {
            for (int64_t s : {0, 1}) b->Args({features, g, s});
        }
    }
    b->ArgNames({"features", "per_tensor", "asym"})->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK_TEMPLATE(BM_FakeQuant, true)->Name("fused")->Apply(shapes);
BENCHMARK_TEMPLATE(BM_FakeQuant, false)->Name("libtorch_ops")->Apply(shapes);

}  // namespace
