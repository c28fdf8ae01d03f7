// Counter-based dropout decisions. Element i of a tensor dropped with `seed` is kept iff 16-bit lane (i mod 4)
// of splitmix64(seed ^ (i div 4) * K) is at least p * 65536. Whoever knows (seed, i) can reproduce the
// decision, so backward passes regenerate the mask instead of storing it, and any thread can draw any
// range without coordination. Resolution: p is rounded down to a multiple of 1/65536.
#pragma once

#include <algorithm>
#include <cstdint>

namespace bitswitch::kernels {

inline uint64_t splitmix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

inline uint32_t dropout_threshold(double p) { return uint32_t(p * 65536.0); }

/// out[j] = scale if element first + j is kept, else 0, for j in [0, n).
inline void dropout_multipliers(uint64_t seed, uint32_t threshold, float scale, int64_t first, int64_t n, float* out) {
    int64_t i = first;
    const int64_t last = first + n;
    while (i < last) {
        const int64_t block = i / 4;
        uint64_t h          = splitmix64(seed ^ (uint64_t(block) * 0xD1B54A32D192ED03ull)) >> (16 * (i % 4));
        for (const int64_t end = std::min(last, (block + 1) * 4); i < end; ++i, h >>= 16) {
            *out++ = uint32_t(h & 0xFFFF) >= threshold ? scale : 0.0f;
        }
    }
}

}  // namespace bitswitch::kernels
