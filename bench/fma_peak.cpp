// fma_peak.h, compiled once per SIMD target by Highway and dispatched to the best one at run time.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "fma_peak.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace bitswitch::bench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Twelve independent chains hide the multiply-add latency (4-5 cycles) on two pipes and, with the two
// constants, fit AVX2's sixteen registers. Returns the multiply-adds done (lanes x chains x rounds) and a
// sum the compiler must compute, so that the loop is not optimized away.
double MultiplyAddChains(int64_t rounds, float* sink) {
    const hn::ScalableTag<float> d;
    constexpr int kChains = 12;
    const auto scale = hn::Set(d, 0.999999f), shift = hn::Set(d, 1e-7f);
    hn::Vec<decltype(d)> acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = hn::Set(d, float(c));
    for (int64_t r = 0; r < rounds; ++r) {
        for (int c = 0; c < kChains; ++c) acc[c] = hn::MulAdd(acc[c], scale, shift);
    }
    auto total = acc[0];
    for (int c = 1; c < kChains; ++c) total = hn::Add(total, acc[c]);
    *sink = hn::GetLane(hn::SumOfLanes(d, total));
    return double(rounds) * kChains * double(hn::Lanes(d));
}

}  // namespace HWY_NAMESPACE
}  // namespace bitswitch::bench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <algorithm>
#include <thread>
#include <vector>

#include "bench_clock.h"
#include "fma_peak.h"

namespace bitswitch::bench {

HWY_EXPORT(MultiplyAddChains);

double fma_peak_gflops(int threads) {
    constexpr int64_t kRounds       = 150'000'000;  // ~0.3 s: 12 multiply-adds a round, two a cycle at ~3 GHz
    constexpr size_t kFloatsPerLine = 16;  // each thread's sink on a cache line of its own: no false sharing
    const size_t thread_count       = size_t(std::max(threads, 1));
    std::vector<float> sinks(thread_count * kFloatsPerLine);
    double best = 0;
    for (int run = 0; run < 3; ++run) {
        std::vector<double> multiply_adds(thread_count);
        const auto t = Clock::now();
        std::vector<std::thread> workers;
        for (size_t i = 0; i < thread_count; ++i)
            workers.emplace_back([&, i] {
                multiply_adds[i] =
                    HWY_DYNAMIC_DISPATCH(MultiplyAddChains)(kRounds, &sinks[i * kFloatsPerLine]);
            });
        for (auto& w : workers) w.join();
        const double seconds = seconds_since(t);
        double total         = 0;
        for (double m : multiply_adds) total += m;
        best = std::max(best, 2 * total / seconds / 1e9);
    }
    return best;
}

}  // namespace bitswitch::bench
#endif  // HWY_ONCE
