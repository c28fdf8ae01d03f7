#include "bitswitch/model/roberta.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/model/encoder_checkpoint.h"
#include "bitswitch/model/run_folder.h"
#include "bitswitch/model/safetensors.h"
#include "bitswitch/text/bpe_tokenizer.h"
#include "support/encoder_reference.h"
#include "support/paths.h"
#include "support/temp_dir.h"
#include "support/tiny_encoder.h"

namespace bitswitch::model {
namespace {

using bitswitch::testing::TempDir;
using bitswitch::testing::Weights;

EncoderConfig tiny_encoder_config() {
    return bitswitch::testing::tiny_encoder_config({"a", "b", "c"});
}

// Every parameter random (LayerNorm gains around 1), so that a swapped or unused tensor shows.
RobertaForTask random_encoder(EncoderHead head, uint64_t seed) {
    torch::manual_seed(seed);
    RobertaForTask model(tiny_encoder_config(), head);
    torch::NoGradGuard no_grad;
    for (auto& p : model->named_parameters()) {
        if (p.key().find("LayerNorm.weight") != std::string::npos) {
            p.value().uniform_(0.7, 1.3);
        } else {
            p.value().normal_(0.0, 0.3);
        }
    }
    model->eval();
    return model;
}

Weights weights_of(const RobertaForTask& model, torch::ScalarType stored = torch::kFloat32) {
    Weights w;
    for (const auto& p : model->named_parameters()) {
        const auto t = p.value().detach().to(stored).to(torch::kFloat32).contiguous();
        w[p.key()]   = std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    }
    return w;
}

// Two sequences, the second right-padded with RoBERTa's <pad> (1): lengths 7 and 4 in a (2, 7) batch.
const std::vector<std::vector<int64_t>> kIds = {{0, 17, 3, 60, 22, 9, 2}, {0, 8, 33, 2, 1, 1, 1}};
const std::vector<std::vector<int>> kMask    = {{1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0, 0}};

torch::Tensor batch_ids() {
    return torch::tensor(std::vector<int64_t>{0, 17, 3, 60, 22, 9, 2, 0, 8, 33, 2, 1, 1, 1}).view({2, 7});
}
torch::Tensor batch_mask() {
    return torch::tensor(std::vector<int64_t>{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}).view({2, 7});
}

// The model saved in Hugging Face's layout and loaded back gives the float64 reference's hidden states
// and logits, for F32 files and for F16 files (the reference then on the F16-rounded weights).
void expect_file_round_trip_matches_reference(torch::ScalarType dtype) {
    auto original = random_encoder(EncoderHead::kSequenceClassification, 3);
    TempDir dir;
    save_encoder_pretrained(original, dir.path(), dtype);
    auto loaded = load_encoder_pretrained(dir.path(), EncoderHead::kSequenceClassification);
    EXPECT_FALSE(loaded.head_initialized);
    auto& model = loaded.model;
    model->eval();
    torch::NoGradGuard no_grad;
    const auto hidden = model->encode(model->embed(batch_ids()), batch_mask(), model->default_precision());
    const auto logits = model->classify(hidden, model->default_precision());  // (2, 3)
    const auto w      = weights_of(original, dtype);
    const auto cfg    = tiny_encoder_config();
    for (int b = 0; b < 2; ++b) {
        const auto ref = bitswitch::testing::reference_encoder_hidden(cfg, w, kIds[b], kMask[b]);
        for (int t = 0; t < 7; ++t) {
            for (int c = 0; c < cfg.hidden_size; ++c)
                ASSERT_NEAR(hidden[b][t][c].item<float>(), ref[size_t(t * cfg.hidden_size + c)], 1e-5)
                    << b << "," << t << "," << c;
        }
        const auto ref_logits = bitswitch::testing::reference_classifier_logits(cfg, w, ref);
        for (int l = 0; l < 3; ++l) EXPECT_NEAR(logits[b][l].item<float>(), ref_logits[size_t(l)], 1e-5);
    }
}

TEST(Roberta, F32FileGivesTheFloat64ReferenceWithPadding) {
    expect_file_round_trip_matches_reference(torch::kFloat32);
}

TEST(Roberta, F16FileGivesTheFloat64ReferenceOfItsWeights) {
    expect_file_round_trip_matches_reference(torch::kFloat16);
}

TEST(Roberta, FilesUseHuggingFaceNamesAndBaseModelsGetAFreshHead) {
    auto model = random_encoder(EncoderHead::kSequenceClassification, 4);
    TempDir dir;
    save_encoder_pretrained(model, dir.path());
    const SafetensorsReader reader(dir.path() / "model.safetensors");
    for (const char* name :
         {"roberta.embeddings.word_embeddings.weight", "roberta.embeddings.position_embeddings.weight",
          "roberta.embeddings.token_type_embeddings.weight", "roberta.embeddings.LayerNorm.bias",
          "roberta.encoder.layer.1.attention.self.query.weight",
          "roberta.encoder.layer.1.attention.self.value.bias",
          "roberta.encoder.layer.0.attention.output.dense.weight",
          "roberta.encoder.layer.0.attention.output.LayerNorm.weight",
          "roberta.encoder.layer.0.intermediate.dense.weight", "roberta.encoder.layer.0.output.dense.bias",
          "roberta.encoder.layer.0.output.LayerNorm.bias", "classifier.dense.weight",
          "classifier.out_proj.bias"})
        EXPECT_TRUE(reader.contains(name)) << name;
    // 5 embedding tensors, 16 per layer, 4 of the head: no adapters, no buffers.
    EXPECT_EQ(reader.entries().size(), 5u + 2 * 16 + 4);
    TempDir headless;
    save_encoder_pretrained(model, headless.path(), torch::kFloat32, /*include_head=*/false);
    EXPECT_EQ(SafetensorsReader(headless.path() / "model.safetensors").entries().size(), 5u + 2 * 16);

    // A bare RobertaModel file (no "roberta." prefix, a pooler, no head) loads with a fresh QA head.
    std::vector<std::pair<std::string, torch::Tensor>> bare;
    for (const auto& [name, entry] : reader.entries()) {
        if (name.rfind("roberta.", 0) == 0) bare.emplace_back(name.substr(8), reader.tensor(name));
    }
    bare.emplace_back("pooler.dense.weight", torch::zeros({16, 16}));
    TempDir base;
    std::filesystem::copy(dir.path() / "config.json", base.path() / "config.json");
    save_safetensors(base.path() / "model.safetensors", bare);
    auto qa = load_encoder_pretrained(base.path(), EncoderHead::kQuestionAnswering);
    EXPECT_TRUE(qa.head_initialized);
    EXPECT_TRUE(torch::equal(qa.model->roberta->encoder->layers[1]->output->dense->weight,
                             model->roberta->encoder->layers[1]->output->dense->weight));
    torch::NoGradGuard no_grad;
    const auto [start, end] = qa.model->forward(batch_ids(), batch_mask());
    EXPECT_EQ(start.sizes(), torch::IntArrayRef({2, 7}));
    EXPECT_THROW(qa.model->classify(torch::zeros({1, 2, 16}), qa.model->default_precision()), InputError);
}

TEST(Roberta, PositionsStartAfterThePaddingIndexAndSkipPadding) {
    RobertaEmbeddings embeddings(tiny_encoder_config());
    const auto mask = torch::tensor(std::vector<int64_t>{1, 1, 1, 0, 1, 0, 0, 0}).view({2, 4});
    // pad_token_id 1: real tokens at 2, 3, 4, ...; padding at 1.
    EXPECT_TRUE(torch::equal(embeddings->position_ids(mask, 2, 4),
                             torch::tensor(std::vector<int64_t>{2, 3, 4, 1, 2, 1, 1, 1}).view({2, 4})));
    EXPECT_TRUE(torch::equal(embeddings->position_ids({}, 1, 3),
                             torch::tensor(std::vector<int64_t>{2, 3, 4}).view({1, 3})));
    // 20 positions hold 18 tokens after the offset.
    EXPECT_THROW(embeddings->forward(torch::zeros({1, 19, 16}), {}), InputError);
    EXPECT_NO_THROW(embeddings->forward(torch::zeros({1, 18, 16}), {}));
}

TEST(Roberta, UnitsAreSevenPerLayerThenTheHead) {
    auto model        = random_encoder(EncoderHead::kSequenceClassification, 5);
    const auto& units = model->units();
    ASSERT_EQ(units.size(), 2u * 7 + 2);
    EXPECT_EQ(units[0].name, "layer.0.attention.self.query");
    EXPECT_EQ(units[3].name, "layer.0.attention.kv");
    EXPECT_EQ(units[3].kind, quant::UnitKind::kKv);
    EXPECT_EQ(units[5].name, "layer.0.intermediate.dense");
    EXPECT_EQ(units[5].out_features, 40);
    EXPECT_EQ(units[13].name, "layer.1.output.dense");
    EXPECT_EQ(units[13].group, 1);
    EXPECT_EQ(units[15].name, "classifier.out_proj");
    EXPECT_EQ(units[15].kind, quant::UnitKind::kHead);
    EXPECT_EQ(units[15].group, 2);
    EXPECT_EQ(units[15].out_features, 3);
    // Every linear unit is the module of that name.
    for (const auto& [name, linear] : model->linear_layers()) EXPECT_EQ(linear->name, name);
    EXPECT_EQ(model->linear_layers().size(), 2u * 6 + 2);
}

TEST(Roberta, ModuleGroupsNameTheAttentionAndFeedForwardLinears) {
    auto model           = random_encoder(EncoderHead::kSequenceClassification, 5);
    const auto attention = quant::parse_precision("attention=4", model->units(), {});
    const auto fc        = quant::parse_precision("fc=4", model->units(), {});
    for (int i = 0; i < 2; ++i) {
        const std::string p = "layer." + std::to_string(i) + ".";
        for (const char* u : {"attention.self.query", "attention.self.key", "attention.self.value",
                              "attention.output.dense"}) {
            EXPECT_EQ(attention.at(p + u).bits.w, 4) << u;
            EXPECT_EQ(fc.at(p + u).bits.w, 32) << u;
        }
        for (const char* u : {"intermediate.dense", "output.dense"}) {
            EXPECT_EQ(attention.at(p + u).bits.w, 32) << u;
            EXPECT_EQ(fc.at(p + u).bits.w, 4) << u;
        }
        EXPECT_EQ(attention.at(p + "attention.kv").bits.kv, 32);  // K/V are their own module
    }
    EXPECT_EQ(attention.at("classifier.out_proj").bits.w, 32);
    // And the forward follows the config: quantizing one group changes the logits, naming none does not.
    torch::NoGradGuard no_grad;
    const auto logits = [&](const quant::PrecisionConfig& p) {
        return model->classify(model->encode(model->embed(batch_ids()), batch_mask(), p), p);
    };
    const auto fp = logits(model->default_precision());
    EXPECT_FALSE(torch::equal(logits(fc), fp));
    EXPECT_TRUE(torch::equal(logits(quant::parse_precision("fc=fp", model->units(), {})), fp));
}

// Keys and values skip the KV quantizer's stacked layout at full precision; quantized, they go through it.
TEST(Roberta, KeysAndValuesAreQuantizedOnlyWhereTheConfigSays) {
    auto model = random_encoder(EncoderHead::kSequenceClassification, 9);
    torch::NoGradGuard no_grad;
    const auto logits = [&](const std::string& config) {
        const auto p = quant::parse_precision(config, model->units(), {});
        return model->classify(model->encode(model->embed(batch_ids()), batch_mask(), p), p);
    };
    const auto fp = logits("fp");
    EXPECT_TRUE(torch::equal(logits("kv=fp"), fp));
    EXPECT_TRUE(torch::equal(logits("w32a32kv32"), fp));
    const auto kv4 = logits("kv=4"), kv16 = logits("kv=16");
    EXPECT_FALSE(torch::equal(kv4, fp));
    // 16-bit keys and values are closer to full precision than 4-bit ones.
    EXPECT_LT((kv16 - fp).abs().max().item<float>(), (kv4 - fp).abs().max().item<float>() / 100);
}

TEST(Roberta, Seed004RangesRecordedInFullPrecisionTrainingReloadExactly) {
    quant::QuantSettings seed004;
    seed004.linear.scheme          = quant::Scheme::kAsymmetric;
    seed004.linear.ema_ranges      = true;
    seed004.linear.quantize_bias   = true;
    seed004.linear.quantize_output = true;
    auto trained                   = random_encoder(EncoderHead::kSequenceClassification, 7);
    trained->set_quant_settings(seed004);
    trained->train();
    torch::manual_seed(8);
    for (int step = 0; step < 3; ++step) {  // fine-tuning at full precision, as seed 004's experiment 1
        const auto ids = torch::randint(3, 64, {2, 7}, torch::kLong);
        trained->classify(trained->encode(trained->embed(ids), {}, trained->default_precision()),
                          trained->default_precision());
    }
    trained->eval();
    TempDir dir;
    save_quant_ranges(*trained, dir.path());
    auto reloaded = random_encoder(EncoderHead::kSequenceClassification, 7);
    reloaded->set_quant_settings(seed004);
    load_quant_ranges(*reloaded, dir.path());
    const auto mine   = trained->linear_layers();
    const auto theirs = reloaded->linear_layers();
    ASSERT_EQ(mine.size(), theirs.size());
    for (size_t i = 0; i < mine.size(); ++i) {
        ASSERT_TRUE(quant::EmaRange::observed(mine[i].second->output_range())) << mine[i].first;
        EXPECT_TRUE(torch::equal(mine[i].second->input_range(), theirs[i].second->input_range()))
            << mine[i].first;
        EXPECT_TRUE(torch::equal(mine[i].second->output_range(), theirs[i].second->output_range()))
            << mine[i].first;
    }
    // Post-training quantization with those ranges gives the same logits in both models.
    torch::NoGradGuard no_grad;
    const auto at8    = quant::parse_precision("8", trained->units(), {});
    const auto logits = [&](RobertaForTask& m) {
        return m->classify(m->encode(m->embed(batch_ids()), batch_mask(), at8), at8);
    };
    EXPECT_TRUE(torch::equal(logits(trained), logits(reloaded)));
}

TEST(Roberta, StagesEqualTheWholeEncodingBitForBit) {
    auto model = random_encoder(EncoderHead::kQuestionAnswering, 6);
    torch::NoGradGuard no_grad;
    const auto embeddings = model->embed(batch_ids());
    const auto& p         = model->default_precision();
    const auto whole      = model->encode(embeddings, batch_mask(), p);
    auto s                = model->stage_begin(embeddings, batch_mask());
    for (int64_t g = 0; g < model->stage_count(); ++g) s.hidden = model->stage(g, s.hidden, s.key_bias, p);
    EXPECT_TRUE(torch::equal(model->stage_end(s.hidden), whole));
}

TEST(Roberta, LoaderErrorsNameTheFileAndTensor) {
    auto model = random_encoder(EncoderHead::kSequenceClassification, 7);
    TempDir dir;
    save_encoder_pretrained(model, dir.path());
    // Five labels asked of a file whose head has three: the head's shape is named.
    try {
        load_encoder_pretrained(dir.path(), EncoderHead::kSequenceClassification, {"a", "b", "c", "d", "e"});
        ADD_FAILURE();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find(
                      "tensor \"classifier.out_proj.bias\" has shape [3] but the "
                      "config needs [5] (a head for another number of labels?)"),  // bias first: name order
                  std::string::npos)
            << e.what();
    }
    const SafetensorsReader reader(dir.path() / "model.safetensors");
    std::vector<std::pair<std::string, torch::Tensor>> missing;
    for (const auto& [name, entry] : reader.entries()) {
        if (name != "roberta.encoder.layer.1.intermediate.dense.bias")
            missing.emplace_back(name, reader.tensor(name));
    }
    TempDir broken;
    std::filesystem::copy(dir.path() / "config.json", broken.path() / "config.json");
    save_safetensors(broken.path() / "model.safetensors", missing);
    try {
        load_encoder_pretrained(broken.path(), EncoderHead::kSequenceClassification);
        ADD_FAILURE();
    } catch (const InputError& e) {
        EXPECT_EQ(std::string(e.what()),
                  (broken.path() / "model.safetensors").string() +
                      ": missing tensor \"roberta.encoder.layer.1.intermediate.dense.bias\"");
    }
}

TEST(Roberta, ConfigRoundTripsAndNamesBadFields) {
    const auto c     = tiny_encoder_config();
    const auto again = encoder_config_from_json(nlohmann::json::parse(encoder_config_json(c)), "config.json");
    EXPECT_EQ(again.hidden_size, 16);
    EXPECT_EQ(again.intermediate_size, 40);
    EXPECT_EQ(again.labels, c.labels);
    EXPECT_EQ(again.max_tokens(), 18);
    auto j           = nlohmann::json::parse(encoder_config_json(c));
    j["hidden_size"] = 15;
    try {
        encoder_config_from_json(j, "config.json");
        ADD_FAILURE();
    } catch (const InputError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "config.json: hidden_size 15 is not a multiple of num_attention_heads 2");
    }
    j = nlohmann::json::parse(encoder_config_json(c));
    j.erase("id2label");
    j["num_labels"] = 2;
    EXPECT_EQ(encoder_config_from_json(j, "c").labels, (std::vector<std::string>{"LABEL_0", "LABEL_1"}));
    j["model_type"] = "gpt2";
    EXPECT_THROW(encoder_config_from_json(j, "c"), InputError);
}

// The encoder the project ships (assets/tiny-roberta, F16, no head) loads with a fresh two-class head and
// gives the float64 reference's hidden states and logits on real text from its own tokenizer, the
// reference reading the weights straight from the file.
TEST(Roberta, ShippedDefaultEncoderGivesTheFloat64ReferenceOnRealText) {
    const auto dir = bitswitch::testing::asset("tiny-roberta");
    auto loaded =
        load_encoder_pretrained(dir, EncoderHead::kSequenceClassification, {"negative", "positive"});
    EXPECT_TRUE(loaded.head_initialized);
    auto& model      = loaded.model;
    const auto& cfg  = model->roberta->config;
    const auto vocab = text::BpeTokenizer::load(bitswitch::testing::asset("roberta-tokenizer"));
    EXPECT_EQ(cfg.vocab_size, vocab.vocab_size());
    EXPECT_EQ(cfg.hidden_act, "gelu");

    const int64_t bos = vocab.token_id("<s>"), eos = vocab.token_id("</s>"), pad = vocab.token_id("<pad>");
    ASSERT_EQ(pad, cfg.pad_token_id);
    std::vector<std::vector<int64_t>> ids;
    for (const char* sentence : {"a gripping, beautifully acted film", "dull"}) {
        std::vector<int64_t> row{bos};
        for (const auto id : vocab.encode(sentence)) row.push_back(id);
        row.push_back(eos);
        ids.push_back(row);
    }
    const int64_t T = int64_t(ids[0].size());
    ASSERT_GT(T, int64_t(ids[1].size()) + 1);
    std::vector<std::vector<int>> mask(2);
    std::vector<int64_t> flat_ids, flat_mask;
    for (int b = 0; b < 2; ++b) {
        for (int64_t t = 0; t < T; ++t) {
            const bool real = t < int64_t(ids[b].size());
            mask[b].push_back(real ? 1 : 0);
            flat_ids.push_back(real ? ids[b][size_t(t)] : pad);
            flat_mask.push_back(real ? 1 : 0);
        }
        ids[b].resize(size_t(T), pad);
    }

    Weights w;
    const SafetensorsReader reader(dir / "model.safetensors");
    for (const auto& [name, entry] : reader.entries()) {
        EXPECT_EQ(entry.dtype, "F16") << name;
        const auto t = reader.tensor(name).to(torch::kFloat32).contiguous();
        w[name]      = std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    }
    for (const auto& p : model->classifier->named_parameters()) {
        const auto t               = p.value().detach().contiguous();
        w["classifier." + p.key()] = std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    }

    model->eval();
    torch::NoGradGuard no_grad;
    const auto batch = torch::tensor(flat_ids).view({2, T});
    const auto hidden =
        model->encode(model->embed(batch), torch::tensor(flat_mask).view({2, T}), model->default_precision());
    const auto logits = model->classify(hidden, model->default_precision());
    for (int b = 0; b < 2; ++b) {
        const auto ref =
            bitswitch::testing::reference_encoder_hidden(cfg, w, ids[size_t(b)], mask[size_t(b)]);
        for (int64_t t = 0; t < T; ++t) {
            for (int64_t c = 0; c < cfg.hidden_size; ++c)
                ASSERT_NEAR(hidden[b][t][c].item<float>(), ref[size_t(t * cfg.hidden_size + c)], 1e-5)
                    << b << "," << t << "," << c;
        }
        const auto ref_logits = bitswitch::testing::reference_classifier_logits(cfg, w, ref);
        for (int l = 0; l < 2; ++l) EXPECT_NEAR(logits[b][l].item<float>(), ref_logits[size_t(l)], 1e-5);
    }
}

}  // namespace
}  // namespace bitswitch::model
