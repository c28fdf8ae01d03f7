// WordNet 3.0 (Princeton; Debian's wordnet-base) read straight from its database files, for the word-level
// attack's synonym candidates (QA-Attack draws them from NLTK's WordNet reader; this is the same data).
// The format is wndb(5): index.<pos> lists each lemma with the byte offsets of its synsets in data.<pos>
// (most frequent sense first); a data line lists the synset's words (spaces as underscores, adjectives
// possibly marked "(a)", "(p)", "(ip)"). Inflected forms are reduced to base forms as NLTK's morphy does:
// the word itself, then its entries in the <pos>.exc exception list (ran -> run, better -> good, well) or,
// when it has none, the suffix rules (noun: -s, -ses, -xes, -zes, -ches, -shes, -men, -ies; verb: -s,
// -ies, -es, -ed, -ing; adjective: -er, -est), keeping only forms the index has.
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "bitswitch/core/enum_names.h"
#include "bitswitch/core/io.h"

namespace bitswitch::text {

enum class WordPos { kNoun, kVerb, kAdjective, kAdverb };
inline constexpr core::EnumName<WordPos> kWordPosNames[] = {{WordPos::kNoun, "noun"},
                                                            {WordPos::kVerb, "verb"},
                                                            {WordPos::kAdjective, "adj"},
                                                            {WordPos::kAdverb, "adv"}};

class WordNet {
  public:
    /// $WNSEARCHDIR when set, else /usr/share/wordnet (where wordnet-base installs the files).
    static std::filesystem::path default_dir();
    /// Reads the four index files and exception lists and maps the data files. InputError naming the
    /// folder and the fix (install wordnet-base, or --wordnet DIR) when a file is missing or malformed.
    static WordNet load(const std::filesystem::path& dir = default_dir());

    /// The base forms of `word` (any case) as a `pos` that WordNet lists, in morphy's order; empty when it
    /// has none.
    std::vector<std::string> base_forms(const std::string& word, WordPos pos) const;
    /// The other words of every synset of the word's base forms, in WordNet's sense order, lower case,
    /// spaces for underscores, each once, without the word and its base forms.
    std::vector<std::string> synonyms(const std::string& word, WordPos pos) const;

  private:
    struct PosFiles {
        std::unordered_map<std::string, std::vector<size_t>> index;        // lemma -> synset offsets
        std::unordered_map<std::string, std::vector<std::string>> except;  // inflected form -> base forms
        std::shared_ptr<core::MappedFile> data;
    };
    std::filesystem::path dir_;
    std::array<PosFiles, 4> pos_;
};

}  // namespace bitswitch::text
