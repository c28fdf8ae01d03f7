// Quantization settings and precision levels <-> JSON and flags.
#include "bitswitch/quant/quant_settings.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"

namespace bitswitch::quant {
namespace {

// Errors name where a value came from: the flag ("--quant_scheme"), or the file and key
// ("bitswitch.json: quantization.scheme").
QuantSettings build(const std::string& scheme, const std::string& wg, int64_t group_size,
                    const std::string& ag, const std::string& kv, const std::string& range, double momentum,
                    double ste_clip, bool merged, const std::string& where, bool flags) {
    const auto key = [&](const char* flag, const char* field) {
        return flags ? std::string(flag) : fmt::format("{}: quantization.{}", where, field);
    };
    QuantSettings s;
    s.linear.scheme = core::enum_from_name(kSchemeNames, scheme, key("--quant_scheme", "scheme"));
    s.linear.weight_granularity =
        core::enum_from_name(kWeightGranularityNames, wg, key("--weight_granularity", "weight_granularity"));
    s.linear.weight_group_size = group_size;
    s.linear.act_granularity =
        core::enum_from_name(kActGranularityNames, ag, key("--act_granularity", "act_granularity"));
    s.kv.per_head = core::enum_from_name(kKvGranularityNames, kv, key("--kv_granularity", "kv_granularity"));
    s.kv.scheme   = s.linear.scheme;
    s.linear.ema_ranges   = core::enum_from_name(kActRangeNames, range, key("--act_range", "act_range"));
    s.linear.ema_momentum = momentum;
    s.linear.ste_clip     = ste_clip;
    s.linear.merged       = merged;
    if (s.linear.weight_granularity == Granularity::kGroup && group_size <= 0) {
        throw InputError(fmt::format("{}: group granularity needs a positive group size", where));
    }
    if (!(momentum >= 0 && momentum < 1))  // NaN too
        throw InputError(fmt::format("{}: EMA momentum {} is not in [0, 1)", where, momentum));
    if (!(ste_clip >= 0)) throw InputError(fmt::format("{}: ste_clip {} is negative", where, ste_clip));
    return s;
}

// An integer field of a file: `fallback` when absent; InputError when it is not an integer or outside
// [lo, hi] (nlohmann's get<int>() of a float like 1e81 or of a larger integer is undefined or wraps).
int64_t integer_field(const nlohmann::json& j, const char* key, int64_t fallback, int64_t lo, int64_t hi,
                      const std::string& where) {
    if (!j.contains(key)) return fallback;
    const auto& v   = j[key];
    const bool fits = v.is_number_integer() &&
                      !(v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(hi)) &&
                      v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
    if (!fits)
        throw InputError(
            fmt::format("{}: \"{}\" must be an integer in {}..{}, got {}", where, key, lo, hi, v.dump()));
    return v.get<int64_t>();
}

}  // namespace

nlohmann::json to_json(const QuantSettings& s) {
    return nlohmann::ordered_json{
        {"scheme", core::enum_name(kSchemeNames, s.linear.scheme)},
        {"weight_granularity", core::enum_name(kWeightGranularityNames, s.linear.weight_granularity)},
        {"group_size", s.linear.weight_group_size},
        {"act_granularity", core::enum_name(kActGranularityNames, s.linear.act_granularity)},
        {"kv_granularity", core::enum_name(kKvGranularityNames, s.kv.per_head)},
        {"act_range", core::enum_name(kActRangeNames, s.linear.ema_ranges)},
        {"ema_momentum", s.linear.ema_momentum},
        {"ste_clip", s.linear.ste_clip},
        {"merged", s.linear.merged},
        {"quantize_bias", s.linear.quantize_bias},
        {"quantize_output", s.linear.quantize_output},
        {"fp_head", s.fp_head}};
}

QuantSettings quant_settings_from_json(const nlohmann::json& j, const std::string& where) {
    if (!j.is_object()) throw InputError(fmt::format("{}: \"quantization\" must be an object", where));
    auto v = to_json(QuantSettings{});  // missing keys keep the defaults of QuantSettings
    v.update(j);
    try {
        auto settings =
            build(v["scheme"].get<std::string>(), v["weight_granularity"].get<std::string>(),
                  integer_field(v, "group_size", 0, 0, int64_t(1) << 20, where + ": quantization"),
                  v["act_granularity"].get<std::string>(), v["kv_granularity"].get<std::string>(),
                  v["act_range"].get<std::string>(), v["ema_momentum"].get<double>(),
                  v["ste_clip"].get<double>(), v["merged"].get<bool>(), where,
                  /*flags=*/false);
        settings.fp_head                = v["fp_head"].get<bool>();
        settings.linear.quantize_bias   = v["quantize_bias"].get<bool>();
        settings.linear.quantize_output = v["quantize_output"].get<bool>();
        return settings;
    } catch (const nlohmann::json::exception& e) {
        throw InputError(
            fmt::format("{}: \"quantization\" has a value of the wrong type ({})", where, e.what()));
    }
}

nlohmann::json to_json(const AdapterSet& a) {
    nlohmann::json levels = nlohmann::json::array();
    for (const auto& l : a.levels) {
        levels.push_back(nlohmann::json{{"name", l.name()},
                                        {"w_bits", l.bits.w},
                                        {"a_bits", l.bits.a},
                                        {"kv_bits", l.bits.kv},
                                        {"r", l.lora.rank},
                                        {"lora_alpha", l.lora.alpha},
                                        {"lora_dropout", l.lora.dropout}});
    }
    nlohmann::json out{{"levels", levels}};
    if (!a.shared_adapter.empty()) out["shared_adapter"] = a.shared_adapter;
    return out;
}

AdapterSet adapter_set_from_json(const nlohmann::json& run, const std::string& where) {
    AdapterSet a;
    try {
        a.shared_adapter = run.value("shared_adapter", "");
        if (!run.contains("levels")) return a;
        LevelLists lists;
        for (const auto& l : run.at("levels")) {
            if (!l.is_object() || !l.contains("w_bits") || !l.contains("a_bits") || !l.contains("kv_bits"))
                throw InputError(
                    fmt::format("{}: \"levels\" entries need numbers w_bits, a_bits, kv_bits", where));
            const std::string level = where + ": a level";
            lists.w_bits.push_back(int(integer_field(l, "w_bits", 0, 0, 64, level)));
            lists.a_bits.push_back(int(integer_field(l, "a_bits", 0, 0, 64, level)));
            lists.kv_bits.push_back(int(integer_field(l, "kv_bits", 0, 0, 64, level)));
            const LoRAOptions defaults;
            lists.ranks.push_back(integer_field(l, "r", defaults.rank, 1, 65536, level));
            lists.alphas.push_back(l.value("lora_alpha", defaults.alpha));
            lists.dropouts.push_back(l.value("lora_dropout", defaults.dropout));
        }
        if (!lists.w_bits.empty()) a.levels = make_levels(lists);
    } catch (const nlohmann::json::exception& e) {
        throw InputError(
            fmt::format("{}: \"levels\" entries need numbers w_bits, a_bits, kv_bits ({})", where, e.what()));
    }
    return a;
}

QuantSettingsText QuantSettingsText::of(const QuantSettings& s) {
    QuantSettingsText t;
    t.scheme             = core::enum_name(kSchemeNames, s.linear.scheme);
    t.weight_granularity = core::enum_name(kWeightGranularityNames, s.linear.weight_granularity);
    t.act_granularity    = core::enum_name(kActGranularityNames, s.linear.act_granularity);
    t.kv_granularity     = core::enum_name(kKvGranularityNames, s.kv.per_head);
    t.act_range          = core::enum_name(kActRangeNames, s.linear.ema_ranges);
    t.group_size         = s.linear.weight_group_size;
    t.ema_momentum       = s.linear.ema_momentum;
    t.ste_clip           = s.linear.ste_clip;
    t.merged             = s.linear.merged;
    t.fp_head            = s.fp_head;
    t.quantize_bias      = s.linear.quantize_bias;
    t.quantize_output    = s.linear.quantize_output;
    return t;
}

QuantSettings quant_settings_from_flags(const QuantSettingsText& t) {
    auto settings = build(t.scheme, t.weight_granularity, t.group_size, t.act_granularity, t.kv_granularity,
                          t.act_range, t.ema_momentum, t.ste_clip, t.merged, "quantization flags",
                          /*flags=*/true);
    settings.fp_head                = t.fp_head;
    settings.linear.quantize_bias   = t.quantize_bias;
    settings.linear.quantize_output = t.quantize_output;
    return settings;
}

}  // namespace bitswitch::quant
