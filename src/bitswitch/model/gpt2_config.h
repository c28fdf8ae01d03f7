// GPT-2 hyper-parameters, read from and written to Hugging Face's config.json (GPT2Config field names),
// so any GPT-2 size (gpt2, -medium, -large, -xl, distilgpt2, small custom configs) loads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace bitswitch::model {

struct Gpt2Config {
    int64_t vocab_size              = 50257;
    int64_t n_positions             = 1024;
    int64_t n_embd                  = 768;
    int64_t n_layer                 = 12;
    int64_t n_head                  = 12;
    int64_t n_inner                 = 0;  // 0 = 4 * n_embd (config.json: null)
    double layer_norm_epsilon       = 1e-5;
    double attn_pdrop               = 0.1;
    double resid_pdrop              = 0.1;
    double embd_pdrop               = 0.1;
    std::string activation_function = "gelu_new";  // tanh GELU; "gelu" (erf) is accepted too
    int64_t bos_token_id            = 50256;
    int64_t eos_token_id            = 50256;

    int64_t inner_dim() const { return n_inner > 0 ? n_inner : 4 * n_embd; }
    int64_t head_dim() const { return n_embd / n_head; }
};

/// Throws InputError naming the field when the numbers cannot form a GPT-2.
void validate(const Gpt2Config& config, const std::string& where = "config");

/// Reads config.json (unknown fields are ignored, as transformers does). Throws InputError naming the file
/// and field on missing/mistyped values.
Gpt2Config load_gpt2_config(const std::filesystem::path& config_json);
/// The same from parsed config.json contents; errors name `where`.
Gpt2Config gpt2_config_from_json(const nlohmann::json& config, const std::string& where);

/// config.json text with GPT2Config's field names (model_type "gpt2").
std::string gpt2_config_json(const Gpt2Config& config);

}  // namespace bitswitch::model
