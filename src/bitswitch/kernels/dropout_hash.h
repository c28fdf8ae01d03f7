// Counter-based dropout decisions for row-structured tensors (attention probabilities): element (row, col)
// of a tensor dropped with `seed` is kept iff the top 16 bits of
//     fmix32(col · 0x9E3779B1 ⊕ key(row)),   key(row) = high 32 bits of splitmix64(seed ⊕ row · K)
// are at least p · 65536 (fmix32: MurmurHash3's finalizer). Whoever knows (seed, row, col) reproduces the
// decision, so backward passes regenerate the mask instead of storing it, any thread can draw any range,
// and within a row the hash is plain 32-bit integer arithmetic that SIMD kernels compute lane by lane.
// p is used to 1/65536 precision.
#pragma once

#include <cstdint>

namespace bitswitch::kernels {

inline uint64_t splitmix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

inline uint32_t fmix32(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    return h ^ (h >> 16);
}

constexpr uint32_t kDropoutColumnMultiplier = 0x9E3779B1u;

inline uint32_t dropout_threshold(double p) {
    return uint32_t(p * 65536.0);
}

inline uint32_t dropout_row_key(uint64_t seed, uint64_t row) {
    return uint32_t(splitmix64(seed ^ (row * 0xD1B54A32D192ED03ull)) >> 32);
}

/// out[j] = scale if element (row, col0 + j) is kept, else 0, for j in [0, n). The scalar reference of the
/// SIMD kernels.
inline void dropout_row_multipliers(uint64_t seed, uint64_t row, uint32_t threshold, float scale,
                                    int64_t col0, int64_t n, float* out) {
    const uint32_t key = dropout_row_key(seed, row);
    for (int64_t j = 0; j < n; ++j) {
        const uint32_t bits = fmix32(uint32_t(col0 + j) * kDropoutColumnMultiplier ^ key);
        out[j]              = (bits >> 16) >= threshold ? scale : 0.0f;
    }
}

}  // namespace bitswitch::kernels
