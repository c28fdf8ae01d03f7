// `--config FILE` for every command: the TOML file's keys are the command's flag names (without "--"),
// at the top level or under a [command] section. CLI11 2.1 reads config files only for the top-level app,
// so the file is expanded into flags here before parsing; flags given on the command line win.
// A file whose first character is `{` is JSON: an object of flag names, as seed 004's cfg_cpt.json, whose
// pairs wbit_min/wbit_max and inbit_min/inbit_max are the ends of --cyclic_w_bits_schedule and
// --cyclic_a_bits_schedule (CPT's weight and input bits).
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace bitswitch::cli {

/// `args` (argv without the program name) with each `--config FILE` of the chosen command replaced by the
/// flags the file sets. Throws InputError naming the file and key for keys the command does not have.
std::vector<std::string> expand_config_files(CLI::App& app, const std::vector<std::string>& args);

/// The flags that a config file's `text` (TOML or JSON) sets for `command` (reached from the top by the
/// subcommand names in `path`), except those the command line's `given` arguments set. `name` names the
/// file in errors.
std::vector<std::string> config_file_flags(const CLI::App& command, const std::vector<std::string>& path,
                                           const std::string& name, const std::string& text,
                                           const std::vector<std::string>& given);

}  // namespace bitswitch::cli
