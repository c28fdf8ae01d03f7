// TOML --config expansion.
#include "cli/config_file.h"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>
#include <CLI/CLI.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"

namespace bitswitch::cli {

std::vector<std::string> config_file_flags(const CLI::App& command, const std::vector<std::string>& path,
                                           const std::string& name, const std::string& text,
                                           const std::vector<std::string>& given) {
    // Under any of its names: a seed's alias (--lora_attn_dim for the file's lora_r) wins over the file too.
    const auto given_on_command_line = [&](const CLI::Option& option) {
        return std::any_of(given.begin(), given.end(), [&](const std::string& a) {
            return a.rfind("--", 0) == 0 && option.check_name(a.substr(0, a.find('=')));
        });
    };
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
