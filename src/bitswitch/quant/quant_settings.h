// How a model quantizes (scheme, granularities, ranges) and which precision levels it was trained for, as
// stored in a run's bitswitch.json and chosen by the command-line flags:
//   "quantization": {"scheme": "symmetric", "weight_granularity": "channel", "group_size": 0,
//                    "act_granularity": "token", "kv_granularity": "token", "act_range": "minmax",
//                    "ema_momentum": 0.9, "ste_clip": 0, "merged": false, "quantize_bias": false,
//                    "quantize_output": false, "fp_head": false}
//   "levels": [{"name": "8", "w_bits": 8, "a_bits": 8, "kv_bits": 8, "r": 8, "lora_alpha": 16,
//               "lora_dropout": 0}]
//   "shared_adapter": "shared"        (only when one adapter serves every bit-width)
// The spellings come from the name tables below; the defaults from QuantSettings's member initializers.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bitswitch/core/enum_names.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quant_options.h"

namespace bitswitch::quant {

/// Everything about how a model quantizes except the bits: its linears' options and its K/V options (whose
/// scheme is the linears': one --quant_scheme for the whole model).
struct QuantSettings {
    LinearQuantOptions linear;
    KvQuantOptions kv;
    // The QA head at full precision whatever a config's bits (seeds 000 and 003 leave qa_outputs
    // unquantized while the blocks are): its linear computes in float and counts 32 bits in model sizes.
    bool fp_head = false;
};

inline constexpr core::EnumName<Scheme> kSchemeNames[]                 = {{Scheme::kSymmetric, "symmetric"},
                                                                          {Scheme::kAsymmetric, "asymmetric"}};
inline constexpr core::EnumName<Granularity> kWeightGranularityNames[] = {
    {Granularity::kRow, "channel"}, {Granularity::kGroup, "group"}, {Granularity::kTensor, "tensor"}};
inline constexpr core::EnumName<Granularity> kActGranularityNames[] = {{Granularity::kRow, "token"},
                                                                       {Granularity::kTensor, "tensor"}};
/// KV ranges per token across heads (false) or per token and head (true).
inline constexpr core::EnumName<bool> kKvGranularityNames[] = {{false, "token"}, {true, "head"}};
/// Activation ranges from each tensor's min/max (false) or an EMA tracked in training (true).
inline constexpr core::EnumName<bool> kActRangeNames[] = {{false, "minmax"}, {true, "ema"}};

/// The settings as the flags spell them (--quant_scheme symmetric ...).
struct QuantSettingsText {
    std::string scheme, weight_granularity, act_granularity, kv_granularity, act_range;
    int64_t group_size  = 0;
    double ema_momentum = 0, ste_clip = 0;
    bool merged = false, fp_head = false, quantize_bias = false, quantize_output = false;
    static QuantSettingsText of(const QuantSettings& settings);
};

nlohmann::json to_json(const QuantSettings& settings);
/// Missing keys keep their defaults; bad values are InputErrors naming `where` and the key.
QuantSettings quant_settings_from_json(const nlohmann::json& j, const std::string& where);

nlohmann::json to_json(const AdapterSet& adapters);  // {"levels": [...], "shared_adapter": ...}
AdapterSet adapter_set_from_json(const nlohmann::json& run, const std::string& where);

/// Flag values -> settings; InputError naming the flag on a bad value.
QuantSettings quant_settings_from_flags(const QuantSettingsText& text);

}  // namespace bitswitch::quant
