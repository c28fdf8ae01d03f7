// Bit budget and model bytes of a precision config.
#include "bitswitch/quant/model_size.h"

#include <c10/util/Exception.h>

namespace bitswitch::quant {

ModelSize model_size(const UnitList& units, const PrecisionConfig& config, int64_t other_params,
                     const QuantSettings& settings) {
    ModelSize m;
    const double per_scale =
        settings.linear.scheme == Scheme::kAsymmetric ? 8.0 : 4.0;  // scale (+ zero point)
    TORCH_INTERNAL_ASSERT(fits(config, units), "model_size: the config was resolved for another model");
    for (size_t i = 0; i < units.size(); ++i) {
        const auto& l = units[i];
        if (!l.has_weight()) continue;
        const bool fp       = settings.fp_head && l.kind == UnitKind::kHead;
        const int w         = fp ? kFullPrecisionBits : config[i].bits.w;
        const int a         = fp ? kFullPrecisionBits : config[i].bits.a;
        const int64_t count = l.in_features * l.out_features;
        m.linear_weights += count;
        m.weight_bits += double(count) * w;
        m.bit_operations_per_token += double(count) * w * a;
        m.bytes += double(count) * w / 8.0 + (l.bias ? 4.0 * double(l.out_features) : 0.0);
        if (w == kFullPrecisionBits) continue;
        switch (settings.linear.weight_granularity) {
            case Granularity::kRow:
                m.bytes += per_scale * double(l.out_features);
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
