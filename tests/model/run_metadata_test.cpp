// The strict readers of a run folder's bitswitch.json and adapter_config.json and of a deployment file's
// metadata: what they accept, and a one-line InputError naming the file and key for each thing they refuse
// (before they were split out for fuzzing, several of these ended in a library exception or a huge
// allocation).
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/model/deployment_metadata.h"
#include "bitswitch/model/run_metadata.h"

namespace bitswitch::model {
namespace {

using nlohmann::json;

template <typename Parse>
void expect_input_error(Parse parse, const std::string& part) {
    try {
        parse();
        ADD_FAILURE() << "accepted; expected an error containing: " << part;
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
}

const json kLevels = json::parse(R"([
    {"name": "8", "w_bits": 8, "a_bits": 8, "kv_bits": 8, "r": 2, "lora_alpha": 4, "lora_dropout": 0},
    {"name": "16", "w_bits": 16, "a_bits": 16, "kv_bits": 16, "r": 1, "lora_alpha": 2, "lora_dropout": 0.1}])");

TEST(RunMetadata, ReadsARunAsTrainWritesIt) {
    const json run = {{"base_model", "assets/tiny-gpt2"},
                      {"finetune", "lora"},
                      {"adapters", {"16", "8"}},
                      {"levels", kLevels},
                      {"quantization", {{"scheme", "asymmetric"}, {"act_range", "ema"}}}};
    const auto m   = parse_run_metadata(run, "run/bitswitch.json");
    EXPECT_TRUE(m.has_file);
    EXPECT_TRUE(m.lora_run);
    EXPECT_EQ(m.base_model, "assets/tiny-gpt2");
    EXPECT_EQ(m.adapter_names, (std::vector<std::string>{"16", "8"}));
    ASSERT_EQ(m.adapters.levels.size(), 2u);
    EXPECT_EQ(m.adapters.levels[0].name(), "16");  // sorted high to low whatever the file's order
    EXPECT_EQ(m.adapters.levels[1].lora.rank, 2);
    ASSERT_TRUE(m.quantization.has_value());
    EXPECT_EQ(m.quantization->linear.scheme, quant::Scheme::kAsymmetric);
    EXPECT_TRUE(m.quantization->linear.ema_ranges);

    const auto full = parse_run_metadata({{"finetune", "full"}, {"levels", kLevels}}, "b.json");
    EXPECT_FALSE(full.lora_run);
    EXPECT_TRUE(full.base_model.empty());
    EXPECT_FALSE(full.quantization.has_value());
}

TEST(RunMetadata, EachMalformedFieldIsAnInputErrorNamingIt) {
    const auto parse = [](const json& j) { return [j] { parse_run_metadata(j, "r/bitswitch.json"); }; };
    expect_input_error(parse(json::array({1})), "r/bitswitch.json: expected a JSON object");
    expect_input_error(parse({{"finetune", 3}}), "\"finetune\" must be a string");
    expect_input_error(parse({{"finetune", "qlora"}}),
                       "\"finetune\" is \"qlora\"; use \"lora\", \"full\" or \"head\"");
    expect_input_error(parse({{"finetune", "lora"}}), "missing \"base_model\"");
    expect_input_error(parse({{"base_model", 5}}), "\"base_model\" must be a string");
    expect_input_error(parse({{"base_model", "m"}, {"adapters", "fp"}}), "\"adapters\" must list names");
    expect_input_error(parse({{"base_model", "m"}, {"adapters", {""}}}), "\"adapters\" must list names");
    expect_input_error(parse(json::parse(R"({"base_model": "m", "levels": [{"w_bits": 8}]})")),
                       "\"levels\" entries need numbers w_bits, a_bits, kv_bits");
    // Found by fuzzing: nlohmann's get<int>() of 1.6e81 is undefined behaviour (UBSan).
    expect_input_error(
        parse(json::parse(
            R"({"finetune": "full", "levels": [{"w_bits": 8, "a_bits": 8, "kv_bits": 1.6e81}]})")),
        "a level: \"kv_bits\" must be an integer in 0..64, got 1.6e+81");
    expect_input_error(parse({{"base_model", "m"}, {"quantization", {{"group_size", 2.5}}}}),
                       "quantization: \"group_size\" must be an integer in 0..1048576, got 2.5");
    expect_input_error(parse({{"base_model", "m"}, {"quantization", {{"scheme", "log"}}}}),
                       "quantization.scheme");
    expect_input_error(parse({{"base_model", "m"}, {"quantization", {{"ema_momentum", 1.5}}}}),
                       "EMA momentum 1.5 is not in [0, 1)");
}

TEST(RunMetadata, AdapterConfigsAreValidatedBeforeAnythingIsAllocated) {
    const auto lora = parse_adapter_config({{"r", 4}, {"lora_alpha", 8}, {"lora_dropout", 0.05}}, "a.json");
    EXPECT_EQ(lora.rank, 4);
    EXPECT_EQ(lora.alpha, 8);
    EXPECT_EQ(lora.dropout, 0.05);
    const auto parse = [](const json& j) {
        return [j] { parse_adapter_config(j, "ad/adapter_config.json"); };
    };
    expect_input_error(parse({{"lora_alpha", 8}}), "ad/adapter_config.json: needs an integer r");
    expect_input_error(parse({{"r", 2.5}, {"lora_alpha", 8}}), "needs an integer r");
    expect_input_error(parse({{"r", 4}, {"lora_alpha", "8"}}), "a number lora_alpha");
    expect_input_error(parse({{"r", 0}, {"lora_alpha", 8}}), "LoRA rank 0 must be positive");
    expect_input_error(parse({{"r", 1000000000000}, {"lora_alpha", 8}}),
                       "r = 1000000000000 is larger than any");
    expect_input_error(parse({{"r", 4}, {"lora_alpha", 8}, {"lora_dropout", 1}}),
                       "LoRA dropout 1 must be in [0, 1)");
}

GgufContents deployment_contents() {
    GgufContents c;
    c.metadata["general.architecture"]   = kDeploymentArchitecture;
    c.metadata["bitswitch.version"]      = kDeploymentVersion;
    c.metadata["bitswitch.model_config"] = R"({"n_embd": 8, "n_head": 2, "n_layer": 1, "vocab_size": 10,
                                               "n_positions": 16, "model_type": "gpt2"})";
    c.metadata["bitswitch.quantization"] = R"({"weight_granularity": "group", "group_size": 4})";
    c.metadata["bitswitch.adapter_set"]  = json({{"levels", kLevels}}).dump();
    c.metadata["bitswitch.adapters"] =
        R"({"8": {"r": 2, "lora_alpha": 4, "lora_dropout": 0, "units": ["h.0.attn.c_attn"]}})";
    c.metadata["bitswitch.configs"] = {"8", "w4a8"};
    return c;
}

TEST(DeploymentMetadata, ReadsWhatExportWrites) {
    const auto m = parse_deployment_metadata(deployment_contents(), "m.bitswitch");
    EXPECT_EQ(m.config.n_embd, 8);
    EXPECT_EQ(m.settings.linear.weight_group_size, 4);
    EXPECT_EQ(m.adapter_set.levels.size(), 2u);
    ASSERT_EQ(m.adapters.size(), 1u);
    EXPECT_EQ(m.adapters[0].name, "8");
    EXPECT_EQ(m.adapters[0].lora.rank, 2);
    EXPECT_EQ(m.adapters[0].units, (std::vector<std::string>{"h.0.attn.c_attn"}));
    EXPECT_EQ(m.configs, (std::vector<std::string>{"8", "w4a8"}));
}

TEST(DeploymentMetadata, EachMalformedKeyIsAnInputErrorNamingIt) {
    const auto with = [](const std::string& key, const nlohmann::ordered_json& value) {
        auto c = deployment_contents();
        if (value.is_null())
            c.metadata.erase(key);
        else
            c.metadata[key] = value;
        return [c] { parse_deployment_metadata(c, "m.bitswitch"); };
    };
    // A number where a string belongs ended in nlohmann's type_error before; invalid UTF-8 (GGUF strings are
    // any bytes) in nlohmann's dump throwing while the message was written (found by fuzzing).
    expect_input_error(with("general.architecture", 7), "m.bitswitch: a GGUF file of architecture 7, not a");
    expect_input_error(with("general.architecture",
                            "l\xec"
                            "ama"),
                       "architecture \"l\xef\xbf\xbd"
                       "ama\"");
    expect_input_error(with("bitswitch.version", 2),
                       "deployment file version 2, this bitswitch reads version 1");
    expect_input_error(with("bitswitch.model_config", nullptr),
                       "missing metadata \"bitswitch.model_config\"");
    expect_input_error(with("bitswitch.model_config", "{"),
                       "m.bitswitch: bitswitch.model_config: not valid JSON");
    expect_input_error(with("bitswitch.adapters", "[]"),
                       "bitswitch.adapters: expected name -> {r, lora_alpha");
    expect_input_error(with("bitswitch.adapters", R"({"8": {"r": 1e15, "lora_alpha": 1, "units": []}})"),
                       "needs an integer r");
    expect_input_error(with("bitswitch.adapters", R"({"8": {"r": 99999999, "lora_alpha": 1, "units": []}})"),
                       "is larger than any layer");
    expect_input_error(with("bitswitch.adapters", R"({"": {"r": 1, "lora_alpha": 1, "units": []}})"),
                       "an adapter without a name");
    expect_input_error(with("bitswitch.adapters", R"({"8": {"r": 1, "lora_alpha": 1, "units": [3]}})"),
                       "\"units\" must list unit names");
    expect_input_error(with("bitswitch.configs", "8"), "bitswitch.configs must list precision configs");
}

TEST(DeploymentMetadata, PackedTensorNamesGiveBitsAndAdapter) {
    PackedTensorName p;
    EXPECT_TRUE(parse_packed_tensor_name("h.1.mlp.c_fc.w4+8.q", "h.1.mlp.c_fc", p, "f"));
    EXPECT_EQ(p.w_bits, 4);
    EXPECT_EQ(p.merged_adapter, "8");
    EXPECT_TRUE(parse_packed_tensor_name("h.1.mlp.c_fc.w8.q", "h.1.mlp.c_fc", p, "f"));
    EXPECT_EQ(p.w_bits, 8);
    EXPECT_EQ(p.merged_adapter, "");
    EXPECT_FALSE(parse_packed_tensor_name("h.1.mlp.c_fc.w8.d", "h.1.mlp.c_fc", p, "f"));
    EXPECT_FALSE(parse_packed_tensor_name("h.11.mlp.c_fc.w8.q", "h.1.mlp.c_fc", p, "f"));
    expect_input_error([&] { parse_packed_tensor_name("h.1.mlp.c_fc.w16.q", "h.1.mlp.c_fc", p, "f"); },
                       "f: tensor \"h.1.mlp.c_fc.w16.q\": expected h.1.mlp.c_fc.w<bits 2..8>[+adapter].q");
    expect_input_error([&] { parse_packed_tensor_name("h.1.mlp.c_fc.wx.q", "h.1.mlp.c_fc", p, "f"); },
                       "expected h.1.mlp.c_fc.w<bits 2..8>");
}

}  // namespace
}  // namespace bitswitch::model
