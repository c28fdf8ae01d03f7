// Every committed fuzz input (fuzz/corpus/<target>/ and fuzz/regressions/<target>/) through its target in the
// normal build: the inputs that once crashed stay fixed, and the seeds still parse as they did. A finding
// aborts the test program (the target prints which invariant broke); an exception other than InputError
// fails the test.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/data/squad.h"
#include "bitswitch/model/deployment_metadata.h"
#include "bitswitch/model/run_metadata.h"
#include "bitswitch/serve/qa_request.h"
#include "bitswitch/text/bpe_tokenizer.h"
#include "fuzz/targets.h"
#include "support/paths.h"

namespace bitswitch::fuzz {
namespace {

int run_inputs(const Target& target, const std::filesystem::path& folder) {
    int n = 0;
    if (!std::filesystem::is_directory(folder)) return n;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        if (!entry.is_regular_file()) continue;
        SCOPED_TRACE(entry.path().string());
        const std::string bytes = core::read_file(entry.path());
        EXPECT_NO_THROW(target.run(bytes));
        ++n;
    }
    return n;
}

TEST(FuzzInputs, EveryCommittedInputRunsCleanThroughItsTarget) {
    set_tokenizer_dir(testing::asset("gpt2-tokenizer"));
    for (const auto& target : kTargets) {
        SCOPED_TRACE(target.name);
        const auto root = testing::source_dir() / "fuzz";
        EXPECT_GT(run_inputs(target, root / "corpus" / target.name), 0) << "no seed corpus";
        run_inputs(target, root / "regressions" / target.name);
    }
}

// The tokenizer_files seed that is a valid tokenizer must parse, so that fuzzing starts from inputs that
// reach encode and decode, not only the parsers' error paths.
TEST(FuzzInputs, TheTinyVocabularySeedIsAWorkingTokenizer) {
    const std::string bytes =
        core::read_file(testing::source_dir() / "fuzz/corpus/tokenizer_files/tiny_vocab.bin");
    const size_t split = bytes.find('\0');
    ASSERT_NE(split, std::string::npos);
    const auto tokenizer = text::BpeTokenizer::parse(bytes.substr(0, split), "vocab.json",
                                                     bytes.substr(split + 1), "merges.txt");
    const auto ids       = tokenizer.encode(" the win");
    EXPECT_EQ(tokenizer.decode(ids), " the win");
    EXPECT_LT(ids.size(), std::string(" the win").size()) << "the merges applied";
}

// The seeds of the file formats that must load do load, so that fuzzing mutates from the deep paths (the
// deployment metadata, the pattern resolution, a run's levels), not only from the first check.
TEST(FuzzInputs, TheSeedsOfCompleteFilesParseAllTheWay) {
    const auto corpus      = testing::source_dir() / "fuzz/corpus";
    const std::string gguf = core::read_file(corpus / "gguf_deployment/deployment.gguf");
    const auto deployment  = model::parse_deployment_metadata(model::parse_gguf(gguf, "seed"), "seed");
    EXPECT_EQ(deployment.adapters.size(), 1u);
    EXPECT_EQ(deployment.configs, (std::vector<std::string>{"8", "w4a8kv8"}));
    const std::string run = core::read_file(corpus / "run_metadata_json/switchable_run.json");
    const auto metadata   = model::parse_run_metadata(core::parse_json(run.substr(1), "seed"), "seed");
    EXPECT_EQ(metadata.adapters.levels.size(), 2u);
    const std::string body = core::read_file(corpus / "qa_request_body/batch.json");
    EXPECT_EQ(serve::parse_qa_body(body, 5, 16).requests.size(), 2u);
}

// The inputs fuzzing found: a JSON number too large for a double (nlohmann throws out_of_range, not
// parse_error) escaped every JSON reader as an uncaught exception. It is now the usual one-line error.
TEST(FuzzInputs, AJsonNumberTooLargeForADoubleIsAnInputError) {
    const std::string text = R"({"version": "1.1", "data": [], "x": 1e400})";
    try {
        data::parse_squad(text, "dev.json");
        FAIL() << "parsed";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("dev.json: not valid JSON"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace bitswitch::fuzz
