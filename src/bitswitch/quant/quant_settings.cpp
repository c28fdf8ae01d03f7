// Quantization settings and precision levels <-> JSON and flags.
#include "bitswitch/quant/quant_settings.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"

namespace bitswitch::quant {
namespace {

[[noreturn]] void bad_value(const std::string& where, const std::string& key, const std::string& value,
                            const char* allowed) {
    throw InputError(fmt::format("{}: {} \"{}\" is not one of {}", where, key, value, allowed));
}

Scheme scheme_named(const std::string& s, const std::string& where) {
    if (s == "symmetric" || s == "sym") return Scheme::kSymmetric;
    if (s == "asymmetric" || s == "asym") return Scheme::kAsymmetric;
    bad_value(where, "scheme", s, "symmetric, asymmetric");
}

Granularity weight_granularity_named(const std::string& s, const std::string& where) {
    if (s == "channel") return Granularity::kRow;
    if (s == "group") return Granularity::kGroup;
    if (s == "tensor") return Granularity::kTensor;
    bad_value(where, "weight granularity", s, "channel, group, tensor");
}

Granularity act_granularity_named(const std::string& s, const std::string& where) {
    if (s == "token") return Granularity::kRow;
    if (s == "tensor") return Granularity::kTensor;
    bad_value(where, "activation granularity", s, "token, tensor");
}

const char* scheme_name(Scheme s) {
    return s == Scheme::kSymmetric ? "symmetric" : "asymmetric";
}
const char* weight_granularity_name(Granularity g) {
    return g == Granularity::kRow ? "channel" : g == Granularity::kGroup ? "group" : "tensor";
}

QuantSettings build(const std::string& scheme, const std::string& wg, int64_t group_size,
                    const std::string& ag, const std::string& kv, const std::string& range, double momentum,
                    double ste_clip, bool merged, const std::string& where) {
    QuantSettings s;
    s.linear.scheme             = scheme_named(scheme, where);
    s.linear.weight_granularity = weight_granularity_named(wg, where);
    s.linear.weight_group_size  = group_size;
    s.linear.act_granularity    = act_granularity_named(ag, where);
    if (kv != "token" && kv != "head") bad_value(where, "KV granularity", kv, "token, head");
    s.kv_per_head = kv == "head";
    if (range != "minmax" && range != "ema") bad_value(where, "activation range", range, "minmax, ema");
    s.linear.ema_ranges   = range == "ema";
    s.linear.ema_momentum = momentum;
    s.linear.ste_clip     = ste_clip;
    s.linear.merged       = merged;
    if (s.linear.weight_granularity == Granularity::kGroup && group_size <= 0) {
        throw InputError(fmt::format("{}: group granularity needs a positive group size", where));
    }
    if (momentum < 0 || momentum >= 1)
        throw InputError(fmt::format("{}: EMA momentum {} is not in [0, 1)", where, momentum));
    if (ste_clip < 0) throw InputError(fmt::format("{}: ste_clip {} is negative", where, ste_clip));
    return s;
}

}  // namespace

nlohmann::json to_json(const QuantSettings& s) {
    return nlohmann::ordered_json{
        {"scheme", scheme_name(s.linear.scheme)},
        {"weight_granularity", weight_granularity_name(s.linear.weight_granularity)},
        {"group_size", s.linear.weight_group_size},
        {"act_granularity", s.linear.act_granularity == Granularity::kRow ? "token" : "tensor"},
        {"kv_granularity", s.kv_per_head ? "head" : "token"},
        {"act_range", s.linear.ema_ranges ? "ema" : "minmax"},
        {"ema_momentum", s.linear.ema_momentum},
        {"ste_clip", s.linear.ste_clip},
        {"merged", s.linear.merged}};
}

QuantSettings quant_settings_from_json(const nlohmann::json& j, const std::string& where) {
    try {
        return build(j.value("scheme", "symmetric"), j.value("weight_granularity", "channel"),
                     j.value("group_size", int64_t(0)), j.value("act_granularity", "token"),
                     j.value("kv_granularity", "token"), j.value("act_range", "minmax"),
                     j.value("ema_momentum", 0.9), j.value("ste_clip", 0.0), j.value("merged", false), where);
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
            lists.w_bits.push_back(l.at("w_bits").get<int>());
            lists.a_bits.push_back(l.at("a_bits").get<int>());
            lists.kv_bits.push_back(l.at("kv_bits").get<int>());
            lists.ranks.push_back(l.value("r", int64_t(8)));
            lists.alphas.push_back(l.value("lora_alpha", 16.0));
            lists.dropouts.push_back(l.value("lora_dropout", 0.0));
        }
        if (!lists.w_bits.empty()) a.levels = make_levels(lists);
    } catch (const nlohmann::json::exception& e) {
        throw InputError(
            fmt::format("{}: \"levels\" entries need numbers w_bits, a_bits, kv_bits ({})", where, e.what()));
    }
    return a;
}

QuantSettings quant_settings_from_flags(const std::string& scheme, const std::string& weight_granularity,
                                        int64_t group_size, const std::string& act_granularity,
                                        const std::string& kv_granularity, const std::string& act_range,
                                        double ema_momentum, double ste_clip, bool merged) {
    return build(scheme, weight_granularity, group_size, act_granularity, kv_granularity, act_range,
                 ema_momentum, ste_clip, merged, "quantization flags");
}

}  // namespace bitswitch::quant
