// bitswitch tokenize: GPT-2 BPE ids and code point offsets of a text, or the text of ids (--decode).
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/text/bpe_tokenizer.h"
#include "cli/commands.h"
#include "cli/flags.h"

namespace bitswitch::cli {
namespace {

struct TokenizeConfig {
    std::string tokenizer_dir;
    std::string text;
    std::string jsonl;
    bool decode = false;
};

nlohmann::json encoding_json(const text::Encoding& enc) {
    nlohmann::json offsets = nlohmann::json::array();
    for (const auto& o : enc.offsets) offsets.push_back({o.start, o.end});
    return {{"ids", enc.ids}, {"offsets", offsets}};
}

std::vector<int32_t> parse_ids(const nlohmann::json& j, const std::string& where) {
    if (!j.is_array()) throw InputError(fmt::format("{}: expected a JSON array of token ids", where));
    std::vector<int32_t> ids;
    for (const auto& v : j) {
        if (!v.is_number_integer())
            throw InputError(fmt::format("{}: token id {} is not an integer", where, v.dump()));
        ids.push_back(v.get<int32_t>());
    }
    return ids;
}

// One input item (a text, or with --decode an id list) -> one output line.
std::string process(const text::BpeTokenizer& tok, const TokenizeConfig& c, const std::string& item,
                    const std::string& where) {
    if (!c.decode) return encoding_json(tok.encode_with_offsets(item)).dump();
    nlohmann::json ids;
    try {
        ids = nlohmann::json::parse(item);
    } catch (const nlohmann::json::exception&) {
        throw InputError(fmt::format("{}: --decode expects a JSON array of ids like [15496, 995]", where));
    }
    return nlohmann::json(tok.decode(parse_ids(ids, where))).dump();
}

void run_tokenize(const TokenizeConfig& c) {
    const auto tok = text::BpeTokenizer::load(core::tokenizer_dir_for(c.tokenizer_dir));
    if (!c.jsonl.empty()) {
        // Each line is a JSON string (or, with --decode, a JSON array of ids).
        const std::string content = c.jsonl == "-" ? std::string(std::istreambuf_iterator<char>(std::cin), {})
                                                   : core::read_file(c.jsonl);
        size_t line_no = 0, begin = 0;
        while (begin < content.size()) {
            size_t end = content.find('\n', begin);
            if (end == std::string::npos) end = content.size();
            const std::string line = content.substr(begin, end - begin);
            begin                  = end + 1;
            ++line_no;
            if (line.empty()) continue;
            const std::string where = fmt::format("{}:{}", c.jsonl, line_no);
            if (c.decode) {
                std::cout << process(tok, c, line, where) << '\n';
                continue;
            }
            nlohmann::json item;
            try {
                item = nlohmann::json::parse(line);
            } catch (const nlohmann::json::exception&) {
                throw InputError(fmt::format("{}: not valid JSON; each line must be a JSON string", where));
            }
            if (!item.is_string())
                throw InputError(fmt::format("{}: expected a JSON string, got {}", where, item.type_name()));
            std::cout << process(tok, c, item.get<std::string>(), where) << '\n';
        }
    } else {
        std::cout << process(tok, c, c.text, "--text") << '\n';
    }
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
    auto config   = std::make_shared<TokenizeConfig>();
    CLI::App* cmd = app.add_subcommand("tokenize", "GPT-2 BPE token ids and character offsets of text");
    cmd->add_option(
        "--tokenizer", config->tokenizer_dir,
        "Folder with vocab.json + merges.txt or encoder.json + vocab.bpe (default: the shipped GPT-2 files)");
    auto* text =
        cmd->add_option("--text", config->text, "The text to encode (with --decode: a JSON array of ids)");
    auto* jsonl = cmd->add_option("--jsonl", config->jsonl,
                                  "File ('-' = stdin) with one JSON string per line; prints one "
                                  "{\"ids\":[...],\"offsets\":[[start,end],...]} line each");
    text->excludes(jsonl);
    add_bool_flag(cmd, "--decode", config->decode,
                  "Inverse: inputs are JSON arrays of ids; prints each text as a JSON string");
    cmd->callback([config, text, jsonl] {
        if (text->count() == 0 && jsonl->count() == 0)
            throw InputError("tokenize: give --text STR or --jsonl FILE");
        run_tokenize(*config);
    });
}

}  // namespace bitswitch::cli
