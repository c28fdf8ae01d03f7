// A deployment file's metadata (see deployment_metadata.h).
#include "bitswitch/model/deployment_metadata.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/model/run_metadata.h"

namespace bitswitch::model {
namespace {

nlohmann::json json_at(const GgufContents& c, const std::string& key, const std::string& where) {
    return core::parse_json(deployment_string(c, key, where), where + ": " + key);
}

}  // namespace

void check_deployment_kind(const GgufContents& contents, const std::string& where) {
    const auto& m            = contents.metadata;
    const auto architecture  = m.find("general.architecture");
    const bool is_deployment = architecture != m.end() && *architecture == kDeploymentArchitecture;
    if (!is_deployment)
        throw InputError(
            fmt::format("{}: a GGUF file of architecture {}, not a bitswitch deployment file "
                        "(bitswitch export --format bitswitch writes those)",
                        where, architecture == m.end() ? "(none)" : gguf_value_text(*architecture)));
    const auto version = m.find("bitswitch.version");
    if (version == m.end() || *version != kDeploymentVersion)
        throw InputError(fmt::format("{}: deployment file version {}, this bitswitch reads version {}", where,
                                     version == m.end() ? "(none)" : gguf_value_text(*version),
                                     kDeploymentVersion));
}

const std::string& deployment_string(const GgufContents& contents, const std::string& key,
                                     const std::string& where) {
    const auto it = contents.metadata.find(key);
    if (it == contents.metadata.end() || !it->is_string())
        throw InputError(
            fmt::format("{}: missing metadata \"{}\" (not a complete bitswitch deployment file; "
                        "export it again)",
                        where, key));
    return it->get_ref<const std::string&>();
}

DeploymentMetadata parse_deployment_metadata(const GgufContents& contents, const std::string& where) {
    check_deployment_kind(contents, where);
    DeploymentMetadata m;
    m.config            = gpt2_config_from_json(json_at(contents, "bitswitch.model_config", where),
                                                where + ": bitswitch.model_config");
    m.settings          = quant::quant_settings_from_json(json_at(contents, "bitswitch.quantization", where),
                                                          where + ": bitswitch.quantization");
    m.adapter_set       = quant::adapter_set_from_json(json_at(contents, "bitswitch.adapter_set", where),
                                                       where + ": bitswitch.adapter_set");
    const auto adapters = json_at(contents, "bitswitch.adapters", where);
    const std::string adapters_where = where + ": bitswitch.adapters";
    if (!adapters.is_object())
        throw InputError(adapters_where + ": expected name -> {r, lora_alpha, lora_dropout, units}");
    for (const auto& [name, a] : adapters.items()) {
        if (name.empty()) throw InputError(adapters_where + ": an adapter without a name");
        DeployedAdapter d;
        d.name = name;
        d.lora = parse_adapter_config(a, fmt::format("{} \"{}\"", adapters_where, name));
        if (!a.contains("units") || !a["units"].is_array())
            throw InputError(fmt::format("{} \"{}\": \"units\" must list unit names", adapters_where, name));
        for (const auto& unit : a["units"]) {
            if (!unit.is_string())
                throw InputError(
                    fmt::format("{} \"{}\": \"units\" must list unit names", adapters_where, name));
            d.units.push_back(unit.get<std::string>());
        }
        m.adapters.push_back(std::move(d));
    }
    const auto configs = contents.metadata.find("bitswitch.configs");
    if (configs != contents.metadata.end()) {
        if (!configs->is_array()) throw InputError(where + ": bitswitch.configs must list precision configs");
        for (const auto& c : *configs) {
            if (!c.is_string() || c.get_ref<const std::string&>().empty())
                throw InputError(where + ": bitswitch.configs must list precision configs");
            m.configs.push_back(c.get<std::string>());
        }
    }
    return m;
}

bool parse_packed_tensor_name(const std::string& tensor, const std::string& unit, PackedTensorName& out,
                              const std::string& where) {
    const std::string prefix = unit + ".w";
    if (tensor.size() < prefix.size() + 2 || tensor.rfind(prefix, 0) != 0 ||
        tensor.compare(tensor.size() - 2, 2, ".q") != 0)
        return false;
    const std::string level = tensor.substr(prefix.size(), tensor.size() - 2 - prefix.size());
    const size_t plus       = level.find('+');
    const std::string bits  = level.substr(0, plus);
    const bool is_number =
        !bits.empty() && bits.size() <= 2 && bits.find_first_not_of("0123456789") == std::string::npos;
    if (!is_number || std::stoi(bits) < 2 || std::stoi(bits) > 8)
        throw InputError(
            fmt::format("{}: tensor \"{}\": expected {}<bits 2..8>[+adapter].q", where, tensor, prefix));
    out.w_bits         = std::stoi(bits);
    out.merged_adapter = plus == std::string::npos ? "" : level.substr(plus + 1);
    return true;
}

}  // namespace bitswitch::model
