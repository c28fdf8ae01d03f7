// The GPT-2 pre-tokenizer: splits text into the pieces that byte-level BPE then encodes one by one.
// Equivalent to OpenAI's regex (leftmost alternative wins, greedy, with the lookahead's backtracking):
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// written as a single forward scan, which is several times faster than a regex engine.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace bitswitch::text {

/// A piece of the input as a byte range [begin, end).
struct Piece {
    size_t begin;
    size_t end;
};

/// Splits valid UTF-8 `text` into pieces covering it entirely, in order.
std::vector<Piece> gpt2_pretokenize(std::string_view text);

}  // namespace bitswitch::text
