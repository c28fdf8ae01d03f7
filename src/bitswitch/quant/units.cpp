// Group labels and unit summaries for messages.
#include "bitswitch/quant/units.h"

#include <algorithm>

namespace bitswitch::quant {
namespace {

// The dotted prefix two names share: "h.3.attn.c_attn" and "h.3.mlp.c_fc" -> "h.3".
std::string common_prefix(const std::string& a, const std::string& b) {
    size_t end = 0;
    for (size_t i = 0; i <= std::min(a.size(), b.size()); ++i) {
        const bool a_end = i == a.size() || a[i] == '.', b_end = i == b.size() || b[i] == '.';
        if (a_end && b_end) end = i;
        if (i == a.size() || i == b.size() || a[i] != b[i]) break;
    }
    return a.substr(0, end);
}

}  // namespace

int64_t group_count(const UnitList& units) {
    int64_t n = 0;
    for (const auto& u : units) n = std::max(n, u.group + 1);
    return n;
}

std::string group_label(const UnitList& units, int64_t group) {
    std::string label;
    bool first = true;
    for (const auto& u : units) {
        if (u.group != group) continue;
        label = first ? u.name : common_prefix(label, u.name);
        first = false;
    }
    return label.empty() ? "group " + std::to_string(group) : label;
}

std::vector<std::string> module_names(const UnitList& units) {
    std::vector<std::string> names;
    for (const auto& u : units) {
        if (!u.module.empty() && std::find(names.begin(), names.end(), u.module) == names.end())
            names.push_back(u.module);
    }
    return names;
}

std::string describe_units(const UnitList& units) {
    if (units.empty()) return "none";
    const int64_t last = group_count(units) - 1;
    std::string s;
    bool skipped = false;
    for (const auto& u : units) {
        if (u.group != 0 && u.group != last) {
            skipped = true;
            continue;
        }
        s += (s.empty() ? "" : skipped ? ", ..., " : ", ") + u.name;
        skipped = false;
    }
    return s;
}

}  // namespace bitswitch::quant
