// WordNet's database files (wordnet.h).
#include "bitswitch/text/wordnet.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>

#include <fmt/format.h>

#include "bitswitch/core/error.h"

namespace bitswitch::text {
namespace {

constexpr const char* kFileSuffix[] = {"noun", "verb", "adj", "adv"};

struct Rule {
    const char* suffix;
    const char* ending;
};
// WordNet's morphy detachment rules (morph.c), per part of speech; adverbs have none.
const std::vector<Rule> kRules[] = {
    {{"s", ""},
     {"ses", "s"},
     {"xes", "x"},
     {"zes", "z"},
     {"ches", "ch"},
     {"shes", "sh"},
     {"men", "man"},
     {"ies", "y"}},
    {{"s", ""}, {"ies", "y"}, {"es", "e"}, {"es", ""}, {"ed", "e"}, {"ed", ""}, {"ing", "e"}, {"ing", ""}},
    {{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}},
    {},
};

std::string lower(std::string s) {
    for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string lemma_key(const std::string& word) {
    auto key = lower(word);
    std::replace(key.begin(), key.end(), ' ', '_');
    return key;
}

[[noreturn]] void malformed(const std::filesystem::path& file, size_t line, const std::string& what) {
    throw InputError(
        fmt::format("{}:{}: {} (the WordNet 3.0 database files of Debian's wordnet-base are "
                    "expected)",
                    file.string(), line, what));
}

const std::filesystem::path& require(const std::filesystem::path& path) {
    if (!std::filesystem::exists(path)) {
        throw InputError(
            fmt::format("{}: missing; install WordNet's database (apt install wordnet-base, or "
                        "scripts/install-deps.sh) or point --wordnet / $WNSEARCHDIR at its folder",
                        path.string()));
    }
    return path;
}

std::string read_text(const std::filesystem::path& path) {
    return core::read_file(require(path));
}

// index.<pos>: "lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt offset..." after a
// licence header of lines starting with two spaces.
void read_index(const std::filesystem::path& path,
                std::unordered_map<std::string, std::vector<size_t>>& index) {
    std::istringstream in(read_text(path));
    std::string line;
    size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty() || line[0] == ' ') continue;
        std::istringstream fields(line);
        std::string lemma, pos;
        size_t synsets = 0, pointers = 0;
        if (!(fields >> lemma >> pos >> synsets >> pointers)) malformed(path, number, "not an index line");
        std::string skip;
        for (size_t i = 0; i < pointers + 2; ++i) fields >> skip;  // pointer symbols, sense_cnt, tagsense_cnt
        std::vector<size_t> offsets(synsets);
        for (auto& o : offsets) {
            if (!(fields >> o)) malformed(path, number, "fewer synset offsets than synset_cnt says");
        }
        index.emplace(std::move(lemma), std::move(offsets));
    }
}

// <pos>.exc: "inflected base [base...]".
void read_exceptions(const std::filesystem::path& path,
                     std::unordered_map<std::string, std::vector<std::string>>& except) {
    std::istringstream in(read_text(path));
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string form, base;
        if (!(fields >> form)) continue;
        while (fields >> base) except[form].push_back(base);
    }
}

// The words of the synset whose line starts at `offset` of a data file: "offset lex_filenum ss_type w_cnt
// word lex_id ...", w_cnt in hex.
std::vector<std::string> synset_words(const core::MappedFile& data, size_t offset,
                                      const std::filesystem::path& path) {
    const auto bytes = data.bytes();
    if (offset >= bytes.size()) malformed(path, 0, fmt::format("synset offset {} past the end", offset));
    const auto end = bytes.find('\n', offset);
    std::istringstream fields(std::string(bytes.substr(offset, end - offset)));
    std::string own_offset, lex_file, type, count_hex;
    if (!(fields >> own_offset >> lex_file >> type >> count_hex) ||
        std::strtoul(own_offset.c_str(), nullptr, 10) != offset)
        malformed(path, 0, fmt::format("no synset at byte offset {}", offset));
    const size_t count = std::strtoul(count_hex.c_str(), nullptr, 16);
    std::vector<std::string> words;
    for (size_t i = 0; i < count; ++i) {
        std::string word, lex_id;
        if (!(fields >> word >> lex_id))
            malformed(path, 0, fmt::format("synset {} lists too few words", offset));
        if (const auto paren = word.find('('); paren != std::string::npos) word.erase(paren);  // "(a)", "(p)"
        words.push_back(lower(word));
    }
    return words;
}

}  // namespace

std::filesystem::path WordNet::default_dir() {
    const char* env = std::getenv("WNSEARCHDIR");
    return env && *env ? std::filesystem::path(env) : std::filesystem::path("/usr/share/wordnet");
}

WordNet WordNet::load(const std::filesystem::path& dir) {
    WordNet wn;
    wn.dir_ = dir;
    for (size_t p = 0; p < 4; ++p) {
        read_index(dir / fmt::format("index.{}", kFileSuffix[p]), wn.pos_[p].index);
        read_exceptions(dir / fmt::format("{}.exc", kFileSuffix[p]), wn.pos_[p].except);
        wn.pos_[p].data =
            std::make_shared<core::MappedFile>(require(dir / fmt::format("data.{}", kFileSuffix[p])));
    }
    return wn;
}

std::vector<std::string> WordNet::base_forms(const std::string& word, WordPos pos) const {
    const auto& files = pos_[size_t(pos)];
    const auto key    = lemma_key(word);
    std::vector<std::string> out;
    const auto add = [&](const std::string& form) {
        if (files.index.count(form) && std::find(out.begin(), out.end(), form) == out.end())
            out.push_back(form);
    };
    // As NLTK's morphy: the word itself, then its exceptions when it has any, else what the rules give.
    add(key);
    if (const auto it = files.except.find(key); it != files.except.end()) {
        for (const auto& base : it->second) add(base);
        return out;
    }
    for (const auto& rule : kRules[size_t(pos)]) {
        const std::string suffix = rule.suffix;
        if (key.size() > suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0)
            add(key.substr(0, key.size() - suffix.size()) + rule.ending);
    }
    return out;
}

std::vector<std::string> WordNet::synonyms(const std::string& word, WordPos pos) const {
    const auto& files = pos_[size_t(pos)];
    const auto bases  = base_forms(word, pos);
    const auto path   = dir_ / fmt::format("data.{}", kFileSuffix[size_t(pos)]);
    const auto key    = lemma_key(word);
    std::vector<std::string> out;
    for (const auto& base : bases) {
        for (const size_t offset : files.index.at(base)) {
            for (auto w : synset_words(*files.data, offset, path)) {
                if (w == key || std::find(bases.begin(), bases.end(), w) != bases.end()) continue;
                std::replace(w.begin(), w.end(), '_', ' ');
                if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(std::move(w));
            }
        }
    }
    return out;
}

}  // namespace bitswitch::text
