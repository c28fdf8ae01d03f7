// config.json <-> Gpt2Config.
#include "bitswitch/model/gpt2_config.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/json_fields.h"
#include "bitswitch/core/json_file.h"

namespace bitswitch::model {

void validate(const Gpt2Config& c, const std::string& where) {
    const auto positive = [&](const char* name, int64_t v) {
        if (v <= 0) throw InputError(fmt::format("{}: {} must be positive, got {}", where, name, v));
    };
    positive("vocab_size", c.vocab_size);
    positive("n_positions", c.n_positions);
    positive("n_embd", c.n_embd);
    positive("n_layer", c.n_layer);
    positive("n_head", c.n_head);
    // Far beyond any GPT-2 (the largest: 1600 wide, 48 layers), and small enough that every size the model
    // derives (4 n_embd, parameter counts) stays exact in int64: a config that passes here cannot overflow.
    const auto at_most = [&](const char* name, int64_t v, int64_t limit) {
        if (v > limit)
            throw InputError(
                fmt::format("{}: {} {} is beyond the largest model bitswitch holds ({} at most); "
                            "check the file",
                            where, name, v, limit));
    };
    at_most("vocab_size", c.vocab_size, int64_t(1) << 24);
    at_most("n_positions", c.n_positions, int64_t(1) << 20);
    at_most("n_embd", c.n_embd, int64_t(1) << 16);
    at_most("n_inner", c.n_inner, int64_t(1) << 20);
    at_most("n_layer", c.n_layer, 1024);
    if (!(c.layer_norm_epsilon > 0.0))
        throw InputError(
            fmt::format("{}: layer_norm_epsilon must be positive, got {}", where, c.layer_norm_epsilon));
    if (c.n_embd % c.n_head != 0) {
        throw InputError(
            fmt::format("{}: n_embd {} is not a multiple of n_head {}", where, c.n_embd, c.n_head));
    }
    if (c.activation_function != "gelu_new" && c.activation_function != "gelu" &&
        c.activation_function != "gelu_pytorch_tanh") {
        throw InputError(
            fmt::format("{}: activation_function \"{}\" is not supported (gelu_new, gelu_pytorch_tanh, gelu)",
                        where, c.activation_function));
    }
    for (const double p : {c.attn_pdrop, c.resid_pdrop, c.embd_pdrop}) {
        if (p < 0.0 || p >= 1.0)
            throw InputError(fmt::format("{}: dropout probabilities must be in [0, 1), got {}", where, p));
    }
}

Gpt2Config load_gpt2_config(const std::filesystem::path& path) {
    return gpt2_config_from_json(core::read_json_file(path), path.string());
}

Gpt2Config gpt2_config_from_json(const nlohmann::json& j, const std::string& where) {
    if (!j.is_object()) throw InputError(fmt::format("{}: expected a JSON object", where));
    if (j.contains("model_type") && j["model_type"] != "gpt2") {
        throw InputError(fmt::format("{}: model_type {} is not gpt2", where, j["model_type"].dump()));
    }
    Gpt2Config c;
    const core::JsonFields fields(j, where);
    fields.integer("vocab_size", c.vocab_size, true);
    fields.integer("n_positions", c.n_positions, true);
    fields.integer("n_embd", c.n_embd, true);
    fields.integer("n_layer", c.n_layer, true);
    fields.integer("n_head", c.n_head, true);
    fields.integer("n_inner", c.n_inner, false);
    fields.integer("bos_token_id", c.bos_token_id, false);
    fields.integer("eos_token_id", c.eos_token_id, false);
    fields.number("layer_norm_epsilon", c.layer_norm_epsilon);
    fields.number("attn_pdrop", c.attn_pdrop);
    fields.number("resid_pdrop", c.resid_pdrop);
    fields.number("embd_pdrop", c.embd_pdrop);
    if (j.contains("activation_function") && j["activation_function"].is_string()) {
        c.activation_function = j["activation_function"].get<std::string>();
    }
    validate(c, where);
    return c;
}

std::string gpt2_config_json(const Gpt2Config& c) {
    nlohmann::ordered_json j{
        {"architectures", {"GPT2LMHeadModel"}},
        {"model_type", "gpt2"},
        {"vocab_size", c.vocab_size},
        {"n_positions", c.n_positions},
        {"n_ctx", c.n_positions},
        {"n_embd", c.n_embd},
        {"n_layer", c.n_layer},
        {"n_head", c.n_head},
        {"n_inner", c.n_inner > 0 ? nlohmann::ordered_json(c.n_inner) : nlohmann::ordered_json(nullptr)},
        {"activation_function", c.activation_function},
        {"layer_norm_epsilon", c.layer_norm_epsilon},
        {"attn_pdrop", c.attn_pdrop},
        {"resid_pdrop", c.resid_pdrop},
        {"embd_pdrop", c.embd_pdrop},
        {"bos_token_id", c.bos_token_id},
        {"eos_token_id", c.eos_token_id},
        {"initializer_range", 0.02},
    };
    return j.dump(2) + "\n";
}

}  // namespace bitswitch::model
