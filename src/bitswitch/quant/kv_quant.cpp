// Keys and values quantized per token (across heads or per head).
#include "bitswitch/quant/kv_quant.h"

#include <torch/torch.h>

namespace bitswitch::quant {

torch::Tensor fake_quantize_kv(const torch::Tensor& kv, int bits, const KvQuantOptions& options,
                               int64_t head_dim, const std::string& where) {
    if (bits == kFullPrecisionBits) return kv;
    TORCH_CHECK(kv.dim() == 4 && kv.size(2) == 2, "fake_quantize_kv: expected (B, T, 2, C), got ",
                kv.sizes());
    // The last dimension is one token's keys (or values): rows of C, or groups of D for one range per head.
    QuantizerOptions o;
    o.bits        = bits;
    o.scheme      = options.scheme;
    o.granularity = options.per_head ? Granularity::kGroup : Granularity::kRow;
    o.group_size  = head_dim;
    return fake_quantize(kv, o, where + " keys/values");
}

}  // namespace bitswitch::quant
