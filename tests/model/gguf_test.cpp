// GGUF files: the writer's bytes against the layout worked out by hand, the reader's checks, and a GPT-2
// exported at a precision config: llama.cpp's tensor names and shapes, the tokenizer metadata, and weights
// that reproduce the config's linears (F32) or ggml's block quantization of W + the adapter (Q8_0).
#include <cstring>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/model/gguf_export.h"
#include "bitswitch/model/gguf_file.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/quant/precision.h"
#include "support/temp_dir.h"
#include "support/tiny_model.h"

namespace bitswitch::model {
namespace {

using kernels::GgmlType;
using testing::TempDir;

template <typename T>
std::string le(T v) {
    std::string s(sizeof(T), '\0');
    std::memcpy(s.data(), &v, sizeof(T));
    return s;
}

TEST(Gguf, WriterBytesFollowTheLayout) {
    TempDir dir;
    GgufWriter w;
    w.add_u32("a", 7);
    const float values[2] = {1.0f, 2.0f};
    std::vector<uint8_t> data(8);
    std::memcpy(data.data(), values, 8);
    w.add_tensor("t", {2}, GgmlType::kF32, data);
    w.write(dir.path() / "x.gguf");
    std::string expected = "GGUF" + le<uint32_t>(3) + le<uint64_t>(1) + le<uint64_t>(1);
    expected += le<uint64_t>(1) + "a" + le<uint32_t>(4) + le<uint32_t>(7);  // 41 bytes
    expected += le<uint64_t>(1) + "t" + le<uint32_t>(1) + le<uint64_t>(2) + le<uint32_t>(0) + le<uint64_t>(0);
    ASSERT_EQ(expected.size(), 74u);
    expected.resize(96, '\0');  // the data section starts aligned to 32
    expected += std::string(reinterpret_cast<const char*>(values), 8);
    expected.resize(128, '\0');
    EXPECT_EQ(core::read_file(dir.path() / "x.gguf"), expected);
}

TEST(Gguf, ReaderReturnsWhatTheWriterWrote) {
    TempDir dir;
    GgufWriter w;
    w.add_string("general.architecture", "gpt2");
    w.add_f32("eps", 0.5f);
    w.add_bool("flag", true);
    w.add_strings("list", {"x", "yz"});
    w.add_i32s("ints", {-1, 3});
    w.add_tensor("a", {32, 2}, GgmlType::kQ8_0, std::vector<uint8_t>(68, 1));
    w.add_tensor("b", {3}, GgmlType::kF16, std::vector<uint8_t>(6, 2));
    w.write(dir.path() / "x.gguf");
    const auto g = read_gguf(dir.path() / "x.gguf");
    EXPECT_EQ(g.metadata["general.architecture"], "gpt2");
    EXPECT_EQ(g.metadata["eps"], 0.5);
    EXPECT_EQ(g.metadata["flag"], true);
    EXPECT_EQ(g.metadata["list"], nlohmann::ordered_json({"x", "yz"}));
    EXPECT_EQ(g.metadata["ints"], nlohmann::ordered_json({-1, 3}));
    ASSERT_EQ(g.tensors.size(), 2u);
    EXPECT_EQ(g.tensors[0].ne, (std::vector<int64_t>{32, 2}));
    EXPECT_EQ(g.tensors[0].bytes, 68u);
    EXPECT_EQ(g.tensors[0].file_offset % 32, 0u);
    EXPECT_EQ(g.tensors[1].file_offset, g.tensors[0].file_offset + 96);  // 68 bytes, padded to 96
    EXPECT_EQ(g.tensors[1].type, GgmlType::kF16);
}

TEST(Gguf, ReaderNamesTheFileAndTheProblem) {
    TempDir dir;
    const auto expect_error = [&](const std::string& bytes, const std::string& what) {
        const auto path = dir.write("bad.gguf", bytes);
        try {
            read_gguf(path);
            ADD_FAILURE() << "no error for " << what;
        } catch (const InputError& e) {
            const std::string message = e.what();
            EXPECT_NE(message.find(path.string()), std::string::npos) << message;
            EXPECT_NE(message.find(what), std::string::npos) << message;
        }
    };
    expect_error("GGML0000", "does not start with GGUF");
    expect_error("GGUF" + le<uint32_t>(2) + le<uint64_t>(0) + le<uint64_t>(0), "version 2");
    expect_error("GGUF" + le<uint32_t>(3) + le<uint64_t>(0) + le<uint64_t>(1) + le<uint64_t>(50),
                 "past the end");
    expect_error("GGUF" + le<uint32_t>(3) + le<uint64_t>(1) + le<uint64_t>(0) + le<uint64_t>(1) + "t" +
                     le<uint32_t>(1) + le<uint64_t>(1024) + le<uint32_t>(0) + le<uint64_t>(0),
                 "tensor t: its 4096 bytes run past the end");
    // Found while fuzzing the deployment file's reader: each of these divided by zero (a size 0 or an
    // alignment 0), let a size product wrap past the end-of-file check, or let a library exception escape.
    const std::string one_tensor = "GGUF" + le<uint32_t>(3) + le<uint64_t>(1);
    const auto tensor_t          = [](uint64_t ne0, uint64_t ne1, uint32_t type) {
        return le<uint64_t>(1) + "t" + le<uint32_t>(2) + le<uint64_t>(ne0) + le<uint64_t>(ne1) +
               le<uint32_t>(type) + le<uint64_t>(0);
    };
    expect_error(one_tensor + le<uint64_t>(0) + tensor_t(0, 4, 0) + std::string(64, '\0'),
                 "tensor t: a size of 0 in dimension 0");
    expect_error(one_tensor + le<uint64_t>(0) + tensor_t(uint64_t(1) << 40, uint64_t(1) << 40, 0),
                 "tensor t: a size of 1099511627776 in dimension 1");
    // 2^61 F32 values: 2^63 bytes, one past int64 (found by fuzzing: the bound was 2^61 values, not 2^60).
    expect_error(one_tensor + le<uint64_t>(0) + tensor_t(2, uint64_t(1) << 60, 0),
                 "tensor t: 2305843009213693952 values");
    expect_error(one_tensor + le<uint64_t>(0) + tensor_t(48, 1, 8),
                 "rows of 48 values, not a multiple of the 32");
    const std::string alignment_zero =
        le<uint64_t>(17) + "general.alignment" + le<uint32_t>(4) + le<uint32_t>(0);
    expect_error("GGUF" + le<uint32_t>(3) + le<uint64_t>(0) + le<uint64_t>(1) + alignment_zero,
                 "general.alignment is 0, not a power of two");
    const std::string alignment_text =
        le<uint64_t>(17) + "general.alignment" + le<uint32_t>(8) + le<uint64_t>(2) + "32";
    expect_error("GGUF" + le<uint32_t>(3) + le<uint64_t>(0) + le<uint64_t>(1) + alignment_text,
                 "general.alignment is \"32\"");
    const std::string key_a = le<uint64_t>(1) + "a" + le<uint32_t>(4) + le<uint32_t>(7);
    expect_error("GGUF" + le<uint32_t>(3) + le<uint64_t>(0) + le<uint64_t>(2) + key_a + key_a,
                 "key a appears twice");
}

// A GPT-2 over the real vocabulary, 32 wide (block types need multiples of 32), with two trained levels.
struct ExportFixture {
    TempDir dir;
    Gpt2ForQuestionAnswering model{nullptr};
    quant::AdapterSet levels;
    text::BpeTokenizer tokenizer = text::BpeTokenizer::load(core::tokenizer_dir_for(""));
    ExportFixture() {
        model  = testing::tiny_model(5, testing::real_vocab_config());
        levels = testing::two_levels(32);
        testing::add_level_adapters(model, levels);
        model->eval();
    }
    LoadedModel loaded() const { return LoadedModel::wrap(model.ptr(), levels); }
};

std::vector<float> decode(const std::filesystem::path& path, const GgufTensorInfo& t) {
    const std::string bytes = core::read_file(path);
    std::vector<float> out(size_t(t.ne[0] * (t.ne.size() > 1 ? t.ne[1] : 1)));
    const int64_t rows = int64_t(out.size()) / t.ne[0];
    for (int64_t r = 0; r < rows; ++r)
        kernels::ggml_decode_row(t.type,
                                 reinterpret_cast<const uint8_t*>(bytes.data() + t.file_offset) +
                                     r * ggml_row_bytes(t.type, t.ne[0]),
                                 t.ne[0], out.data() + r * t.ne[0]);
    return out;
}

const GgufTensorInfo& find(const GgufContents& g, const std::string& name) {
    for (const auto& t : g.tensors)
        if (t.name == name) return t;
    throw std::runtime_error("no tensor " + name);
}

TEST(GgufExport, Gpt2TensorsAndTokenizerAsLlamaCppNamesThem) {
    ExportFixture f;
    const auto loaded = f.loaded();
    const auto config = loaded.config("w4a32kv32");
    const auto path   = f.dir.path() / "m.gguf";
    const auto s      = export_gguf(loaded, config, f.tokenizer, GgmlType::kF32, path);
    const auto g      = read_gguf(path);
    EXPECT_EQ(g.metadata["general.architecture"], "gpt2");
    EXPECT_EQ(g.metadata["general.file_type"], 0);
    EXPECT_EQ(g.metadata["gpt2.embedding_length"], 32);
    EXPECT_EQ(g.metadata["gpt2.feed_forward_length"], 128);
    EXPECT_EQ(g.metadata["gpt2.block_count"], 2);
    EXPECT_EQ(g.metadata["gpt2.context_length"], 32);
    EXPECT_EQ(g.metadata["tokenizer.ggml.model"], "gpt2");
    const auto& tokens = g.metadata["tokenizer.ggml.tokens"];
    ASSERT_EQ(tokens.size(), 50257u);
    EXPECT_EQ(tokens[50256], "<|endoftext|>");
    EXPECT_EQ(tokens[262], "\u0120the");  // " the": the space byte is U+0120 in GPT-2's printable form
    EXPECT_EQ(g.metadata["tokenizer.ggml.token_type"][50256], 3);
    EXPECT_EQ(g.metadata["tokenizer.ggml.merges"][0], "\u0120 t");  // merges.txt's first line
    EXPECT_EQ(g.metadata["tokenizer.ggml.merges"].size(), 50000u);
    EXPECT_EQ(g.tensors.size(), 29u);  // 2 embeddings, 12 per block, the final norm's 2 and the head
    EXPECT_EQ(s.tensors, 29);
    EXPECT_EQ(find(g, "blk.1.ffn_up.weight").ne, (std::vector<int64_t>{32, 128}));
    EXPECT_EQ(find(g, "blk.1.ffn_down.weight").ne, (std::vector<int64_t>{128, 32}));
    EXPECT_EQ(find(g, "blk.0.attn_qkv.weight").ne, (std::vector<int64_t>{32, 96}));
    EXPECT_EQ(find(g, "token_embd.weight").ne, (std::vector<int64_t>{32, 50257}));
    EXPECT_EQ(find(g, "output.weight").ne, (std::vector<int64_t>{32, 50257}));
    ASSERT_FALSE(s.notes.empty());  // the QA head is not in the file
}

// F32 holds the weight the config computes with: x · Wᵀ + b from the file equals the layer's own forward at
// that config (quantized base and unmerged adapter computed apart) for full-precision inputs.
TEST(GgufExport, F32WeightsReproduceTheConfigsLinears) {
    ExportFixture f;
    const auto loaded = f.loaded();
    const auto config = loaded.config("w4a32kv32");
    const auto path   = f.dir.path() / "m.gguf";
    export_gguf(loaded, config, f.tokenizer, GgmlType::kF32, path);
    const auto g = read_gguf(path);
    torch::NoGradGuard no_grad;
    const auto x    = torch::randn({5, 32});
    auto layer      = f.model->linear("h.1.mlp.c_fc");
    const auto w    = torch::tensor(decode(path, find(g, "blk.1.ffn_up.weight"))).view({128, 32});
    const auto b    = torch::tensor(decode(path, find(g, "blk.1.ffn_up.bias")));
    const auto own  = layer->forward(x, config.at("h.1.mlp.c_fc"));
    const auto file = torch::addmm(b, x, w.t());
    EXPECT_LE((own - file).abs().max().item<double>(), 1e-5 * own.abs().max().item<double>());
    // And it is not the float weight: the level's 4-bit quantizer is in it.
    const auto float_w =
        layer->weight + layer->adapters().at(config.at("h.1.mlp.c_fc").adapter)->delta_weight();
    EXPECT_GT((w - float_w).abs().max().item<double>(), 1e-3);
}

// Q8_0 quantizes W + delta once per block of 32: every value within about half a step of it.
TEST(GgufExport, Q8_0HoldsTheLevelsMergedWeightBlockQuantized) {
    ExportFixture f;
    const auto loaded = f.loaded();
    const auto config = loaded.config("w8a32kv32");
    const auto path   = f.dir.path() / "m.gguf";
    export_gguf(loaded, config, f.tokenizer, GgmlType::kQ8_0, path);
    const auto g = read_gguf(path);
    EXPECT_EQ(g.metadata["general.file_type"], 7);
    const auto& info = find(g, "blk.0.attn_output.weight");
    EXPECT_EQ(info.type, GgmlType::kQ8_0);
    EXPECT_EQ(find(g, "token_embd.weight").type, GgmlType::kF32);
    auto layer = f.model->linear("h.0.attn.c_proj");
    const auto float_w =
        (layer->weight + layer->adapters().at(config.at("h.0.attn.c_proj").adapter)->delta_weight())
            .view({32, 1, 32});
    const auto w    = torch::tensor(decode(path, info)).view({32, 1, 32});
    const auto step = float_w.abs().amax(-1, true) / 127;
    // Half a step, plus the half-precision rounding of the stored step (2^-11 relative) times 127 steps.
    EXPECT_TRUE(((w - float_w).abs() <= step * (0.5 + 127.0 / 2048)).all().item<bool>());
    EXPECT_GT((w - float_w).abs().max().item<double>(), 0.0);
}

TEST(GgufExport, RefusesAVocabularyMismatchAndRowsThatDoNotFitBlocks) {
    auto c       = testing::tiny_config();  // 64 tokens, 16 wide
    auto small   = LoadedModel::wrap(testing::tiny_model(1, c).ptr());
    const auto t = text::BpeTokenizer::load(core::tokenizer_dir_for(""));
    TempDir dir;
    EXPECT_THROW(export_gguf(small, small.config("fp"), t, GgmlType::kF32, dir.path() / "a.gguf"),
                 InputError);
    c.vocab_size = 50257;
    auto narrow  = LoadedModel::wrap(testing::tiny_model(1, c).ptr());
    EXPECT_THROW(export_gguf(narrow, narrow.config("fp"), t, GgmlType::kQ4_0, dir.path() / "a.gguf"),
                 InputError);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "a.gguf"));
}

}  // namespace
}  // namespace bitswitch::model
