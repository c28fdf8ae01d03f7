// The fuzz targets (see targets.h).
#include "fuzz/targets.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

#include "bitswitch/core/error.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/data/glue.h"
#include "bitswitch/data/squad.h"
#include "bitswitch/eval/glue_metric.h"
#include "bitswitch/model/encoder_config.h"
#include "bitswitch/model/gpt2_config.h"
#include "bitswitch/model/safetensors_header.h"
#include "bitswitch/text/bpe_tokenizer.h"
#include "bitswitch/text/utf8.h"

namespace bitswitch::fuzz {
namespace {

std::filesystem::path tokenizer_dir;

const text::BpeTokenizer& gpt2_tokenizer() {
    static std::once_flag once;
    static std::unique_ptr<text::BpeTokenizer> tokenizer;
    std::call_once(once, [] {
        tokenizer = std::make_unique<text::BpeTokenizer>(text::BpeTokenizer::load(tokenizer_dir));
    });
    return *tokenizer;
}

}  // namespace

void require(bool ok, const char* target, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "fuzz target %s: %s\n", target, what);
    std::abort();
}

void set_tokenizer_dir(const std::filesystem::path& dir) {
    tokenizer_dir = dir;
}

void tokenizer_text(std::string_view bytes) {
    const auto& tokenizer = gpt2_tokenizer();
    const auto ids        = tokenizer.encode(bytes);
    const auto encoding   = tokenizer.encode_with_offsets(bytes);
    require(encoding.ids == ids, "tokenizer_text", "encode and encode_with_offsets give different ids");
    require(encoding.offsets.size() == ids.size(), "tokenizer_text", "not one offset per id");
    const std::string text = text::utf8_sanitize(bytes);
    require(tokenizer.decode_bytes(ids) == text, "tokenizer_text", "decode(encode(text)) is not the text");
    const auto length = int64_t(text::utf8_length(text));
    int64_t previous  = 0;
    for (const auto& offset : encoding.offsets) {
        require(offset.start >= 0 && offset.start < offset.end && offset.end <= length, "tokenizer_text",
                "an offset is empty or outside the text");
        require(offset.start >= previous, "tokenizer_text", "offsets go backwards");
        previous = offset.start;
    }
}

void tokenizer_files(std::string_view bytes) {
    const size_t split      = bytes.find('\0');
    const std::string vocab = std::string(bytes.substr(0, split));
    const std::string merges =
        split == std::string_view::npos ? std::string() : std::string(bytes.substr(split + 1));
    try {
        const auto tokenizer = text::BpeTokenizer::parse(vocab, "vocab.json", merges, "merges.txt");
        const auto ids       = tokenizer.encode("Hello world, 2024: naïve café!");
        for (const int32_t id : ids) {
            require(id >= 0 && id < tokenizer.vocab_size(), "tokenizer_files",
                    "an id outside the vocabulary");
        }
        tokenizer.decode(ids);
    } catch (const InputError&) {
    }
}

void squad_json(std::string_view bytes) {
    data::SquadLoadOptions options;
    options.report = [](const std::string&) {};
    for (const bool skip_invalid : {false, true}) {
        options.skip_invalid = skip_invalid;
        try {
            const auto ds = data::parse_squad(bytes, "fuzz.json", options);
            for (const auto& e : ds.examples) {
                require(e.context_index >= 0 && size_t(e.context_index) < ds.contexts.size(), "squad_json",
                        "a question without its context");
                const std::u32string context = text::utf8_to_u32(ds.context_of(e));
                for (const auto& a : e.answers) {
                    const std::u32string answer = text::utf8_to_u32(a.text);
                    require(a.start >= 0 && size_t(a.start) + answer.size() <= context.size() &&
                                context.compare(size_t(a.start), answer.size(), answer) == 0,
                            "squad_json", "a kept answer is not where answer_start says");
                }
            }
        } catch (const InputError&) {
        }
    }
}

void glue_file(std::string_view bytes) {
    if (bytes.empty()) return;
    const auto task = data::kGlueTaskNames[size_t(static_cast<unsigned char>(bytes[0])) % 10].value;
    data::GlueDataset d;
    try {
        d = data::parse_glue(bytes.substr(1), "fuzz.tsv", task);
    } catch (const InputError&) {
        return;
    }
    const auto& spec = d.spec();
    int64_t line     = 0;
    eval::GluePredictions labels;
    for (const auto& e : d.examples) {
        require(!e.text_a.empty() && text::utf8_is_valid(e.text_a), "glue_file",
                "an example without its text");
        require(spec.is_pair() == !e.text_b.empty() && text::utf8_is_valid(e.text_b), "glue_file",
                "a pair task's example without its second text, or a single one with two");
        require(e.line > line, "glue_file", "examples out of file order");
        line = e.line;
        if (!d.labeled || spec.is_regression()) {
            require(e.label == -1 && std::isfinite(e.score), "glue_file",
                    "a class label on a regression or "
                    "unlabeled example, or a score not finite");
        } else {
            require(e.label >= 0 && size_t(e.label) < spec.labels.size(), "glue_file",
                    "a label outside the task's");
        }
        labels.classes.push_back(e.label);
        labels.scores.push_back(e.score);
    }
    if (d.labeled && !spec.is_regression() && !d.examples.empty()) {
        require(eval::glue_accuracy(labels.classes, labels.classes) == 100.0, "glue_file",
                "the labels do not score 100% against themselves");
    }
}

void gpt2_config_json(std::string_view bytes) {
    model::Gpt2Config c;
    try {
        c = model::gpt2_config_from_json(core::parse_json(bytes, "config.json"), "config.json");
    } catch (const InputError&) {
        return;
    }
    // Checked arithmetic: a config that validates must not overflow what the model computes from it.
    const auto product = [](int64_t a, int64_t b) {
        int64_t out = 0;
        require(!__builtin_mul_overflow(a, b, &out), "gpt2_config_json", "a derived size overflows int64");
        return out;
    };
    const int64_t inner = c.n_inner > 0 ? c.n_inner : product(4, c.n_embd);
    require(inner > 0 && c.head_dim() * c.n_head == c.n_embd, "gpt2_config_json", "inconsistent widths");
    const int64_t per_layer  = product(c.n_embd, product(4, c.n_embd) + product(2, inner));
    const int64_t embeddings = product(c.vocab_size + c.n_positions, c.n_embd);
    int64_t total            = 0;
    require(!__builtin_add_overflow(product(per_layer, c.n_layer), embeddings, &total), "gpt2_config_json",
            "the parameter count overflows int64");
    const auto again = model::gpt2_config_from_json(
        core::parse_json(model::gpt2_config_json(c), "written config.json"), "written config.json");
    require(again.vocab_size == c.vocab_size && again.n_positions == c.n_positions &&
                again.n_embd == c.n_embd && again.n_layer == c.n_layer && again.n_head == c.n_head &&
                again.n_inner == c.n_inner && again.layer_norm_epsilon == c.layer_norm_epsilon &&
                again.attn_pdrop == c.attn_pdrop && again.activation_function == c.activation_function,
            "gpt2_config_json", "the written config reads back different");
}

void encoder_config_json(std::string_view bytes) {
    model::EncoderConfig c;
    try {
        c = model::encoder_config_from_json(core::parse_json(bytes, "config.json"), "config.json");
    } catch (const InputError&) {
        return;
    }
    require(c.head_dim() * c.num_attention_heads == c.hidden_size && c.max_tokens() >= 1,
            "encoder_config_json", "inconsistent widths or no position for a token");
    const auto again = model::encoder_config_from_json(
        core::parse_json(model::encoder_config_json(c), "written config.json"), "written config.json");
    require(again.vocab_size == c.vocab_size && again.hidden_size == c.hidden_size &&
                again.num_hidden_layers == c.num_hidden_layers &&
                again.intermediate_size == c.intermediate_size &&
                again.max_position_embeddings == c.max_position_embeddings &&
                again.pad_token_id == c.pad_token_id && again.layer_norm_eps == c.layer_norm_eps &&
                again.labels == c.labels && again.hidden_act == c.hidden_act,
            "encoder_config_json", "the written config reads back different");
}

void safetensors_header(std::string_view bytes) {
    model::SafetensorsHeader header;
    try {
        header = model::parse_safetensors_header(bytes, "model.safetensors");
    } catch (const InputError&) {
        return;
    }
    require(header.data_start >= 8 && header.data_start <= bytes.size(), "safetensors_header",
            "the data section starts outside the file");
    const size_t data_size = bytes.size() - header.data_start;
    for (const auto& [name, e] : header.entries) {
        unsigned __int128 elements = 1;  // wide enough for any product of a few 64-bit dims below 2^64
        for (const int64_t d : e.shape) {
            require(d >= 0, "safetensors_header", "a negative dimension");
            elements = elements * uint64_t(d);
            if (elements > (unsigned __int128)(UINT64_MAX)) elements = (unsigned __int128)(UINT64_MAX) + 1;
        }
        const size_t size = model::safetensors_dtype_size(e.dtype);
        require(size > 0, "safetensors_header", "an unknown dtype passed");
        require(e.begin <= e.end && e.end <= data_size, "safetensors_header",
                "a byte range outside the data");
        require(elements * size == e.end - e.begin, "safetensors_header",
                "a byte range that does not hold exactly the shape's elements");
    }
}

}  // namespace bitswitch::fuzz
