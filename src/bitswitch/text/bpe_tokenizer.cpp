// GPT-2 byte-level BPE: vocabulary loading, encoding with offsets, decoding.
#include "bitswitch/text/bpe_tokenizer.h"

#include <algorithm>
#include <array>
#include <climits>
#include <deque>
#include <mutex>
#include <queue>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/text/pretokenizer.h"
#include "bitswitch/text/utf8.h"

namespace bitswitch::text {
namespace {

// GPT-2 stores tokens as printable strings: every byte maps to one code point. The printable Latin-1
// bytes map to themselves, the other 68 bytes to U+0100.. in byte order (OpenAI's bytes_to_unicode).
std::array<char32_t, 256> byte_to_code_point_table() {
    std::array<char32_t, 256> table{};
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        table[b]             = printable ? char32_t(b) : next++;
    }
    return table;
}

constexpr int32_t kNoMerge = INT32_MAX;
// Pieces up to this many bytes merge with a linear scan (fastest for short words); longer ones with a
// heap, so that a megabyte of punctuation costs O(n log n) rather than O(n^2).
constexpr size_t kLinearMergeMaxBytes = 64;
// The word cache is cleared when it grows past this many entries (bounds memory on endless input).
constexpr size_t kCacheMaxEntries = 1 << 18;

struct Merge {
    int32_t rank;
    int32_t id;
};

inline uint64_t pair_key(int32_t a, int32_t b) {
    return (uint64_t(uint32_t(a)) << 32) | uint32_t(b);
}

}  // namespace

struct BpeTokenizer::Impl {
    std::vector<std::string> id_to_bytes;
    std::unordered_map<std::string_view, int32_t> bytes_to_id;  // views into id_to_bytes
    std::array<int32_t, 256> byte_ids{};
    std::unordered_map<uint64_t, Merge> merges;
    int32_t end_of_text = -1;

    mutable std::mutex cache_mutex;
    mutable std::deque<std::string> cache_keys;  // owns the bytes the cache's views point to
    mutable std::unordered_map<std::string_view, std::vector<int32_t>> cache;

    Merge merge_of(int32_t a, int32_t b) const {
        const auto it = merges.find(pair_key(a, b));
        return it == merges.end() ? Merge{kNoMerge, -1} : it->second;
    }

    void bpe_linear(std::string_view piece, std::vector<int32_t>& out) const;
    void bpe_heap(std::string_view piece, std::vector<int32_t>& out) const;
    void encode_piece(std::string_view piece, std::vector<int32_t>& out) const;

    // Calls emit(id, byte_begin, byte_end) for every token of `text` (valid UTF-8), in order.
    template <typename Emit>
    void encode_text(std::string_view text, Emit&& emit) const {
        std::vector<int32_t> ids;
        std::lock_guard<std::mutex> lock(cache_mutex);
        for (const Piece& p : gpt2_pretokenize(text)) {
            const std::string_view piece = text.substr(p.begin, p.end - p.begin);
            ids.clear();
            encode_piece(piece, ids);
            size_t pos = p.begin;
            for (const int32_t id : ids) {
                const size_t len = id_to_bytes[id].size();
                emit(id, pos, pos + len);
                pos += len;
            }
        }
    }
};

void BpeTokenizer::Impl::bpe_linear(std::string_view piece, std::vector<int32_t>& out) const {
    // Repeatedly merge the adjacent pair of lowest rank (leftmost on ties), as OpenAI's encoder does.
    std::vector<int32_t> parts(piece.size());
    for (size_t i = 0; i < piece.size(); ++i) parts[i] = byte_ids[uint8_t(piece[i])];
    std::vector<Merge> pair(parts.size() - 1);
    for (size_t i = 0; i + 1 < parts.size(); ++i) pair[i] = merge_of(parts[i], parts[i + 1]);
    while (!pair.empty()) {
        size_t best = 0;
        for (size_t i = 1; i < pair.size(); ++i) {
            if (pair[i].rank < pair[best].rank) best = i;
        }
        if (pair[best].rank == kNoMerge) break;
        parts[best] = pair[best].id;
        parts.erase(parts.begin() + best + 1);
        pair.erase(pair.begin() + best);
        if (best > 0) pair[best - 1] = merge_of(parts[best - 1], parts[best]);
        if (best < pair.size()) pair[best] = merge_of(parts[best], parts[best + 1]);
    }
    out.insert(out.end(), parts.begin(), parts.end());
}

void BpeTokenizer::Impl::bpe_heap(std::string_view piece, std::vector<int32_t>& out) const {
    // Same merges as bpe_linear: a doubly linked list of symbols and a min-heap of candidate pairs keyed
    // by (rank, position of the left symbol). Entries made stale by earlier merges are skipped on pop.
    const int n = int(piece.size());
    std::vector<int32_t> id(n);
    std::vector<int> prev(n), next(n);
    for (int i = 0; i < n; ++i) {
        id[i]   = byte_ids[uint8_t(piece[i])];
        prev[i] = i - 1;
        next[i] = i + 1 < n ? i + 1 : -1;
    }
    struct Candidate {
        int32_t rank;
        int left;
        int32_t left_id, right_id;
        bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
    };
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
    const auto push = [&](int left) {
        if (left < 0 || next[left] < 0) return;
        const Merge m = merge_of(id[left], id[next[left]]);
        if (m.rank != kNoMerge) heap.push({m.rank, left, id[left], id[next[left]]});
    };
    for (int i = 0; i + 1 < n; ++i) push(i);
    while (!heap.empty()) {
        const Candidate c = heap.top();
        heap.pop();
        const int right = next[c.left];
        if (id[c.left] != c.left_id || right < 0 || id[right] != c.right_id) continue;  // stale
        id[c.left]   = merge_of(c.left_id, c.right_id).id;
        id[right]    = -1;  // removed
        next[c.left] = next[right];
        if (next[right] >= 0) prev[next[right]] = c.left;
        push(prev[c.left]);
        push(c.left);
    }
    for (int i = 0; i >= 0; i = next[i]) out.push_back(id[i]);
}

void BpeTokenizer::Impl::encode_piece(std::string_view piece, std::vector<int32_t>& out) const {
    // A piece that is itself a token is that token (tiktoken's rule, checked before merging).
    if (const auto it = bytes_to_id.find(piece); it != bytes_to_id.end()) {
        out.push_back(it->second);
        return;
    }
    if (const auto it = cache.find(piece); it != cache.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
        return;
    }
    const size_t first = out.size();
    if (piece.size() <= kLinearMergeMaxBytes) {
        bpe_linear(piece, out);
    } else {
        bpe_heap(piece, out);
    }
    if (cache.size() >= kCacheMaxEntries) {
        cache.clear();
        cache_keys.clear();
    }
    cache_keys.emplace_back(piece);
    cache.emplace(cache_keys.back(), std::vector<int32_t>(out.begin() + first, out.end()));
}

BpeTokenizer::BpeTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BpeTokenizer::BpeTokenizer(BpeTokenizer&&) noexcept            = default;
BpeTokenizer& BpeTokenizer::operator=(BpeTokenizer&&) noexcept = default;
BpeTokenizer::~BpeTokenizer()                                  = default;

BpeTokenizer::Files BpeTokenizer::find_files(const std::filesystem::path& dir) {
    namespace fs = std::filesystem;
    if (fs::exists(dir / "vocab.json") && fs::exists(dir / "merges.txt"))
        return {dir / "vocab.json", dir / "merges.txt"};
    if (fs::exists(dir / "encoder.json") && fs::exists(dir / "vocab.bpe"))
        return {dir / "encoder.json", dir / "vocab.bpe"};
    throw InputError(
        fmt::format("{}: no tokenizer files; expected vocab.json + merges.txt (Hugging Face) or "
                    "encoder.json + vocab.bpe (OpenAI)",
                    dir.string()));
}

BpeTokenizer BpeTokenizer::load(const std::filesystem::path& dir) {
    const auto files = find_files(dir);
    return parse(core::read_file(files.vocab), files.vocab.string(), core::read_file(files.merges),
                 files.merges.string());
}

BpeTokenizer BpeTokenizer::parse(const std::string& vocab_json, const std::string& vocab_name,
                                 const std::string& merges_text, const std::string& merges_name) {
    auto impl             = std::make_unique<Impl>();
    const auto byte_to_cp = byte_to_code_point_table();
    std::unordered_map<char32_t, uint8_t> cp_to_byte;
    for (int b = 0; b < 256; ++b) cp_to_byte[byte_to_cp[b]] = uint8_t(b);

    const nlohmann::json vocab = core::parse_json(vocab_json, vocab_name);
    if (!vocab.is_object() || vocab.empty()) {
        throw InputError(fmt::format("{}: expected a JSON object mapping token -> id", vocab_name));
    }
    impl->id_to_bytes.resize(vocab.size());
    std::vector<bool> seen(vocab.size(), false);
    for (const auto& [token, id_json] : vocab.items()) {
        if (!id_json.is_number_integer()) {
            throw InputError(fmt::format("{}: id of token \"{}\" is not an integer", vocab_name, token));
        }
        const int64_t id = id_json.get<int64_t>();
        if (id < 0 || id >= int64_t(vocab.size()) || seen[id]) {
            throw InputError(fmt::format("{}: token \"{}\" has id {}, expected unique ids 0..{}", vocab_name,
                                         token, id, vocab.size() - 1));
        }
        seen[id] = true;
        std::string bytes;
        for (const char32_t cp : utf8_to_u32(token)) {
            const auto it = cp_to_byte.find(cp);
            if (it == cp_to_byte.end()) {
                if (token == "<|endoftext|>") break;  // special token: not byte-mapped
                throw InputError(
                    fmt::format("{}: token \"{}\" (id {}) has a character outside GPT-2's byte alphabet",
                                vocab_name, token, id));
            }
            bytes.push_back(char(it->second));
        }
        if (token == "<|endoftext|>") {
            impl->end_of_text = int32_t(id);
            bytes             = token;
        }
        impl->id_to_bytes[id] = std::move(bytes);
    }
    for (size_t id = 0; id < impl->id_to_bytes.size(); ++id) {
        if (int32_t(id) != impl->end_of_text) impl->bytes_to_id.emplace(impl->id_to_bytes[id], int32_t(id));
    }
    for (int b = 0; b < 256; ++b) {
        const auto it = impl->bytes_to_id.find(std::string_view(reinterpret_cast<const char*>(&b), 1));
        if (it == impl->bytes_to_id.end()) {
            throw InputError(fmt::format("{}: byte 0x{:02X} has no token; not a byte-level BPE vocabulary",
                                         vocab_name, b));
        }
        impl->byte_ids[b] = it->second;
    }

    const auto token_id = [&](const std::string& token, size_t line) {
        std::string bytes;
        for (const char32_t cp : utf8_to_u32(token)) {
            const auto it = cp_to_byte.find(cp);
            if (it == cp_to_byte.end()) {
                throw InputError(fmt::format("{}:{}: \"{}\" has a character outside GPT-2's byte alphabet",
                                             merges_name, line, token));
            }
            bytes.push_back(char(it->second));
        }
        const auto it = impl->bytes_to_id.find(bytes);
        if (it == impl->bytes_to_id.end()) {
            throw InputError(fmt::format("{}:{}: \"{}\" is not in {}", merges_name, line, token,
                                         std::filesystem::path(vocab_name).filename().string()));
        }
        return it->second;
    };
    size_t line_no = 0, begin = 0;
    int32_t rank = 0;
    while (begin < merges_text.size()) {
        size_t end = merges_text.find('\n', begin);
        if (end == std::string::npos) end = merges_text.size();
        std::string line = merges_text.substr(begin, end - begin);
        begin            = end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || (line_no == 1 && line.rfind("#version", 0) == 0)) continue;
        const size_t space = line.find(' ');
        if (space == std::string::npos || space == 0 || space + 1 == line.size() ||
            line.find(' ', space + 1) != std::string::npos) {
            throw InputError(fmt::format("{}:{}: expected two tokens separated by one space, got \"{}\"",
                                         merges_name, line_no, line));
        }
        const std::string left = line.substr(0, space), right = line.substr(space + 1);
        const int32_t merged = token_id(left + right, line_no);
        impl->merges.emplace(pair_key(token_id(left, line_no), token_id(right, line_no)),
                             Merge{rank++, merged});
    }
    if (impl->merges.empty()) throw InputError(fmt::format("{}: no merges", merges_name));
    return BpeTokenizer(std::move(impl));
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text) const {
    const std::string sanitized  = utf8_is_valid(text) ? std::string() : utf8_sanitize(text);
    const std::string_view input = sanitized.empty() ? text : std::string_view(sanitized);
    std::vector<int32_t> ids;
    ids.reserve(input.size() / 3 + 1);
    impl_->encode_text(input, [&](int32_t id, size_t, size_t) { ids.push_back(id); });
    return ids;
}

Encoding BpeTokenizer::encode_with_offsets(std::string_view text) const {
    const std::string sanitized           = utf8_is_valid(text) ? std::string() : utf8_sanitize(text);
    const std::string_view input          = sanitized.empty() ? text : std::string_view(sanitized);
    const std::vector<int64_t> cp_of_byte = utf8_byte_to_code_point(input);
    Encoding enc;
    impl_->encode_text(input, [&](int32_t id, size_t begin, size_t end) {
        enc.ids.push_back(id);
        enc.offsets.push_back({cp_of_byte[begin], cp_of_byte[end - 1] + 1});
    });
    return enc;
}

std::string BpeTokenizer::decode_bytes(const std::vector<int32_t>& ids) const {
    std::string out;
    for (const int32_t id : ids) {
        if (id < 0 || id >= vocab_size()) {
            throw InputError(
                fmt::format("token id {} is outside the vocabulary (0..{})", id, vocab_size() - 1));
        }
        out += impl_->id_to_bytes[id];
    }
    return out;
}

std::string BpeTokenizer::decode(const std::vector<int32_t>& ids) const {
    return utf8_sanitize(decode_bytes(ids));
}

int32_t BpeTokenizer::vocab_size() const {
    return int32_t(impl_->id_to_bytes.size());
}
int32_t BpeTokenizer::end_of_text_id() const {
    return impl_->end_of_text;
}

int32_t BpeTokenizer::token_id(std::string_view printable) const {
    if (printable == "<|endoftext|>") return impl_->end_of_text;
    static const auto byte_to_cp = byte_to_code_point_table();
    std::string bytes;
    for (const char32_t cp : utf8_to_u32(printable)) {
        const auto* b = std::find(byte_to_cp.begin(), byte_to_cp.end(), cp);
        if (b == byte_to_cp.end()) return -1;
        bytes.push_back(char(b - byte_to_cp.begin()));
    }
    const auto it = impl_->bytes_to_id.find(bytes);
    return it == impl_->bytes_to_id.end() ? -1 : it->second;
}

std::string BpeTokenizer::printable_token(int32_t id) const {
    static const auto table = byte_to_code_point_table();
    std::string out;
    for (const char byte : impl_->id_to_bytes.at(size_t(id))) utf8_append(out, table[uint8_t(byte)]);
    return out;
}

std::vector<std::string> BpeTokenizer::printable_merges() const {
    // Ranks count merges.txt's lines, so a pair listed twice makes the highest rank exceed the map's size.
    int32_t last_rank = -1;
    for (const auto& [key, merge] : impl_->merges) last_rank = std::max(last_rank, merge.rank);
    std::vector<std::string> merges(static_cast<size_t>(last_rank + 1));
    for (const auto& [key, merge] : impl_->merges) {
        const auto left = int32_t(key >> 32), right = int32_t(key & 0xffffffffu);
        merges.at(size_t(merge.rank)) = printable_token(left) + " " + printable_token(right);
    }
    // A pair listed twice in merges.txt kept its first rank; the later rank is a hole.
    merges.erase(std::remove(merges.begin(), merges.end(), std::string()), merges.end());
    return merges;
}

}  // namespace bitswitch::text
