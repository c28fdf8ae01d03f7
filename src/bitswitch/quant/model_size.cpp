// Bit budget and model bytes of a precision config.
#include "bitswitch/quant/model_size.h"

namespace bitswitch::quant {

ModelSize model_size(const std::vector<LinearShape>& linears, const PrecisionConfig& config,
                     int64_t other_params, const QuantSettings& settings) {
    ModelSize m;
    const double per_scale =
        settings.linear.scheme == Scheme::kAsymmetric ? 8.0 : 4.0;  // scale (+ zero point)
    for (const auto& l : linears) {
        const int w         = config.at(l.name).bits.w;
        const int64_t count = l.in * l.out;
        m.linear_weights += count;
        m.weight_bits += double(count) * w;
        m.bytes += double(count) * w / 8.0 + (l.bias ? 4.0 * double(l.out) : 0.0);
        if (w == kFullPrecisionBits) continue;
        switch (settings.linear.weight_granularity) {
            case Granularity::kRow:
                m.bytes += per_scale * double(l.out);
                break;
            case Granularity::kGroup:
                m.bytes += per_scale * double(count / settings.linear.weight_group_size);
                break;
            case Granularity::kTensor:
                m.bytes += per_scale;
                break;
        }
    }
    m.avg_weight_bits = m.linear_weights > 0 ? m.weight_bits / double(m.linear_weights) : 0.0;
    m.bytes += 4.0 * double(other_params);
    return m;
}

}  // namespace bitswitch::quant
