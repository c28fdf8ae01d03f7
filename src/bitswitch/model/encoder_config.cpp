// config.json <-> EncoderConfig.
#include "bitswitch/model/encoder_config.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/json_fields.h"
#include "bitswitch/core/json_file.h"

namespace bitswitch::model {
void validate(const EncoderConfig& c, const std::string& where) {
    const auto in_range = [&](const char* name, int64_t v, int64_t low, int64_t high) {
        if (v < low || v > high) {
            throw InputError(
                fmt::format("{}: {} {} is outside {}..{} (check the file)", where, name, v, low, high));
        }
    };
    // Upper bounds far beyond any released encoder keep every derived size exact in int64.
    in_range("vocab_size", c.vocab_size, 1, int64_t(1) << 24);
    in_range("hidden_size", c.hidden_size, 1, int64_t(1) << 16);
    in_range("num_hidden_layers", c.num_hidden_layers, 1, 1024);
    in_range("num_attention_heads", c.num_attention_heads, 1, c.hidden_size);
    in_range("intermediate_size", c.intermediate_size, 1, int64_t(1) << 20);
    in_range("max_position_embeddings", c.max_position_embeddings, 1, int64_t(1) << 20);
    in_range("type_vocab_size", c.type_vocab_size, 1, 1024);
    in_range("pad_token_id", c.pad_token_id, 0, c.vocab_size - 1);
    if (c.max_tokens() < 1) {
        throw InputError(
            fmt::format("{}: max_position_embeddings {} leaves no position after pad_token_id {} "
                        "(RoBERTa's positions start at pad_token_id + 1)",
                        where, c.max_position_embeddings, c.pad_token_id));
    }
    if (c.hidden_size % c.num_attention_heads != 0) {
        throw InputError(fmt::format("{}: hidden_size {} is not a multiple of num_attention_heads {}", where,
                                     c.hidden_size, c.num_attention_heads));
    }
    if (!(c.layer_norm_eps > 0.0)) {
        throw InputError(fmt::format("{}: layer_norm_eps must be positive, got {}", where, c.layer_norm_eps));
    }
    for (const double p : {c.hidden_dropout_prob, c.attention_probs_dropout_prob}) {
        if (!(p >= 0.0 && p < 1.0))
            throw InputError(fmt::format("{}: dropout probabilities must be in [0, 1), got {}", where, p));
    }
    if (c.hidden_act != "gelu" && c.hidden_act != "gelu_new") {
        throw InputError(
            fmt::format("{}: hidden_act \"{}\" is not supported (gelu, gelu_new)", where, c.hidden_act));
    }
    if (c.labels.size() > size_t(kMaxClassLabels)) {
        throw InputError(fmt::format("{}: {} labels, at most {}", where, c.labels.size(), kMaxClassLabels));
    }
}

EncoderConfig load_encoder_config(const std::filesystem::path& path) {
    return encoder_config_from_json(core::read_json_file(path), path.string());
}

EncoderConfig encoder_config_from_json(const nlohmann::json& j, const std::string& where) {
    if (!j.is_object()) throw InputError(fmt::format("{}: expected a JSON object", where));
    if (!j.contains("model_type") || j["model_type"] != "roberta") {
        throw InputError(fmt::format("{}: model_type {} is not roberta", where,
                                     j.contains("model_type") ? j["model_type"].dump() : "(missing)"));
    }
    EncoderConfig c;
    const core::JsonFields fields(j, where);
    fields.integer("vocab_size", c.vocab_size, true);
    fields.integer("hidden_size", c.hidden_size, true);
    fields.integer("num_hidden_layers", c.num_hidden_layers, true);
    fields.integer("num_attention_heads", c.num_attention_heads, true);
    fields.integer("intermediate_size", c.intermediate_size, true);
    fields.integer("max_position_embeddings", c.max_position_embeddings, true);
    fields.integer("type_vocab_size", c.type_vocab_size, false);
    fields.integer("pad_token_id", c.pad_token_id, false);
    fields.number("layer_norm_eps", c.layer_norm_eps);
    fields.number("hidden_dropout_prob", c.hidden_dropout_prob);
    fields.number("attention_probs_dropout_prob", c.attention_probs_dropout_prob);
    fields.string("hidden_act", c.hidden_act);
    if (j.contains("position_embedding_type") && j["position_embedding_type"] != "absolute") {
        throw InputError(fmt::format("{}: position_embedding_type {} is not supported (absolute)", where,
                                     j["position_embedding_type"].dump()));
    }
    // The classifier's classes: id2label ({"0": "negative", ...}, keys 0..n-1), else num_labels.
    if (j.contains("id2label") && !j["id2label"].is_null()) {
        const auto& m = j["id2label"];
        if (!m.is_object() || m.size() > size_t(kMaxClassLabels))
            throw InputError(fmt::format("{}: id2label must be an object {{\"0\": name, ...}}", where));
        c.labels.assign(m.size(), "");
        for (const auto& [key, name] : m.items()) {
            size_t index = 0;
            try {
                index = std::stoul(key);
            } catch (const std::exception&) {
                index = m.size();
            }
            if (index >= m.size() || std::to_string(index) != key || !name.is_string() ||
                !c.labels[index].empty()) {
                throw InputError(
                    fmt::format("{}: id2label key \"{}\" must be a distinct index 0..{} with a name", where,
                                key, m.size() - 1));
            }
            c.labels[index] = name.get<std::string>();
        }
    } else if (j.contains("num_labels")) {
        int64_t n = 0;
        fields.integer("num_labels", n, true);
        if (n < 1 || n > kMaxClassLabels)
            throw InputError(fmt::format("{}: num_labels {} must be 1..{}", where, n, kMaxClassLabels));
        for (int64_t i = 0; i < n; ++i) c.labels.push_back(fmt::format("LABEL_{}", i));
    }
    validate(c, where);
    return c;
}

std::string encoder_config_json(const EncoderConfig& c) {
    nlohmann::ordered_json j{
        {"architectures", {c.labels.empty() ? "RobertaForMaskedLM" : "RobertaForSequenceClassification"}},
        {"model_type", "roberta"},
        {"vocab_size", c.vocab_size},
        {"hidden_size", c.hidden_size},
        {"num_hidden_layers", c.num_hidden_layers},
        {"num_attention_heads", c.num_attention_heads},
        {"intermediate_size", c.intermediate_size},
        {"hidden_act", c.hidden_act},
        {"hidden_dropout_prob", c.hidden_dropout_prob},
        {"attention_probs_dropout_prob", c.attention_probs_dropout_prob},
        {"max_position_embeddings", c.max_position_embeddings},
        {"type_vocab_size", c.type_vocab_size},
        {"layer_norm_eps", c.layer_norm_eps},
        {"pad_token_id", c.pad_token_id},
        {"bos_token_id", 0},
        {"eos_token_id", 2},
        {"position_embedding_type", "absolute"},
        {"initializer_range", 0.02},
    };
    if (!c.labels.empty()) {
        nlohmann::ordered_json id2label, label2id;
        for (size_t i = 0; i < c.labels.size(); ++i) {
            id2label[std::to_string(i)] = c.labels[i];
            label2id[c.labels[i]]       = i;
        }
        j["id2label"] = id2label;
        j["label2id"] = label2id;
    }
    return j.dump(2) + "\n";
}

}  // namespace bitswitch::model
