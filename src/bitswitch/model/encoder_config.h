// RoBERTa hyper-parameters, read from and written to Hugging Face's config.json (RobertaConfig field
// names), so roberta-base, -large, distilroberta and small custom encoders load. Also the task head a
// checkpoint carries: a sequence classifier's labels (id2label, or num_labels) for
// RobertaForSequenceClassification. Parsing is free of libtorch (fuzzed with the other config readers).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace bitswitch::model {

/// The most classes a classifier may have: a corrupt file must not make a huge head.
inline constexpr int64_t kMaxClassLabels = 1 << 16;

struct EncoderConfig {
    int64_t vocab_size              = 50265;
    int64_t hidden_size             = 768;
    int64_t num_hidden_layers       = 12;
    int64_t num_attention_heads     = 12;
    int64_t intermediate_size       = 3072;
    int64_t max_position_embeddings = 514;  // RoBERTa: 512 tokens after the padding offset (pad_token_id + 1)
    int64_t type_vocab_size         = 1;
    int64_t pad_token_id            = 1;
    double layer_norm_eps           = 1e-5;
    double hidden_dropout_prob      = 0.1;
    double attention_probs_dropout_prob = 0.1;
    std::string hidden_act              = "gelu";  // exact (erf) GELU; "gelu_new" (tanh) is accepted too
    /// Class names of a sequence classification head, in label order (id2label); empty: no such head.
    std::vector<std::string> labels;

    int64_t head_dim() const { return hidden_size / num_attention_heads; }
    /// Tokens a sequence may hold: positions start after the padding index.
    int64_t max_tokens() const { return max_position_embeddings - pad_token_id - 1; }
};

/// Throws InputError naming the field when the numbers cannot form an encoder.
void validate(const EncoderConfig& config, const std::string& where = "config");

/// Reads config.json (model_type "roberta"; unknown fields are ignored, as transformers does).
EncoderConfig load_encoder_config(const std::filesystem::path& config_json);
/// The same from parsed contents; errors name `where`.
EncoderConfig encoder_config_from_json(const nlohmann::json& config, const std::string& where);

/// config.json text with RobertaConfig's field names (and id2label/label2id when it has labels).
std::string encoder_config_json(const EncoderConfig& config);

}  // namespace bitswitch::model
