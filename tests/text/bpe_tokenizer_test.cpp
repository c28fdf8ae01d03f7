#include "bitswitch/text/bpe_tokenizer.h"

#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/text/utf8.h"
#include "support/paths.h"
#include "support/temp_dir.h"

namespace bitswitch::text {
namespace {

using bitswitch::testing::asset;
using bitswitch::testing::fixture_path;
using bitswitch::testing::TempDir;

const BpeTokenizer& gpt2() {
    static const BpeTokenizer tok = BpeTokenizer::load(asset("gpt2-tokenizer"));
    return tok;
}

std::vector<std::string> lines_of(const std::filesystem::path& path) {
    std::vector<std::string> lines;
    std::istringstream in(core::read_file(path));
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

std::string from_hex(const std::string& hex) {
    std::string out;
    for (size_t i = 0; i < hex.size(); i += 2) out.push_back(char(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

// Fixtures: ids from tiktoken ("gpt2"), offsets computed in JavaScript from each token's bytes
// (tests/fixtures/make_tokenizer_fixtures.mjs).
TEST(BpeTokenizer, IdsAndOffsetsMatchReferenceOnVariedText) {
    const auto lines = lines_of(fixture_path("tokenizer_cases.jsonl"));
    ASSERT_GT(lines.size(), 500u);
    for (const auto& line : lines) {
        const auto j         = nlohmann::json::parse(line);
        const std::string in = j.contains("hex") ? from_hex(j["hex"]) : j["text"].get<std::string>();
        const Encoding enc   = gpt2().encode_with_offsets(in);
        const auto ids       = j["ids"].get<std::vector<int32_t>>();
        ASSERT_EQ(enc.ids, ids) << "input: " << j.dump();
        ASSERT_EQ(gpt2().encode(in), ids) << "input: " << j.dump();
        const auto offsets = j["offsets"].get<std::vector<std::array<int64_t, 2>>>();
        ASSERT_EQ(enc.offsets.size(), offsets.size());
        for (size_t i = 0; i < offsets.size(); ++i) {
            EXPECT_EQ(enc.offsets[i], (Offset{offsets[i][0], offsets[i][1]}))
                << "token " << i << " of " << j.dump();
        }
    }
}

TEST(BpeTokenizer, IdsMatchReferenceOnEveryShippedSquadText) {
    const auto lines = lines_of(fixture_path("tokenizer_squad.jsonl"));
    size_t next = 0, checked = 0;
    while (next < lines.size()) {
        const std::string file = nlohmann::json::parse(lines[next++]).get<std::string>();
        const auto data        = nlohmann::json::parse(core::read_file(asset("data/" + file)))["data"];
        std::set<std::string> seen;
        for (const auto& article : data) {
            for (const auto& p : article["paragraphs"]) {
                std::vector<std::string> texts{p["context"].get<std::string>()};
                for (const auto& qa : p["qas"]) texts.push_back(qa["question"]);
                for (const auto& t : texts) {
                    if (!seen.insert(t).second) continue;
                    ASSERT_LT(next, lines.size());
                    ASSERT_EQ(gpt2().encode(t),
                              nlohmann::json::parse(lines[next++]).get<std::vector<int32_t>>())
                        << file << ": " << t;
                    ++checked;
                }
            }
        }
    }
    EXPECT_GT(checked, 8000u);
}

TEST(BpeTokenizer, OffsetsCutTheTokenTextOutOfTheInput) {
    const std::string text   = "Warsaw (Polish: Warszawa) lies on the Vistula — 260 km from the Baltic.";
    const Encoding enc       = gpt2().encode_with_offsets(text);
    const std::u32string cps = utf8_to_u32(text);
    for (size_t i = 0; i < enc.ids.size(); ++i) {
        const auto& o = enc.offsets[i];
        EXPECT_EQ(u32_to_utf8(cps.substr(o.start, o.end - o.start)), gpt2().decode({enc.ids[i]})) << i;
    }
}

TEST(BpeTokenizer, DecodeInvertsEncode) {
    for (const std::string text : {"Hello world", "  spaces\n\nand lines ", "naïve 日本語 😀 I'm", ""}) {
        EXPECT_EQ(gpt2().decode(gpt2().encode(text)), text);
    }
}

TEST(BpeTokenizer, DecodeOfAPartialCharacterGivesReplacement) {
    const auto ids = gpt2().encode("\xF0\x9F\x98\x80");  // 😀 is three byte-level tokens
    ASSERT_GT(ids.size(), 1u);
    EXPECT_EQ(gpt2().decode({ids[0]}), "\xEF\xBF\xBD");
    EXPECT_EQ(gpt2().decode_bytes(ids), "\xF0\x9F\x98\x80");
}

TEST(BpeTokenizer, EndOfTextIsOrdinaryTextWhenEncoded) {
    EXPECT_EQ(gpt2().end_of_text_id(), 50256);
    EXPECT_EQ(gpt2().vocab_size(), 50257);
    const auto ids = gpt2().encode("<|endoftext|>");
    EXPECT_GT(ids.size(), 1u);
    EXPECT_EQ(gpt2().decode({50256}), "<|endoftext|>");
}

TEST(BpeTokenizer, DecodeRejectsUnknownIds) {
    EXPECT_THROW(gpt2().decode({50257}), InputError);
    EXPECT_THROW(gpt2().decode({-1}), InputError);
}

TEST(BpeTokenizer, HuggingFaceFileNamesGiveTheSameIds) {
    TempDir dir;
    std::filesystem::copy_file(asset("gpt2-tokenizer/encoder.json"), dir.path() / "vocab.json");
    std::filesystem::copy_file(asset("gpt2-tokenizer/vocab.bpe"), dir.path() / "merges.txt");
    const auto hf          = BpeTokenizer::load(dir.path());
    const std::string text = "Hugging Face names: vocab.json + merges.txt.";
    EXPECT_EQ(hf.encode(text), gpt2().encode(text));
}

std::string error_of(const std::filesystem::path& dir) {
    try {
        BpeTokenizer::load(dir);
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(BpeTokenizer, BadFilesGiveOneLineErrorsNamingFileAndEntry) {
    TempDir empty;
    EXPECT_NE(error_of(empty.path()).find("no tokenizer files"), std::string::npos);

    TempDir not_json;
    not_json.write("vocab.json", "{not json");
    not_json.write("merges.txt", "#version: 0.2\n");
    EXPECT_NE(error_of(not_json.path()).find("vocab.json: not valid JSON"), std::string::npos);

    // A tiny byte-level vocabulary: the 256 byte tokens plus "ab".
    nlohmann::json vocab  = nlohmann::json::object();
    const auto byte_token = [](int b) {
        char32_t next = 256, mapped = 0;
        for (int x = 0; x <= b; ++x) {
            const bool printable =
                (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF);
            mapped = printable ? char32_t(x) : next++;
        }
        std::string s;
        utf8_append(s, mapped);
        return s;
    };
    for (int b = 0; b < 256; ++b) vocab[byte_token(b)] = b;
    vocab["ab"] = 256;

    TempDir unknown_token;
    unknown_token.write("vocab.json", vocab.dump());
    unknown_token.write("merges.txt", "#version: 0.2\na b\nab c\n");
    EXPECT_NE(error_of(unknown_token.path()).find("merges.txt:3: \"abc\" is not in vocab.json"),
              std::string::npos)
        << error_of(unknown_token.path());

    TempDir malformed;
    malformed.write("vocab.json", vocab.dump());
    malformed.write("merges.txt", "#version: 0.2\nab\n");
    EXPECT_NE(error_of(malformed.path()).find("merges.txt:2: expected two tokens"), std::string::npos);

    TempDir bad_id;
    vocab["ab"] = 999;
    bad_id.write("vocab.json", vocab.dump());
    bad_id.write("merges.txt", "#version: 0.2\na b\n");
    EXPECT_NE(error_of(bad_id.path()).find("token \"ab\" has id 999"), std::string::npos);

    TempDir ok;
    vocab["ab"] = 256;
    ok.write("vocab.json", vocab.dump());
    ok.write("merges.txt", "#version: 0.2\na b\n");
    EXPECT_EQ(BpeTokenizer::load(ok.path()).encode("xaby"), (std::vector<int32_t>{'x', 256, 'y'}));

    // A pair listed twice keeps its first rank; the printable merges list it once, in rank order.
    TempDir repeated;
    vocab["abc"] = 257;
    repeated.write("vocab.json", vocab.dump());
    repeated.write("merges.txt", "#version: 0.2\na b\na b\nab c\n");
    const auto tok = BpeTokenizer::load(repeated.path());
    EXPECT_EQ(tok.printable_merges(), (std::vector<std::string>{"a b", "ab c"}));
    EXPECT_EQ(tok.printable_token(257), "abc");
    EXPECT_EQ(tok.printable_token(' '), "\u0120");  // the space byte's printable stand-in
}

}  // namespace
}  // namespace bitswitch::text
