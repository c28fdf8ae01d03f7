// The machine's float32 multiply-add peak: what every core's vector units retire when they do nothing else,
// the ceiling no GEMM can pass. The model benchmarks set their GEMM ceilings (gemm_ceilings.h) against it.
#pragma once

namespace bitswitch::bench {

/// GFLOP/s (multiply-add = 2) of `threads` threads each running independent vector multiply-add chains,
/// at the widest SIMD target Highway finds on this CPU. Best of three runs of ~0.3 s.
double fma_peak_gflops(int threads);

}  // namespace bitswitch::bench
