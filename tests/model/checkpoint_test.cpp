#include "bitswitch/model/checkpoint.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/model/safetensors.h"
#include "support/temp_dir.h"
#include "support/tiny_model.h"

namespace bitswitch::model {
namespace {

using bitswitch::testing::TempDir;
using bitswitch::testing::tiny_config;
using bitswitch::testing::tiny_model;

void expect_same_parameters(const Gpt2ForQuestionAnswering& a, const Gpt2ForQuestionAnswering& b) {
    const auto pa = a->named_parameters(), pb = b->named_parameters();
    ASSERT_EQ(pa.size(), pb.size());
    for (const auto& p : pa) EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
}

TEST(Checkpoint, SaveThenLoadIsBitExact) {
    TempDir dir;
    const auto model = tiny_model(1);
    save_pretrained(model, dir.path());
    const auto loaded = load_pretrained(dir.path());
    EXPECT_FALSE(loaded.qa_head_initialized);
    expect_same_parameters(model, loaded.model);
    EXPECT_EQ(loaded.model->transformer->config.n_embd, 16);
}

TEST(Checkpoint, Conv1dWeightsAreStoredInOutAndTransposedBack) {
    TempDir dir;
    const auto model = tiny_model(2);
    save_pretrained(model, dir.path());
    const SafetensorsReader reader(dir.path() / "model.safetensors");
    EXPECT_EQ(reader.entries().at("transformer.h.0.attn.c_attn.weight").shape,
              (std::vector<int64_t>{16, 48}));
    EXPECT_EQ(reader.entries().at("transformer.h.1.mlp.c_proj.weight").shape, (std::vector<int64_t>{64, 16}));
    EXPECT_EQ(reader.entries().at("qa_outputs.weight").shape,
              (std::vector<int64_t>{2, 16}));  // nn.Linear: [out, in]
    EXPECT_TRUE(torch::equal(reader.tensor("transformer.h.0.attn.c_attn.weight"),
                             model->transformer->blocks[0]->attn->c_attn->weight.t()));
}

TEST(Checkpoint, F16Bf16AndF32FilesLoadToTheSameModel) {
    // Weights exactly representable in BF16 and F16 (8 significant bits, no F16 subnormals).
    auto model = tiny_model(3);
    {
        torch::NoGradGuard no_grad;
        for (auto& p : model->parameters()) {
            auto v = p.to(torch::kBFloat16).to(torch::kFloat32);
            p.copy_(torch::where(v.abs() < 1e-3, torch::zeros_like(v), v));
        }
    }
    TempDir d32, d16, dbf;
    save_pretrained(model, d32.path(), torch::kFloat32);
    save_pretrained(model, d16.path(), torch::kFloat16);
    save_pretrained(model, dbf.path(), torch::kBFloat16);
    EXPECT_EQ(
        SafetensorsReader(d16.path() / "model.safetensors").entries().at("transformer.wte.weight").dtype,
        "F16");
    EXPECT_EQ(
        SafetensorsReader(dbf.path() / "model.safetensors").entries().at("transformer.wte.weight").dtype,
        "BF16");
    expect_same_parameters(model, load_pretrained(d32.path()).model);
    expect_same_parameters(model, load_pretrained(d16.path()).model);
    expect_same_parameters(model, load_pretrained(dbf.path()).model);
}

TEST(Checkpoint, Gpt2ModelNamesWithoutPrefixLoadAndGetAFreshQaHead) {
    TempDir dir;
    const auto model = tiny_model(4);
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& p : model->named_parameters()) {
        if (p.key().rfind("qa_outputs", 0) == 0) continue;
        std::string name = p.key().substr(std::string("transformer.").size());
        auto t           = p.value();
        if (name.find(".attn.c_") != std::string::npos || name.find(".mlp.c_") != std::string::npos) {
            if (name.size() > 7 && name.substr(name.size() - 7) == ".weight") t = t.t();
        }
        tensors.emplace_back(name, t);
    }
    tensors.emplace_back("h.0.attn.bias",
                         torch::ones({1, 1, 32, 32}));  // causal mask buffer of old checkpoints
    tensors.emplace_back("lm_head.weight", model->transformer->wte->weight);
    core::write_file_atomic(dir.path() / "config.json", gpt2_config_json(tiny_config()));
    save_safetensors(dir.path() / "model.safetensors", tensors);
    const auto loaded = load_pretrained(dir.path());
    EXPECT_TRUE(loaded.qa_head_initialized);
    EXPECT_TRUE(torch::equal(loaded.model->transformer->blocks[1]->mlp->c_fc->weight,
                             model->transformer->blocks[1]->mlp->c_fc->weight));
}

std::string load_error(const std::filesystem::path& dir) {
    try {
        load_pretrained(dir);
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no error)";
}

// A valid checkpoint folder whose model.safetensors is then replaced by `tensors`.
void write_checkpoint(const TempDir& dir, const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
    core::write_file_atomic(dir.path() / "config.json", gpt2_config_json(tiny_config()));
    save_safetensors(dir.path() / "model.safetensors", tensors);
}

std::vector<std::pair<std::string, torch::Tensor>> good_tensors() {
    TempDir dir;
    save_pretrained(tiny_model(5), dir.path());
    const SafetensorsReader reader(dir.path() / "model.safetensors");
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& [name, e] : reader.entries()) out.emplace_back(name, reader.tensor(name));
    return out;
}

TEST(Checkpoint, EachBadCheckpointGivesItsError) {
    const auto good = good_tensors();
    {  // truncated file: the header promises more than is there
        TempDir dir;
        write_checkpoint(dir, good);
        const auto path = dir.path() / "model.safetensors";
        const auto full = core::read_file(path);
        core::write_file_atomic(path, full.substr(0, full.size() - 100));
        EXPECT_NE(load_error(dir.path()).find("outside the data section"), std::string::npos)
            << load_error(dir.path());
    }
    {  // header length larger than the file
        TempDir dir;
        write_checkpoint(dir, good);
        core::write_file_atomic(dir.path() / "model.safetensors",
                                std::string("\xff\xff\x00\x00\x00\x00\x00\x00{}", 10));
        EXPECT_NE(load_error(dir.path()).find("header length 65535 exceeds the file"), std::string::npos)
            << load_error(dir.path());
    }
    {  // a shape whose element count wraps around 2^64 (x 4 bytes = 0, matching an empty byte range): it
        // passed before fuzzing's safetensors_header target, and then asked libtorch for 2^64 elements
        TempDir dir;
        write_checkpoint(dir, good);
        const std::string header = R"({"w": {"dtype": "F32", "shape": [4611686018427387904, 4], )"
                                   R"("data_offsets": [0, 0]}})";
        std::string file(8, '\0');
        file[0] = char(header.size());
        core::write_file_atomic(dir.path() / "model.safetensors", file + header);
        EXPECT_NE(load_error(dir.path()).find("has more elements than any file can hold"), std::string::npos)
            << load_error(dir.path());
    }
    {  // header not JSON
        TempDir dir;
        write_checkpoint(dir, good);
        core::write_file_atomic(dir.path() / "model.safetensors",
                                std::string("\x04\x00\x00\x00\x00\x00\x00\x00{{{{", 12));
        EXPECT_NE(load_error(dir.path()).find("header is not valid JSON"), std::string::npos);
    }
    {  // wrong dtype
        TempDir dir;
        auto t = good;
        for (auto& [n, v] : t)
            if (n == "transformer.ln_f.weight") v = v.to(torch::kInt32);
        write_checkpoint(dir, t);
        EXPECT_NE(load_error(dir.path()).find("tensor \"transformer.ln_f.weight\" has dtype I32"),
                  std::string::npos);
    }
    {  // wrong shape
        TempDir dir;
        auto t = good;
        for (auto& [n, v] : t)
            if (n == "transformer.h.0.mlp.c_fc.weight") v = v.t().contiguous();
        write_checkpoint(dir, t);
        EXPECT_NE(load_error(dir.path())
                      .find("tensor \"transformer.h.0.mlp.c_fc.weight\" has shape [64, 16] but the config "
                            "needs [16, 64] (Conv1D layout [in, out])"),
                  std::string::npos)
            << load_error(dir.path());
    }
    {  // missing tensor
        TempDir dir;
        auto t = good;
        t.erase(std::remove_if(t.begin(), t.end(),
                               [](const auto& e) { return e.first == "transformer.h.1.ln_2.bias"; }),
                t.end());
        write_checkpoint(dir, t);
        EXPECT_NE(load_error(dir.path()).find("missing tensor \"transformer.h.1.ln_2.bias\""),
                  std::string::npos);
    }
    {  // unexpected tensor
        TempDir dir;
        auto t = good;
        t.emplace_back("transformer.h.2.ln_1.weight", torch::ones({16}));
        write_checkpoint(dir, t);
        EXPECT_NE(load_error(dir.path()).find("unexpected tensor \"transformer.h.2.ln_1.weight\""),
                  std::string::npos);
    }
    {  // no model.safetensors, not a folder
        TempDir dir;
        core::write_file_atomic(dir.path() / "config.json", gpt2_config_json(tiny_config()));
        EXPECT_NE(load_error(dir.path()).find("no model.safetensors"), std::string::npos);
        EXPECT_NE(load_error(dir.path() / "nope").find("not a model folder"), std::string::npos);
    }
    {  // bad config
        TempDir dir;
        write_checkpoint(dir, good);
        core::write_file_atomic(
            dir.path() / "config.json",
            R"({"n_embd": 16, "n_layer": 2, "n_head": 3, "vocab_size": 64, "n_positions": 32})");
        EXPECT_NE(load_error(dir.path()).find("n_embd 16 is not a multiple of n_head 3"), std::string::npos);
        // Sizes whose products overflow int64 (fuzzing's gpt2_config_json target), a broken epsilon.
        core::write_file_atomic(
            dir.path() / "config.json",
            R"({"n_embd": 4000000000000000000, "n_layer": 2, "n_head": 1, "vocab_size": 64,)"
            R"( "n_positions": 32})");
        EXPECT_NE(load_error(dir.path()).find("n_embd 4000000000000000000 is beyond the largest model"),
                  std::string::npos);
        core::write_file_atomic(dir.path() / "config.json",
                                R"({"n_embd": 16, "n_layer": 100000000, "n_head": 1, "vocab_size": 64,)"
                                R"( "n_positions": 32})");
        EXPECT_NE(load_error(dir.path()).find("n_layer 100000000 is beyond"), std::string::npos);
        core::write_file_atomic(dir.path() / "config.json",
                                R"({"n_embd": 16, "n_layer": 2, "n_head": 1, "vocab_size": 64,)"
                                R"( "n_positions": 32, "layer_norm_epsilon": -1e-5})");
        EXPECT_NE(load_error(dir.path()).find("layer_norm_epsilon must be positive"), std::string::npos);
    }
}

}  // namespace
}  // namespace bitswitch::model
