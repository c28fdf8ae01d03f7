// Typed JSON fields with the config readers' messages.
#include "bitswitch/core/json_fields.h"

#include <fmt/format.h>

#include "bitswitch/core/error.h"

namespace bitswitch::core {

const nlohmann::json* JsonFields::find(const char* name, bool required) const {
    const auto it = object_.find(name);
    if (it == object_.end() || it->is_null()) {
        if (required) throw InputError(fmt::format("{}: missing field \"{}\"", where_, name));
        return nullptr;
    }
    return &*it;
}

void JsonFields::integer(const char* name, int64_t& out, bool required) const {
    const auto* v = find(name, required);
    if (!v) return;
    if (!v->is_number_integer())
        throw InputError(fmt::format("{}: field \"{}\" must be an integer, got {}", where_, name, v->dump()));
    out = v->get<int64_t>();
}

void JsonFields::number(const char* name, double& out) const {
    const auto* v = find(name, false);
    if (!v) return;
    if (!v->is_number())
        throw InputError(fmt::format("{}: field \"{}\" must be a number, got {}", where_, name, v->dump()));
    out = v->get<double>();
}

void JsonFields::string(const char* name, std::string& out) const {
    const auto* v = find(name, false);
    if (!v) return;
    if (!v->is_string())
        throw InputError(fmt::format("{}: field \"{}\" must be a string, got {}", where_, name, v->dump()));
    out = v->get<std::string>();
}

}  // namespace bitswitch::core
