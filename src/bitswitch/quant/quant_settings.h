// How a model quantizes (scheme, granularities, ranges) and which precision levels it was trained for, as
// stored in a run's bitswitch.json and chosen by the command-line flags:
//   "quantization": {"scheme": "symmetric", "weight_granularity": "channel", "group_size": 0,
//                    "act_granularity": "token", "kv_granularity": "token", "act_range": "minmax",
//                    "ema_momentum": 0.9, "ste_clip": 0, "merged": false}
//   "levels": [{"name": "8", "w_bits": 8, "a_bits": 8, "kv_bits": 8, "r": 8, "lora_alpha": 16, "lora_dropout": 0}]
//   "shared_adapter": "shared"        (only when one adapter serves every bit-width)
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quant_lora_linear.h"

namespace bitswitch::quant {

struct QuantSettings {
    LinearQuantOptions linear;
    bool kv_per_head = false;
};

nlohmann::json to_json(const QuantSettings& settings);
/// Missing keys keep their defaults; bad values are InputErrors naming `where` and the key.
QuantSettings quant_settings_from_json(const nlohmann::json& j, const std::string& where);

nlohmann::json to_json(const AdapterSet& adapters);  // {"levels": [...], "shared_adapter": ...}
AdapterSet adapter_set_from_json(const nlohmann::json& run, const std::string& where);

/// Flag values -> settings; InputError naming the flag on a bad value.
QuantSettings quant_settings_from_flags(const std::string& scheme, const std::string& weight_granularity,
                                        int64_t group_size, const std::string& act_granularity,
                                        const std::string& kv_granularity, const std::string& act_range,
                                        double ema_momentum, double ste_clip, bool merged);

}  // namespace bitswitch::quant
