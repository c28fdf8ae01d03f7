// The catalogue of bad inputs (docs/RELIABILITY.md lists it): malformed files, flags, configs, checkpoints,
// precision configs and datasets across the commands. Each must give exit code 2 and exactly one line on
// stderr, "error: ..." naming the file, field or flag, and must leave no output behind. Server requests
// are in tests/serve/qa_server_test.cpp (QaServer.EachBadRequestGetsItsStatusAndAMessage).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/io.h"
#include "bitswitch/data/synth.h"
#include "bitswitch/model/checkpoint.h"
#include "support/paths.h"
#include "support/program.h"
#include "support/temp_dir.h"
#include "support/tiny_model.h"

namespace bitswitch::cli {
namespace {

namespace fs = std::filesystem;
using bitswitch::testing::TempDir;

struct BadInput {
    const char* what;      // the malformation, for docs/RELIABILITY.md
    const char* args;      // `bitswitch <args>`: {d} is the fixture folder, {out} a fresh output folder
    const char* expected;  // in the one error line ({d} expanded too)
};

// {d}/model: a tiny GPT-2 (2 blocks: precision lists have 3 entries); {d}/train.json: generated SQuAD;
// the malformed files are written by the fixture below.
const BadInput kCatalogue[] = {
    // Training data and its flags
    {"train file missing",
     "train --model_name_or_path {d}/model --train_file {d}/none.json --output_dir {out}",
     "{d}/none.json: cannot open (No such file or directory)"},
    {"train file not JSON",
     "train --model_name_or_path {d}/model --train_file {d}/cut.json --output_dir {out}",
     "{d}/cut.json: not valid JSON"},
    {"SQuAD \"data\" not an array",
     "train --model_name_or_path {d}/model --train_file {d}/nodata.json --output_dir {out}",
     "field \"data\" must be an array, got number"},
    {"SQuAD answer_start beyond its context",
     "train --model_name_or_path {d}/model --train_file {d}/badstart.json --output_dir {out}",
     "{d}/badstart.json: "},
    {"JSON number beyond a double",
     "train --model_name_or_path {d}/model --train_file {d}/huge.json --output_dir {out}",
     "{d}/huge.json: not valid JSON"},
    {"negative learning rate",
     "train --model_name_or_path {d}/model --train_file {d}/train.json --output_dir {out} --learning_rate -1",
     "--learning_rate -1 must be positive"},
    {"unsupported bit-width",
     "train --model_name_or_path {d}/model --train_file {d}/train.json --output_dir {out} --w_bits 1",
     "--w_bits: 1 bits is not supported (use 2..16"},
    {"unknown mode",
     "train --model_name_or_path {d}/model --train_file {d}/train.json --output_dir {out} --mode bogus",
     "--mode: bogus not in {static,switchable,random,cyclic}"},
    {"number flag given a word",
     "train --model_name_or_path {d}/model --train_file {d}/train.json --output_dir {out} --max_steps many",
     "--max_steps"},
    {"--resume with no checkpoint",
     "train --model_name_or_path {d}/model --train_file {d}/train.json --output_dir {out} --resume",
     "--resume: no checkpoint-N folder in {out}"},
    {"output folder that cannot be created",
     "train --model_name_or_path {d}/model --train_file {d}/train.json --output_dir "
     "/proc/bitswitch-catalogue",
     "--output_dir /proc/bitswitch-catalogue: cannot create it"},
    // Checkpoints
    {"model folder missing",
     "train --model_name_or_path {d}/nomodel --train_file {d}/train.json --output_dir {out}",
     "{d}/nomodel: not a model folder (expected config.json + model.safetensors)"},
    {"config.json not JSON",
     "train --model_name_or_path {d}/cfgjson --train_file {d}/train.json --output_dir {out}",
     "{d}/cfgjson/config.json: not valid JSON"},
    {"config.json: n_embd not a multiple of n_head",
     "train --model_name_or_path {d}/cfghead --train_file {d}/train.json --output_dir {out}",
     "{d}/cfghead/config.json: n_embd 16 is not a multiple of n_head 5"},
    {"config.json: vocabulary beyond 2^24",
     "train --model_name_or_path {d}/cfgvocab --train_file {d}/train.json --output_dir {out}",
     "{d}/cfgvocab/config.json: "},
    {"safetensors cut short",
     "train --model_name_or_path {d}/cut --train_file {d}/train.json --output_dir {out}",
     "{d}/cut/model.safetensors: "},
    {"safetensors header not JSON",
     "train --model_name_or_path {d}/hdr --train_file {d}/train.json --output_dir {out}",
     "{d}/hdr/model.safetensors: "},
    {"safetensors header length beyond the file",
     "train --model_name_or_path {d}/hdrlen --train_file {d}/train.json --output_dir {out}",
     "{d}/hdrlen/model.safetensors: "},
    // Config files
    {"--config not TOML", "train --config {d}/bad.toml", "--config {d}/bad.toml: not valid TOML"},
    {"--config key the command lacks", "train --config {d}/unknown.toml",
     "{d}/unknown.toml: unknown key \"no_such_key\" for `bitswitch train`"},
    {"--config file missing", "train --config {d}/none.toml", "--config {d}/none.toml"},
    // Precision configs
    {"precision list of the wrong length",
     "eval --model {d}/model --validation_file {d}/train.json --precision 8,8 --output_dir {out}",
     "--precision \"8,8\": a list needs 3 entries"},
    {"precision level that is no level",
     "eval --model {d}/model --validation_file {d}/train.json --precision w4x --output_dir {out}",
     "\"w4x\" is not a precision"},
    {"precision JSON file not JSON",
     "eval --model {d}/model --validation_file {d}/train.json --precision {d}/cut_prec.json --output_dir "
     "{out}",
     "{d}/cut_prec.json: not valid JSON"},
    {"precision TOML file not TOML",
     "eval --model {d}/model --validation_file {d}/train.json --precision {d}/bad_prec.toml --output_dir "
     "{out}",
     "{d}/bad_prec.toml: "},
    {"precision file: 99 bits",
     "eval --model {d}/model --validation_file {d}/train.json --precision {d}/bits99.json --output_dir {out}",
     "{d}/bits99.json: \"h.0.*\": 99 bits is not supported"},
    {"precision file: a level that is a list",
     "eval --model {d}/model --validation_file {d}/train.json --precision {d}/list_prec.toml --output_dir "
     "{out}",
     "{d}/list_prec.toml: \"default\": a level is a number or a string"},
    {"precision file: no pattern covers a unit",
     "eval --model {d}/model --validation_file {d}/train.json --precision {d}/partial.json --output_dir "
     "{out}",
     "{d}/partial.json: no pattern matches"},
    {"precision file of another type",
     "eval --model {d}/model --validation_file {d}/train.json --precision {d}/prec.txt --output_dir {out}",
     "prec.txt"},
    {"evaluation data missing", "eval --model {d}/model --validation_file {d}/none.json --output_dir {out}",
     "{d}/none.json: cannot open"},
    {"evaluated model folder without config.json",
     "eval --model {d}/empty --validation_file {d}/train.json --output_dir {out}", "{d}/empty"},
    // Other commands
    {"squad-eval: an answer that is not a string", "squad-eval {d}/train.json {d}/preds_number.json",
     "{d}/preds_number.json: the answer of \"q1\" must be a string, got 5"},
    {"squad-eval: predictions not JSON", "squad-eval {d}/train.json {d}/cut.json",
     "{d}/cut.json: not valid JSON"},
    {"tokenizer vocabulary not JSON", "tokenize --tokenizer {d}/tok --text hello",
     "{d}/tok/vocab.json: not valid JSON"},
    {"decode a token id beyond the vocabulary", "tokenize --decode --text [1,99999999]",
     "token id 99999999 is outside the vocabulary"},
    {"score: text file missing", "score --model {d}/model --file {d}/none.txt", "{d}/none.txt: cannot open"},
    {"export: unknown quantization type", "export --model {d}/model --type q4_1 --output {out}",
     "--type: q4_1 not in {f32,f16,q8_0,q4_0}"},
    {"serve: port beyond 65535", "serve --model {d}/model --port 70000", "--port: Value 70000 not in range"},
    {"serve: empty batches", "serve --model {d}/model --max_batch 0", "--max_batch: 0 is below 1"},
    {"serve: negative wait", "serve --model {d}/model --max_wait_us -5", "--max_wait_us: -5 is below 0"},
    {"sweep: a uniform level that is no level",
     "sweep --model {d}/model --validation_file {d}/train.json --uniform bogus --output_dir {out}",
     "\"bogus\" is not a precision"},
    {"sensitivity: unknown granularity",
     "sensitivity --model {d}/model --validation_file {d}/train.json --granularity bogus --output_dir {out}",
     "--granularity: bogus not in {unit,block}"},
    {"pretrain: corpus missing", "pretrain --corpus {d}/none.txt --output_dir {out}",
     "{d}/none.txt: cannot open"},
    {"pretrain: n_embd not a multiple of n_head",
     "pretrain --corpus {d}/corpus.txt --output_dir {out} --n_embd 30 --n_head 4",
     "n_embd 30 is not a multiple of n_head 4"},
    {"data check: SQuAD file not JSON", "data check {d}/cut.json", "{d}/cut.json: not valid JSON"},
    {"report: input missing", "report {d}/none --output {out}", "{d}/none"},
    {"unknown command", "trian --model_name_or_path {d}/model", "trian"},
};

struct CatalogueFixture {
    TempDir dir;
    std::string d;
    CatalogueFixture() : d(dir.path().string()) {
        auto cfg        = bitswitch::testing::tiny_config();
        cfg.vocab_size  = 50257;
        cfg.n_positions = 128;
        model::save_pretrained(bitswitch::testing::tiny_model(3, cfg), dir.path() / "model");
        const std::string config  = core::read_file(dir.path() / "model" / "config.json");
        const std::string tensors = core::read_file(dir.path() / "model" / "model.safetensors");
        const auto model_variant  = [&](const std::string& name, const std::string& config_text,
                                       const std::string& tensor_bytes) {
            dir.write(name + "/config.json", config_text);
            dir.write(name + "/model.safetensors", tensor_bytes);
        };
        auto with = [&](const char* key, int64_t value) {
            auto j = nlohmann::json::parse(config);
            j[key] = value;
            return j.dump();
        };
        model_variant("cfgjson", "{\"n_embd\": 16,", tensors);
        model_variant("cfghead", with("n_head", 5), tensors);
        model_variant("cfgvocab", with("vocab_size", int64_t(1) << 30), tensors);
        model_variant("cut", config, tensors.substr(0, tensors.size() / 2));
        std::string bad_header = tensors;
        bad_header[8]          = '[';  // the header's opening brace
        bad_header[9]          = ']';
        model_variant("hdr", config, bad_header);
        std::string long_header = tensors;
        long_header[7]          = '\x7f';  // little-endian u64 length: now far beyond the file
        model_variant("hdrlen", config, long_header);
        fs::create_directories(dir.path() / "empty");

        const std::string train = data::synth_squad_json({8, 1, 2, 1, false, false});
        dir.write("train.json", train);
        dir.write("cut.json", train.substr(0, train.size() / 2));
        dir.write("nodata.json", R"({"version": "1.1", "data": 5})");
        dir.write("huge.json", R"({"version": "1.1", "data": [], "x": 1e400})");
        auto bad_start = nlohmann::json::parse(train);
        bad_start["data"][0]["paragraphs"][0]["qas"][0]["answers"][0]["answer_start"] = 100000;
        dir.write("badstart.json", bad_start.dump());
        dir.write("corpus.txt", "one line of text\nanother line\n");
        dir.write("bad.toml", "learning_rate = [");
        dir.write("unknown.toml", "no_such_key = 3\n");
        dir.write("cut_prec.json", R"({"default": 8, )");
        dir.write("bad_prec.toml", "default = ");
        dir.write("bits99.json", R"({"default": 8, "h.0.*": 99})");
        dir.write("list_prec.toml", "default = [8, 4]\n");
        dir.write("partial.json", R"({"h.0.*": 8})");
        dir.write("prec.txt", "8\n");
        dir.write("preds_number.json", R"({"q1": 5})");
        dir.write("tok/vocab.json", R"({"a": 0)");
        dir.write("tok/merges.txt", "#version: 0.2\n");
    }
    std::string expand(std::string text, const std::string& out) const {
        for (const auto& [key, value] : {std::pair<std::string, std::string>{"{d}", d}, {"{out}", out}}) {
            for (size_t at; (at = text.find(key)) != std::string::npos;) text.replace(at, key.size(), value);
        }
        return text;
    }
};

// The lines a user reads on stderr, except the machine's own note that the cores are busy (train measures
// libtorch's matrix multiply at start; under the parallel test suite it can be slow and say so).
std::vector<std::string> message_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.rfind("warning: libtorch's matrix multiply runs at", 0) != 0)
            lines.push_back(line);
    }
    return lines;
}

TEST(BadInputCatalogue, EachGivesExitTwoAndOneLineNamingItAndLeavesNothingBehind) {
    static_assert(std::size(kCatalogue) >= 40, "the issue asks for at least 40");
    CatalogueFixture f;
    int index = 0;
    for (const auto& entry : kCatalogue) {
        const std::string out  = f.d + "/out" + std::to_string(index++);
        const std::string args = f.expand(entry.args, out);
        // `timeout`: a command that waits instead of failing (a server that starts) fails the test, not CI.
        const auto run = bitswitch::testing::run_command(
            "timeout 60 " + bitswitch::testing::bitswitch_program().string() + " " + args + " < /dev/null");
        const auto lines = message_lines(run.err);
        EXPECT_EQ(run.exit_code, 2) << entry.what << ": " << args << "\n" << run.err;
        ASSERT_EQ(lines.size(), 1u) << entry.what << ": " << args << "\n" << run.err;
        EXPECT_EQ(lines[0].rfind("error: ", 0), 0u) << entry.what << "\n" << run.err;
        EXPECT_NE(lines[0].find(f.expand(entry.expected, out)), std::string::npos)
            << entry.what << ": expected \"" << f.expand(entry.expected, out) << "\" in\n"
            << lines[0];
        EXPECT_FALSE(fs::exists(out)) << entry.what << ": left " << out << " behind";
    }
}

}  // namespace
}  // namespace bitswitch::cli
