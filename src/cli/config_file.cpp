// TOML (and JSON) --config expansion.
#include "cli/config_file.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"

namespace bitswitch::cli {
namespace {

[[noreturn]] void not_a_flag_value(const std::string& name, const std::string& key) {
    throw InputError(fmt::format(
        "--config {}: \"{}\" must be a number, a string, true/false or a list of those (a flag's value)",
        name, key));
}

// Passes a JSON number, string or boolean to `insert` as the TOML value of the same meaning.
template <typename Insert>
void insert_scalar(const nlohmann::json& v, const std::string& name, const std::string& key,
                   Insert&& insert) {
    if (v.is_boolean())
        insert(v.get<bool>());
    else if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX))
        throw InputError(fmt::format("--config {}: \"{}\" is too large", name, key));
    else if (v.is_number_integer())
        insert(v.get<int64_t>());
    else if (v.is_number())
        insert(v.get<double>());
    else if (v.is_string())
        insert(v.get<std::string>());
    else
        not_a_flag_value(name, key);
}

// A flag's value: a scalar, or a list of scalars (a flag with several values).
template <typename Insert>
void insert_flag_value(const nlohmann::json& v, const std::string& name, const std::string& key,
                       Insert&& insert) {
    if (!v.is_array()) {
        insert_scalar(v, name, key, insert);
        return;
    }
    toml::array list;
    for (const auto& item : v)
        insert_scalar(item, name, key, [&](auto&& x) { list.push_back(std::forward<decltype(x)>(x)); });
    insert(std::move(list));
}

// A JSON config file as the TOML text of the same flags (one reader for both below).
std::string json_config_as_toml(const std::string& name, const std::string& text) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw InputError(fmt::format("--config {}: not valid JSON ({})", name, e.what()));
    }
    if (!j.is_object())
        throw InputError(fmt::format("--config {}: expected a JSON object whose keys are flag names", name));
    toml::table table;
    // Seed 004's cfg_cpt.json names each cyclic schedule by its two ends.
    const auto schedule = [&](const char* low, const char* high, const char* flag) {
        if (!j.contains(low) && !j.contains(high)) return;
        if (!j.contains(low) || !j.contains(high)) {
            throw InputError(fmt::format("--config {}: \"{}\" and \"{}\" go together (the two ends of --{})",
                                         name, low, high, flag));
        }
        toml::array ends;
        for (const char* key : {low, high})
            insert_scalar(j[key], name, key, [&](auto&& x) { ends.push_back(std::forward<decltype(x)>(x)); });
        table.insert(flag, std::move(ends));
        j.erase(low);
        j.erase(high);
    };
    schedule("wbit_min", "wbit_max", "cyclic_w_bits_schedule");
    schedule("inbit_min", "inbit_max", "cyclic_a_bits_schedule");
    for (const auto& [key, value] : j.items()) {
        const bool flag_name = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
        });
        if (!flag_name) throw InputError(fmt::format("--config {}: \"{}\" is not a flag name", name, key));
        insert_flag_value(value, name, key,
                          [&, &key = key](auto&& x) { table.insert(key, std::forward<decltype(x)>(x)); });
    }
    std::ostringstream out;
    out << toml::toml_formatter(table);
    return out.str();
}

}  // namespace

std::vector<std::string> config_file_flags(const CLI::App& command, const std::vector<std::string>& path,
                                           const std::string& name, const std::string& text,
                                           const std::vector<std::string>& given) {
    // Under any of its names: a seed's alias (--lora_attn_dim for the file's lora_r) wins over the file too.
    const auto given_on_command_line = [&](const CLI::Option& option) {
        return std::any_of(given.begin(), given.end(), [&](const std::string& a) {
            return a.rfind("--", 0) == 0 && option.check_name(a.substr(0, a.find('=')));
        });
    };
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '{')
        return config_file_flags(command, path, name, json_config_as_toml(name, text), given);
    // CLI11's reader takes any line as a key: toml++ checks that the file is TOML first.
    try {
        [[maybe_unused]] const auto table = toml::parse(text, name);
    } catch (const toml::parse_error& e) {
        throw InputError(fmt::format("--config {}: not valid TOML: {} (line {}, column {})", name,
                                     e.description(), e.source().begin.line, e.source().begin.column));
    }
    std::istringstream in(text);
    std::vector<std::string> flags;
    for (const auto& item : CLI::ConfigTOML().from_config(in)) {
        // Keys at the top level or in a section named after the command ([train], [data.synth]).
        if (!item.parents.empty() && item.parents != path) continue;
        if (item.name == "++" || item.name == "--") continue;  // section markers of CLI11's parser
        const std::string flag = "--" + item.name;
        const CLI::Option* opt = nullptr;
        try {
            opt = command.get_option(flag);
        } catch (const CLI::OptionNotFound&) {
            throw InputError(
                fmt::format("{}: unknown key \"{}\" for `bitswitch {}` (keys are its flag names; "
                            "see --help)",
                            name, item.name, fmt::join(path, " ")));
        }
        if (given_on_command_line(*opt)) continue;  // the command line wins
        if (opt->get_expected_max() == 0) {         // a flag: true sets it, false leaves it off
            if (!item.inputs.empty() && (item.inputs[0] == "true" || item.inputs[0] == "1"))
                flags.push_back(flag);
            continue;
        }
        flags.push_back(flag);
        flags.insert(flags.end(), item.inputs.begin(), item.inputs.end());
    }
    return flags;
}

std::vector<std::string> expand_config_files(CLI::App& app, const std::vector<std::string>& args) {
    // Walk the subcommand path (e.g. "data synth") to the command whose flags the file may set.
    CLI::App* cmd = &app;
    size_t i      = 0;
    std::vector<std::string> path;
    while (i < args.size()) {
        CLI::App* sub = nullptr;
        try {
            sub = cmd->get_subcommand(args[i]);
        } catch (const CLI::OptionNotFound&) {
            break;
        }
        cmd = sub;
        path.push_back(args[i++]);
    }
    if (cmd == &app) return args;
    std::vector<std::string> out(args.begin(), args.begin() + int64_t(i));
    std::vector<std::string> given(args.begin() + int64_t(i), args.end());
    std::vector<std::string> rest;
    for (size_t k = 0; k < given.size(); ++k) {
        std::string file;
        if (given[k] == "--config" && k + 1 < given.size()) {
            file = given[++k];
        } else if (given[k].rfind("--config=", 0) == 0) {
            file = given[k].substr(9);
        } else {
            rest.push_back(given[k]);
            continue;
        }
        std::string text;
        try {
            text = core::read_file(file);
        } catch (const InputError& e) {
            throw InputError(fmt::format("--config {}", e.what()));
        }
        const auto flags = config_file_flags(*cmd, path, file, text, given);
        rest.insert(rest.end(), flags.begin(), flags.end());
    }
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

}  // namespace bitswitch::cli
