// GPT-2 byte-level BPE tokenizer with character offsets.
//
// encode() produces exactly the ids of OpenAI's GPT-2 encoder (tiktoken "gpt2"): pre-tokenize (see
// pretokenizer.h), map each piece's bytes to byte tokens, merge pairs by rank. Text is treated as
// ordinary text: "<|endoftext|>" in the input is NOT turned into the special token (tiktoken's
// encode_ordinary); callers add kEndOfText where a format needs it.
// Invalid UTF-8 is first decoded with U+FFFD replacement (see utf8.h), so bytes in equal text out as
// Python or JavaScript would see it; offsets then count code points of that decoded text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bitswitch::text {

/// A token's span in the input, in code points: [start, end). A token that holds only part of a
/// multi-byte character (byte-level BPE splits rare characters) covers that whole character, so the
/// spans of the tokens of one character overlap.
struct Offset {
    int64_t start = 0;
    int64_t end   = 0;
    bool operator==(const Offset& o) const { return start == o.start && end == o.end; }
};

struct Encoding {
    std::vector<int32_t> ids;
    std::vector<Offset> offsets;  // one per id
};

class BpeTokenizer {
  public:
    /// Loads `vocab.json` + `merges.txt` (Hugging Face names) or `encoder.json` + `vocab.bpe` (OpenAI
    /// names) from `dir`. Throws InputError naming the file and the bad entry.
    static BpeTokenizer load(const std::filesystem::path& dir);
    /// The two files load() reads from `dir`; InputError naming the folder when it has neither pair.
    struct Files {
        std::filesystem::path vocab, merges;
    };
    static Files find_files(const std::filesystem::path& dir);
    /// The same from the files' texts (a deployment file carries them); errors name `vocab_name` and
    /// `merges_name` as load()'s name the files.
    static BpeTokenizer parse(const std::string& vocab_json, const std::string& vocab_name,
                              const std::string& merges_text, const std::string& merges_name);

    BpeTokenizer(BpeTokenizer&&) noexcept;
    BpeTokenizer& operator=(BpeTokenizer&&) noexcept;
    ~BpeTokenizer();

    std::vector<int32_t> encode(std::string_view text) const;
    Encoding encode_with_offsets(std::string_view text) const;

    /// The bytes of the tokens, concatenated. May end inside a multi-byte character.
    std::string decode_bytes(const std::vector<int32_t>& ids) const;
    /// decode_bytes with invalid UTF-8 replaced by U+FFFD (what OpenAI's decoder returns).
    std::string decode(const std::vector<int32_t>& ids) const;

    int32_t vocab_size() const;
    /// The id of `<|endoftext|>` (50256 in GPT-2), or -1 if the vocabulary has none.
    int32_t end_of_text_id() const;
    /// The id of the token vocab.json spells `printable` ("<s>", "\u0120the"), the lowest when two spell
    /// the same bytes; -1 when there is none. How encoders find their special tokens by name.
    int32_t token_id(std::string_view printable) const;
    /// Token `id` as vocab.json spells it: each byte as one printable code point (OpenAI's
    /// bytes_to_unicode), so "\u0120the" for " the". What other tools' vocabularies hold (GGUF exports).
    std::string printable_token(int32_t id) const;
    /// The merges in rank order, each "left right" in printable form, as merges.txt lists them.
    std::vector<std::string> printable_merges() const;

  private:
    struct Impl;
    explicit BpeTokenizer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace bitswitch::text
