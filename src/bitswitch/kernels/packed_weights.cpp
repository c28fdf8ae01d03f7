// Packing and unpacking of the formats in packed_weights.h (weights quantize as tokens do: token_quant.h).
#include "bitswitch/kernels/packed_weights.h"

#include <algorithm>
#include <cmath>

#include "bitswitch/kernels/token_quant.h"

namespace bitswitch::kernels {
PackedWeights pack_weights(const float* w, int64_t out, int64_t in, int bits, int64_t group) {
    PackedWeights p;
    p.out   = out;
    p.in    = in;
    p.bits  = bits;
    p.group = group > 0 ? std::min(group, in) : in;
    if (p.group == 0) p.group = 1;  // an empty row: no groups, but a valid format
    const int64_t groups = in > 0 ? p.groups() : 0;
    p.scales.resize(size_t(out * groups));
    p.data.assign(size_t(out * p.row_bytes()), 0);
    std::vector<int8_t> q(static_cast<size_t>(in));
    for (int64_t o = 0; o < out; ++o) {
        const float* row = w + o * in;
        for (int64_t g = 0; g < groups; ++g) {
            const int64_t begin = g * p.group, n = std::min(p.group, in - begin);
            quantize_rows(row + begin, 1, n, bits, q.data() + begin, &p.scales[size_t(o * groups + g)]);
        }
        uint8_t* dst = p.data.data() + o * p.row_bytes();
        if (bits > 4) {
            std::copy(q.begin(), q.end(), reinterpret_cast<int8_t*>(dst));
            continue;
        }
        for (int64_t k = 0; k < in; ++k) {
            const auto nibble = uint8_t(q[size_t(k)] & 0x0f);
            dst[k / 2] |= k % 2 == 0 ? nibble : uint8_t(nibble << 4);
        }
    }
    return p;
}

void unpack_row(const PackedWeights& w, int64_t o, int8_t* q) {
    const uint8_t* src = w.data.data() + o * w.row_bytes();
    if (w.bits > 4) {
        std::copy(src, src + w.in, reinterpret_cast<uint8_t*>(q));
        return;
    }
    // Two values a byte, sign-extended from 4 bits as (v ^ 8) - 8; branch-free so that it vectorizes.
    const int64_t pairs = w.in / 2;
    for (int64_t i = 0; i < pairs; ++i) {
        const uint8_t b = src[i];
        q[2 * i]        = int8_t(((b & 0x0f) ^ 8) - 8);
        q[2 * i + 1]    = int8_t(((b >> 4) ^ 8) - 8);
    }
    if (w.in % 2 == 1) q[w.in - 1] = int8_t(((src[pairs] & 0x0f) ^ 8) - 8);
}

}  // namespace bitswitch::kernels
