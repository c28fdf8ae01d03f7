// The deployment file: a model packed at its levels, written and loaded back, gives bit-identical span logits
// at every served config (per-level adapters merged or not, per channel or per group), holds no float weight
// of a quantized linear, serves its configs by default, carries its tokenizer, and refuses what it does not
// hold; files that are not deployment files, truncated files and quantization overrides are InputErrors that
// name the file.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/model/deployment_file.h"
#include "bitswitch/model/gguf_export.h"
#include "bitswitch/model/loaded_model.h"
#include "support/paths.h"
#include "support/temp_dir.h"
#include "support/tiny_model.h"

namespace bitswitch::model {
namespace {

using bitswitch::testing::TempDir;

torch::Tensor ids() {
    return torch::tensor(std::vector<int64_t>{464, 1110, 318, 4171, 13, 50256, 383, 3797, 6, 9, 11, 262})
        .view({2, 6});
}

// A random GPT-2 over the real vocabulary with adapters for two levels (w8a8, w4a8), B random.
LoadedModel model_with_levels(const quant::QuantSettings& settings) {
    auto qa        = bitswitch::testing::tiny_model(21, bitswitch::testing::real_vocab_config(32));
    const auto set = bitswitch::testing::two_levels(8);
    bitswitch::testing::add_level_adapters(qa, set);
    qa->eval();
    return LoadedModel::wrap(qa.ptr(), set, settings);
}

std::pair<torch::Tensor, torch::Tensor> logits(const LoadedModel& m, const std::string& config) {
    torch::NoGradGuard no_grad;
    const auto c = m.config(config);
    return m.model().forward(ids(), {}, &c);
}

TEST(DeploymentFile, LoadsBackBitIdenticalAtEveryServedConfig) {
    TempDir dir;
    for (const bool merged : {false, true}) {
        for (const int64_t group : {int64_t(0), int64_t(16)}) {
            quant::QuantSettings settings;
            settings.linear.merged = merged;
            if (group > 0) {
                settings.linear.weight_granularity = quant::Granularity::kGroup;
                settings.linear.weight_group_size  = group;
            }
            auto original = model_with_levels(settings);
            original.model().set_engine(quant::Engine::kPacked);
            const std::vector<std::string> served = {"w8a8", "w4a8", "w4a8,w8a8,w4a8"};
            std::vector<std::pair<torch::Tensor, torch::Tensor>> want;
            for (const auto& c : served) want.push_back(logits(original, c));
            const auto path =
                dir.path() / ("m" + std::to_string(merged) + std::to_string(group) + ".bitswitch");
            const auto summary = write_deployment_file(original, original.configs(served),
                                                       bitswitch::testing::asset("gpt2-tokenizer"), path);
            EXPECT_EQ(summary.configs, served);
            EXPECT_GT(summary.packed_bytes, 0);

            ASSERT_TRUE(is_deployment_file(path));
            const auto loaded = LoadedModel::load(path);
            EXPECT_EQ(loaded.path(), path);
            for (const auto& [unit, layer] : loaded.model().linear_layers()) {
                EXPECT_TRUE(layer->float_weight_released()) << unit;
                EXPECT_EQ(layer->weight.numel(), 0) << unit;
                EXPECT_EQ(layer->engine(), quant::Engine::kPacked) << unit;
            }
            for (size_t i = 0; i < served.size(); ++i) {
                const auto got = logits(loaded, served[i]);
                EXPECT_TRUE(torch::equal(got.first, want[i].first)) << served[i] << " merged " << merged;
                EXPECT_TRUE(torch::equal(got.second, want[i].second)) << served[i] << " merged " << merged;
            }
            // The served configs are the defaults.
            const auto defaults = loaded.configs({});
            ASSERT_EQ(defaults.size(), served.size());
            EXPECT_EQ(defaults[0].source, "w8a8");
        }
    }
}

TEST(DeploymentFile, CarriesItsTokenizer) {
    TempDir dir;
    auto original   = model_with_levels({});
    const auto path = dir.path() / "m.bitswitch";
    write_deployment_file(original, original.configs({"w8a8"}), bitswitch::testing::asset("gpt2-tokenizer"),
                          path);
    const auto from_file   = load_tokenizer("", path);
    const auto shipped     = text::BpeTokenizer::load(bitswitch::testing::asset("gpt2-tokenizer"));
    const std::string text = "Deployment files carry their tokenizer: naïve café, 1234 tokens.";
    EXPECT_EQ(from_file.encode(text), shipped.encode(text));
    EXPECT_EQ(from_file.vocab_size(), 50257);
}

TEST(DeploymentFile, RefusesWhatIsNotOneNamingTheFile) {
    TempDir dir;
    auto original   = model_with_levels({});
    const auto path = dir.path() / "m.bitswitch";
    write_deployment_file(original, original.configs({"w8a8"}), bitswitch::testing::asset("gpt2-tokenizer"),
                          path);
    const auto expect_error = [](const std::filesystem::path& p, const std::string& part,
                                 const std::optional<quant::QuantSettings>& override_settings =
                                     std::nullopt) {
        try {
            LoadedModel::load(p, override_settings);
            ADD_FAILURE() << p << " loaded";
        } catch (const InputError& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find(p.string()), std::string::npos) << what;
            EXPECT_NE(what.find(part), std::string::npos) << what;
        }
    };
    expect_error(path, "quantization flags do not apply", quant::QuantSettings{});
    // A level it does not hold is refused by name.
    try {
        logits(LoadedModel::load(path), "w4a8");
        ADD_FAILURE() << "w4a8 ran";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("w4 is not loaded (the float weight was freed; loaded: w8)"),
                  std::string::npos)
            << e.what();
    }
    // Truncated: the tensor data runs past the end.
    const std::string bytes = core::read_file(path);
    const auto cut          = dir.write("cut.bitswitch", bytes.substr(0, bytes.size() / 2));
    expect_error(cut, "");
    // A GGUF of llama.cpp's gpt2 architecture is not a deployment file.
    auto plain      = model_with_levels({});
    const auto gguf = dir.path() / "m.gguf";
    export_gguf(plain, plain.config("w8a8"),
                text::BpeTokenizer::load(bitswitch::testing::asset("gpt2-tokenizer")),
                kernels::GgmlType::kF32, gguf);
    expect_error(gguf, "not a bitswitch deployment file");
}

}  // namespace
}  // namespace bitswitch::model
