// The packed linear layer (kernels/packed_linear.h) against float32 sgemm at GPT-2-124M's linear shapes for
// one 384-token window: c_attn 768 -> 2304, c_proj 768 -> 768, c_fc 768 -> 3072, mlp c_proj 3072 -> 768.
// w8a8 and w4a8 per channel, w4a8 per group of 64, and the weight-only w4 path; the integer products on
// oneDNN (VNNI) and on the portable kernel CPUs without VNNI run (portable = 1). Google Benchmark; the
// counter is the layer's multiply-adds per second (tokens x in x out).
#include <array>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "bitswitch/kernels/packed_linear.h"
#include "bitswitch/kernels/sgemm.h"

namespace {

using bitswitch::kernels::PackedWeights;

constexpr int64_t kTokens = 384;

std::vector<float> random_values(size_t n, uint64_t seed, float scale) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = normal(rng);
    return v;
}

void set_rate(benchmark::State& state, int64_t in, int64_t out) {
    state.counters["MAC/s"] = benchmark::Counter(double(state.iterations()) * double(kTokens * in * out),
                                                 benchmark::Counter::kIsRate);
}

// Args: in, out, weight bits (32 = float sgemm), activation bits (0 = float), group (0 = per channel),
// portable (1: the portable integer GEMM).
void BM_Linear(benchmark::State& state) {
    const int64_t in = state.range(0), out = state.range(1), group = state.range(4);
    const int w_bits = int(state.range(2)), a_bits = int(state.range(3));
    const auto x    = random_values(size_t(kTokens * in), 1, 1.0f),
               w    = random_values(size_t(out * in), 2, 0.05f);
    const auto bias = random_values(size_t(out), 3, 0.1f);
    std::vector<float> y(size_t(kTokens * out));
    if (w_bits == 32) {
        for (auto _ : state) {
            bitswitch::kernels::sgemm(false, true, kTokens, out, in, 1.0f, x.data(), in, w.data(), in, 0.0f,
                                      y.data(), out);
            benchmark::DoNotOptimize(y.data());
        }
    } else {
        const PackedWeights packed = bitswitch::kernels::pack_weights(w.data(), out, in, w_bits, group);
        bitswitch::kernels::set_integer_gemm(state.range(5) ? bitswitch::kernels::IntegerGemm::portable
                                                            : bitswitch::kernels::IntegerGemm::automatic);
        for (auto _ : state) {
            bitswitch::kernels::packed_linear(x.data(), kTokens, packed, a_bits, bias.data(), y.data());
            benchmark::DoNotOptimize(y.data());
        }
        bitswitch::kernels::set_integer_gemm(bitswitch::kernels::IntegerGemm::automatic);
    }
    set_rate(state, in, out);
}

void shapes(benchmark::internal::Benchmark* b) {
    const std::vector<std::pair<int64_t, int64_t>> layers = {
        {768, 2304}, {768, 768}, {768, 3072}, {3072, 768}};
    const std::vector<std::array<int64_t, 4>> kinds = {{32, 0, 0, 0}, {8, 8, 0, 0}, {4, 8, 0, 0},
                                                       {4, 8, 64, 0}, {4, 0, 0, 0}, {8, 8, 0, 1},
                                                       {4, 8, 0, 1},  {4, 8, 64, 1}};
    for (const auto& [in, out] : layers) {
        for (const auto& [w, a, g, portable] : kinds) b->Args({in, out, w, a, g, portable});
    }
    b->ArgNames({"in", "out", "w", "a", "group", "portable"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_Linear)->Apply(shapes);

}  // namespace
