// Precision levels and configs: parsing, pattern resolution, adapter matching.
#include "bitswitch/quant/precision.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/quant/quant_options.h"

namespace bitswitch::quant {
namespace {

// A caller's broken promise (a config resolved for another model): a bug in bitswitch, not bad input.
void require_internal(bool ok, const char* what) {
    if (!ok) throw Error(fmt::format("internal error: {}", what));
}

int checked_bits(int bits, const std::string& where) {
    if (!valid_bits(bits)) {
        throw InputError(fmt::format(
            "{}: {} bits is not supported (use 2..16, or 32 / fp for full precision)", where, bits));
    }
    return bits;
}

template <class T>
T pick(const std::vector<T>& list, size_t i, size_t n, const char* flag, T fallback) {
    if (list.empty()) return fallback;
    if (list.size() == 1) return list[0];
    if (list.size() != n)
        throw InputError(
            fmt::format("--{} has {} values for {} levels: give one value or {}", flag, list.size(), n, n));
    return list[i];
}

bool is_number(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    std::istringstream in(s);
    while (std::getline(in, cur, sep)) out.push_back(cur);
    return out;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string describe(const PartialBits& p) {
    std::string s;
    if (p.w) s += fmt::format("w{}", *p.w);
    if (p.a) s += fmt::format("a{}", *p.a);
    if (p.kv) s += fmt::format("kv{}", *p.kv);
    return s;
}

std::string level_names(const std::vector<PrecisionLevel>& levels) {
    std::string s;
    for (const auto& l : levels) s += (s.empty() ? "" : ", ") + l.name();
    return s;
}

// A config entry resolved against the model's adapters.
UnitPrecision resolve(const PartialBits& p, const AdapterSet& adapters, const std::string& where) {
    if (adapters.levels.empty() || !adapters.shared_adapter.empty()) {
        return {{p.w.value_or(32), p.a.value_or(32), p.kv.value_or(32)}, adapters.shared_adapter};
    }
    const PrecisionLevel* found = nullptr;
    for (const auto& l : adapters.levels) {
        if ((p.w && *p.w != l.bits.w) || (p.a && *p.a != l.bits.a) || (p.kv && *p.kv != l.bits.kv)) continue;
        if (found) {
            throw InputError(fmt::format("{}: \"{}\" matches levels {} and {}; write all of w, a and kv bits",
                                         where, describe(p), found->name(), l.name()));
        }
        found = &l;
    }
    if (!found) {
        throw InputError(
            fmt::format("{}: no trained level has bits {} (levels: {}); use one of them, or a model without "
                        "adapters for post-training quantization",
                        where, describe(p), level_names(adapters.levels)));
    }
    return {found->bits, found->name()};
}

// -1, 0 or 1 as the non-negative decimal a is below, equal to or above b (leading zeros allowed).
int compare_numbers(const std::string& a, const std::string& b) {
    const auto digits = [](const std::string& s) {
        const size_t first = s.find_first_not_of('0');
        return first == std::string::npos ? std::string() : s.substr(first);
    };
    const std::string x = digits(a), y = digits(b);
    if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
    return x.compare(y) < 0 ? -1 : x.compare(y) > 0 ? 1 : 0;
}

// One segment of a layer pattern against one segment of a unit name.
bool segment_matches(const std::string& pattern, const std::string& name) {
    if (pattern == "*") return true;
    const auto dash = pattern.find('-');
    if (dash != std::string::npos && is_number(pattern.substr(0, dash)) &&
        is_number(pattern.substr(dash + 1)) && is_number(name)) {
        // Compared as digit strings: a bound of any length is a number, never an out-of-range stoi.
        return compare_numbers(name, pattern.substr(0, dash)) >= 0 &&
               compare_numbers(name, pattern.substr(dash + 1)) <= 0;
    }
    return pattern == name;
}

// Specificity of a pattern that matches `unit`, or -1. A trailing "*" may stand for several segments.
int match_score(const std::vector<std::string>& pattern, const std::vector<std::string>& unit) {
    const bool tail = !pattern.empty() && pattern.back() == "*";
    if (pattern.size() > unit.size() || (!tail && pattern.size() != unit.size())) return -1;
    int score = 0;
    for (size_t i = 0; i < pattern.size(); ++i) {
        if (!segment_matches(pattern[i], unit[i])) return -1;
        score += pattern[i] == "*" ? 0 : pattern[i].find('-') != std::string::npos ? 1 : 2;
    }
    return score;
}

std::string entry_text(const nlohmann::json& v, const std::string& where) {
    if (v.is_number_integer()) return v.dump();  // a long number stays long, and parse_bits refuses it
    if (v.is_string()) return v.get<std::string>();
    throw InputError(
        fmt::format("{}: a level is a number or a string like \"w4a8kv8\", got {}", where, v.dump()));
}

// A .json or .toml config file's contents as ordered (pattern, level text) pairs.
std::vector<std::pair<std::string, std::string>> config_entries(std::string_view contents,
                                                                const std::string& name) {
    std::vector<std::pair<std::string, std::string>> entries;
    const std::string ext = std::filesystem::path(name).extension().string();
    if (ext == ".json") {
        const auto j = core::parse_json(contents, name);
        if (!j.is_object())
            throw InputError(fmt::format("{}: expected an object of layer pattern -> level", name));
        for (const auto& [k, v] : j.items())
            entries.emplace_back(k, entry_text(v, fmt::format("{}: \"{}\"", name, k)));
    } else if (ext == ".toml") {
        toml::table t;
        try {
            t = toml::parse(contents, name);
        } catch (const toml::parse_error& e) {
            throw InputError(fmt::format("{}: {} (line {})", name, e.description(), e.source().begin.line));
        }
        for (const auto& [k, v] : t) {
            const std::string where = fmt::format("{}: \"{}\"", name, std::string(k.str()));
            // is_integer() first: toml++'s value<int64_t>() of a float like 1e99 converts out of range.
            if (v.is_integer())
                entries.emplace_back(std::string(k.str()), std::to_string(*v.value<int64_t>()));
            else if (const auto s = v.value<std::string>())
                entries.emplace_back(std::string(k.str()), *s);
            else
                throw InputError(where + ": a level is a number or a string like \"w4a8kv8\"");
        }
    } else {
        throw InputError(fmt::format("{}: a precision file must end in .json or .toml", name));
    }
    if (entries.empty()) throw InputError(fmt::format("{}: no entries", name));
    return entries;
}

PrecisionConfig from_patterns(const std::vector<std::pair<std::string, std::string>>& entries,
                              const std::string& source, const UnitList& units, const AdapterSet& adapters) {
    struct Rule {
        std::string pattern;
        std::vector<std::string> segments;
        PartialBits bits;
        bool module = false;  // the pattern names a module ("attention"): it matches that module's units
        bool used   = false;
    };
    const auto modules = module_names(units);
    std::vector<Rule> rules;
    std::optional<PartialBits> fallback;
    for (const auto& [pattern, text] : entries) {
        const std::string where = fmt::format("{}: \"{}\"", source, pattern);
        if (pattern == "default")
            fallback = parse_bits(text, where);
        else
            rules.push_back({pattern, split(pattern, '.'), parse_bits(text, where),
                             std::find(modules.begin(), modules.end(), pattern) != modules.end()});
    }
    PrecisionConfig config;
    config.source = source;
    for (const auto& u : units) {
        const std::string& unit = u.name;
        const auto segments     = split(unit, '.');
        int best                = -1;
        Rule* chosen            = nullptr;
        for (auto& r : rules) {
            // A module counts as one range segment: more specific than "*", less than any literal.
            const int score = r.module ? (u.module == r.pattern ? 1 : -1) : match_score(r.segments, segments);
            if (score < 0) continue;
            r.used = true;
            if (score > best) {
                best   = score;
                chosen = &r;
            } else if (score == best && describe(r.bits) != describe(chosen->bits)) {
                throw InputError(
                    fmt::format("{}: patterns \"{}\" and \"{}\" both match {} equally well with different "
                                "levels; make one more specific",
                                source, chosen->pattern, r.pattern, unit));
            }
        }
        if (!chosen && !fallback) {
            throw InputError(
                fmt::format("{}: no pattern matches {} and there is no \"default\"", source, unit));
        }
        const PartialBits& bits = chosen ? chosen->bits : *fallback;
        config.units.emplace_back(unit, resolve(bits, adapters, fmt::format("{}: {}", source, unit)));
    }
    for (const auto& r : rules) {
        if (!r.used) {
            throw InputError(
                fmt::format("{}: \"{}\" matches no unit of this model (units: {}; modules: {}; "
                            "`bitswitch precision show` lists them all)",
                            source, r.pattern, describe_units(units), fmt::join(modules, ", ")));
        }
    }
    return config;
}

}  // namespace

std::string BitWidths::name() const {
    if (w == a && a == kv) return w == 32 ? "fp" : std::to_string(w);
    return fmt::format("w{}a{}kv{}", w, a, kv);
}

std::vector<PrecisionLevel> make_levels(const LevelLists& lists) {
    const size_t n = std::max({lists.w_bits.size(), lists.a_bits.size(), lists.kv_bits.size(),
                               lists.ranks.size(), lists.alphas.size(), lists.dropouts.size(), size_t(1)});
    std::vector<PrecisionLevel> levels(n);
    for (size_t i = 0; i < n; ++i) {
        auto& l   = levels[i];
        l.bits.w  = checked_bits(pick(lists.w_bits, i, n, "w_bits", 32), "--w_bits");
        l.bits.a  = checked_bits(pick(lists.a_bits, i, n, "a_bits", l.bits.w), "--a_bits");
        l.bits.kv = checked_bits(pick(lists.kv_bits, i, n, "kv_bits", l.bits.a), "--kv_bits");
        const LoRAOptions defaults;
        l.lora.rank    = pick(lists.ranks, i, n, "ranks", defaults.rank);
        l.lora.alpha   = pick(lists.alphas, i, n, "alphas", defaults.alpha);
        l.lora.dropout = pick(lists.dropouts, i, n, "dropouts", defaults.dropout);
        validate(l.lora, fmt::format("level {} (--ranks/--dropouts)", l.name()));
    }
    std::stable_sort(levels.begin(), levels.end(), [](const PrecisionLevel& x, const PrecisionLevel& y) {
        return std::tie(x.bits.w, x.bits.a, x.bits.kv) > std::tie(y.bits.w, y.bits.a, y.bits.kv);
    });
    for (size_t i = 1; i < n; ++i) {
        if (levels[i].bits == levels[i - 1].bits)
            throw InputError(fmt::format("level {} is given twice", levels[i].name()));
    }
    return levels;
}

PartialBits parse_bits(const std::string& raw, const std::string& where) {
    const std::string text = trim(raw);
    const auto bad         = [&] {
        return InputError(
                    fmt::format("{}: \"{}\" is not a precision: write 8, fp, w4a8kv8, w4a8 or w4 (bits 2..16 or 32)",
                                where, raw));
    };
    if (text == "fp" || text == "32") return {32, 32, 32};
    if (is_number(text) && text.size() <= 3) {
        const int b = checked_bits(std::stoi(text), where);
        return {b, b, b};
    }
    PartialBits p;
    size_t i = 0;
    while (i < text.size()) {
        std::optional<int>* slot = nullptr;
        if (text.compare(i, 2, "kv") == 0)
            slot = &p.kv, i += 2;
        else if (text[i] == 'w')
            slot = &p.w, i += 1;
        else if (text[i] == 'a')
            slot = &p.a, i += 1;
        else
            throw bad();
        size_t j = i;
        while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
        if (j == i || j - i > 3 || slot->has_value()) throw bad();
        *slot = checked_bits(std::stoi(text.substr(i, j - i)), where);
        i     = j;
    }
    if (!p.w && !p.a && !p.kv) throw bad();
    return p;
}

void validate(const LoRAOptions& o, const std::string& where) {
    if (o.rank <= 0) throw InputError(fmt::format("{}: LoRA rank {} must be positive", where, o.rank));
    if (o.dropout < 0 || o.dropout >= 1)
        throw InputError(fmt::format("{}: LoRA dropout {} must be in [0, 1)", where, o.dropout));
}

bool fits(const PrecisionConfig& config, const UnitList& units) {
    if (config.units.size() != units.size()) return false;
    for (size_t i = 0; i < units.size(); ++i) {
        if (config.units[i].first != units[i].name) return false;
    }
    return true;
}

const UnitPrecision& PrecisionConfig::at(const std::string& unit) const {
    for (const auto& [name, u] : units) {
        if (name == unit) return u;
    }
    throw Error(fmt::format("precision config \"{}\" has no unit {}", source, unit));
}

PrecisionConfig uniform_config(const BitWidths& bits, const std::string& adapter, const UnitList& units,
                               const std::string& source) {
    PrecisionConfig config;
    config.source = source;
    for (const auto& u : units) config.units.emplace_back(u.name, UnitPrecision{bits, adapter});
    return config;
}

std::string adapter_for_level(const PrecisionLevel& level, const AdapterSet& adapters) {
    if (!adapters.shared_adapter.empty() || adapters.levels.empty()) return adapters.shared_adapter;
    for (const auto& l : adapters.levels) {
        if (l.bits == level.bits) return l.name();
    }
    throw InputError(
        fmt::format("level {} has no adapter (levels: {})", level.name(), level_names(adapters.levels)));
}

PrecisionConfig with_full_precision_head(PrecisionConfig config, const UnitList& units) {
    require_internal(fits(config, units), "with_full_precision_head: a config of another model");
    for (size_t i = 0; i < units.size(); ++i) {
        if (units[i].kind == UnitKind::kHead)
            config.units[i].second.bits = {kFullPrecisionBits, kFullPrecisionBits, kFullPrecisionBits};
    }
    return config;
}

PrecisionConfig config_for_levels(const std::vector<PrecisionLevel>& per_group, const UnitList& units,
                                  const AdapterSet& adapters, const std::string& source) {
    require_internal(per_group.size() == 1 || int64_t(per_group.size()) == group_count(units),
                     "config_for_levels: not one level per group");
    PrecisionConfig config;
    config.source = source;
    for (const auto& u : units) {
        const auto& level = per_group.size() == 1 ? per_group[0] : per_group[size_t(u.group)];
        config.units.emplace_back(u.name, UnitPrecision{level.bits, adapter_for_level(level, adapters)});
    }
    return config;
}

PrecisionConfig with_units_at(const PrecisionConfig& base, const std::vector<std::string>& selected,
                              const std::string& level, const UnitList& units, const AdapterSet& adapters,
                              const std::string& source) {
    require_internal(fits(base, units), "with_units_at: the base config was resolved for another model");
    const std::string where = fmt::format("{}: level \"{}\"", source, level);
    const auto at_level     = resolve(parse_bits(level, where), adapters, where);
    PrecisionConfig config  = base;
    config.source           = source;
    for (const auto& name : selected) {
        const auto it = std::find_if(config.units.begin(), config.units.end(),
                                     [&](const auto& u) { return u.first == name; });
        if (it == config.units.end())
            throw InputError(fmt::format("{}: no unit {} (units: {})", source, name, describe_units(units)));
        it->second = at_level;
    }
    return config;
}

PrecisionConfig parse_precision(const std::string& raw, const UnitList& units, const AdapterSet& adapters) {
    const std::string text = trim(raw);
    if (text.empty())
        throw InputError(
            "--precision: empty; write 8, fp, w4a8kv8, a list with one level per block (then the head) or a "
            ".json/.toml file");
    const std::filesystem::path path(text);
    const auto ext = path.extension().string();
    if (ext == ".json" || ext == ".toml") {
        if (!std::filesystem::exists(path)) throw InputError(fmt::format("--precision: no file {}", text));
        return parse_precision_file(core::read_file(path), text, units, adapters);
    }
    std::vector<std::string> parts;  // a list is separated by commas or spaces
    {
        std::string t = text;
        std::replace(t.begin(), t.end(), ',', ' ');
        std::istringstream in(t);
        for (std::string p; in >> p;) parts.push_back(p);
    }
    if (std::any_of(parts.begin(), parts.end(),
                    [](const std::string& p) { return p.find('=') != std::string::npos; })) {
        // Inline patterns, as a file's entries: "attention=4", "default=8,h.0-3.*=w4a8".
        std::vector<std::pair<std::string, std::string>> entries;
        bool has_default = false;
        for (const auto& p : parts) {
            const auto eq = p.find('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == p.size())
                throw InputError(
                    fmt::format("--precision \"{}\": \"{}\" is not PATTERN=LEVEL (e.g. attention=4, "
                                "fc=w4a8, default=fp)",
                                text, p));
            entries.emplace_back(p.substr(0, eq), p.substr(eq + 1));
            has_default = has_default || entries.back().first == "default";
        }
        if (!has_default) entries.emplace_back("default", "fp");  // what is not named stays unquantized
        return from_patterns(entries, text, units, adapters);
    }
    if (parts.size() > 1) {
        const int64_t groups = group_count(units);
        if (int64_t(parts.size()) != groups) {
            throw InputError(fmt::format(
                "--precision \"{}\": a list needs {} entries (one per group: {} ... {}), "
                "got {}",
                text, groups, group_label(units, 0), group_label(units, groups - 1), parts.size()));
        }
        PrecisionConfig config;
        config.source = text;
        for (const auto& u : units) {
            const std::string where = fmt::format("--precision entry {} ({})", u.group + 1, u.name);
            config.units.emplace_back(u.name,
                                      resolve(parse_bits(parts[size_t(u.group)], where), adapters, where));
        }
        return config;
    }
    return from_patterns({{"default", text}}, text, units, adapters);
}

PrecisionConfig parse_precision_file(std::string_view contents, const std::string& name,
                                     const UnitList& units, const AdapterSet& adapters) {
    return from_patterns(config_entries(contents, name), name, units, adapters);
}

const PrecisionLevel& level_at_index(const std::vector<PrecisionLevel>& levels, int index,
                                     const std::string& flag, const std::string& source,
                                     const std::string& fix) {
    if (levels.empty()) throw InputError(fmt::format("{}: {} has 0 trained level(s); {}", flag, source, fix));
    if (index < 0 || size_t(index) >= levels.size()) {
        throw InputError(fmt::format("{} {}: {} has {} trained level(s), indices 0..{} ({})", flag, index,
                                     source, levels.size(), levels.size() - 1, level_names(levels)));
    }
    return levels[size_t(index)];
}

PrecisionConfig precision_from_level_indices(const std::vector<int>& indices, const UnitList& units,
                                             const AdapterSet& adapters, const std::string& source) {
    const std::string flag = "--activate_lora_idx";
    const int64_t groups   = group_count(units);
    if (int64_t(indices.size()) != groups) {
        throw InputError(fmt::format("{} needs {} indices (one per group: {} ... {}), got {}", flag, groups,
                                     group_label(units, 0), group_label(units, groups - 1), indices.size()));
    }
    std::string list;
    for (const int i : indices) {
        const auto& b = level_at_index(adapters.levels, i, flag, source,
                                       "give the precision itself with --precision (e.g. 8,8,...,4)")
                            .bits;
        list += (list.empty() ? "" : ",") + fmt::format("w{}a{}kv{}", b.w, b.a, b.kv);
    }
    return parse_precision(list, units, adapters);
}

}  // namespace bitswitch::quant
