// bitswitch.json and adapter_config.json (see run_metadata.h).
#include "bitswitch/model/run_metadata.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/model/encoder_config.h"

namespace bitswitch::model {
namespace {

// The string at `key`, or `fallback` when absent; InputError when it is there and not a string.
std::string string_or(const nlohmann::json& j, const char* key, const std::string& fallback,
                      const std::string& where) {
    if (!j.contains(key)) return fallback;
    if (!j[key].is_string()) throw InputError(fmt::format("{}: \"{}\" must be a string", where, key));
    return j[key].get<std::string>();
}

}  // namespace

RunMetadata parse_run_metadata(const nlohmann::json& run, const std::string& where) {
    if (!run.is_object())
        throw InputError(
            fmt::format("{}: expected a JSON object (a run's metadata, written by train)", where));
    RunMetadata m;
    m.has_file                 = true;
    const std::string finetune = string_or(run, "finetune", "lora", where);
    if (finetune != "lora" && finetune != "full" && finetune != "head")
        throw InputError(
            fmt::format("{}: \"finetune\" is \"{}\"; use \"lora\", \"full\" or \"head\"", where, finetune));
    m.lora_run = !run.empty() && finetune == "lora";
    if (m.lora_run) {
        m.base_model = string_or(run, "base_model", "", where);
        if (m.base_model.empty()) {
            throw InputError(
                fmt::format("{}: missing \"base_model\" (the folder of the frozen model)", where));
        }
    }
    if (run.contains("adapters")) {
        if (!run["adapters"].is_array())
            throw InputError(fmt::format("{}: \"adapters\" must list names", where));
        for (const auto& n : run["adapters"]) {
            if (!n.is_string() || n.get<std::string>().empty())
                throw InputError(fmt::format("{}: \"adapters\" must list names", where));
            m.adapter_names.push_back(n.get<std::string>());
        }
    }
    m.task = string_or(run, "task", "", where);
    if (run.contains("class_labels")) {
        const auto& labels = run["class_labels"];
        if (!labels.is_array() || labels.empty() || labels.size() > size_t(kMaxClassLabels))
            throw InputError(
                fmt::format("{}: \"class_labels\" must list 1..{} class names", where, kMaxClassLabels));
        for (const auto& l : labels) {
            if (!l.is_string() || l.get<std::string>().empty())
                throw InputError(fmt::format("{}: \"class_labels\" must list class names", where));
            m.class_labels.push_back(l.get<std::string>());
        }
    }
    m.adapters = quant::adapter_set_from_json(run, where);
    if (run.contains("quantization"))
        m.quantization = quant::quant_settings_from_json(run["quantization"], where);
    return m;
}

RunMetadata read_run_metadata(const std::filesystem::path& dir) {
    const auto file = dir / "bitswitch.json";
    if (!std::filesystem::exists(file)) return {};
    return parse_run_metadata(core::read_json_file(file), file.string());
}

quant::LoRAOptions parse_adapter_config(const nlohmann::json& config, const std::string& where) {
    quant::LoRAOptions options;
    if (!config.is_object() || !config.contains("r") || !config["r"].is_number_integer() ||
        !config.contains("lora_alpha") || !config["lora_alpha"].is_number() ||
        (config.contains("lora_dropout") && !config["lora_dropout"].is_number())) {
        throw InputError(
            fmt::format("{}: needs an integer r and a number lora_alpha (PEFT's LoraConfig)", where));
    }
    options.rank    = config["r"].get<int64_t>();
    options.alpha   = config["lora_alpha"].get<double>();
    options.dropout = config.value("lora_dropout", options.dropout);
    quant::validate(options, where);
    // The adapter is allocated from r before its tensors are read: bound it by the widest layer a config may
    // declare (gpt2_config.h), so a corrupt file is an error rather than an allocation of terabytes.
    constexpr int64_t kMaxRank = 65536;
    if (options.rank > kMaxRank)
        throw InputError(
            fmt::format("{}: r = {} is larger than any layer ({} at most)", where, options.rank, kMaxRank));
    if (!std::isfinite(options.alpha))
        throw InputError(fmt::format("{}: lora_alpha must be a finite number", where));
    return options;
}

}  // namespace bitswitch::model
