// One add_<name>_command per file in src/cli/: each binds flags to a config and calls the library.
#pragma once

namespace CLI {
class App;
}

namespace bitswitch::cli {

void add_tokenize_command(CLI::App& app);
void add_squad_eval_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_info_command(CLI::App& app);

}  // namespace bitswitch::cli
