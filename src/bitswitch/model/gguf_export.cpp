// GPT-2 -> GGUF (what is written and why in gguf_export.h). Tensor names and shapes are llama.cpp's gpt2
// architecture (src/llama-arch.cpp, llama-model.cpp at the peer's commit); a linear's (out, in) weight is
// rows of `in` values, which is ggml's ne = {in, out}.
#include "bitswitch/model/gguf_export.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/model/gguf_file.h"

namespace bitswitch::model {
namespace {

using kernels::GgmlType;

// llama.cpp's llama_ftype for a file whose linears are `type`.
uint32_t file_type_of(GgmlType type) {
    switch (type) {
        case GgmlType::kF32:
            return 0;
        case GgmlType::kF16:
            return 1;
        case GgmlType::kQ4_0:
            return 2;
        case GgmlType::kQ8_0:
            return 7;
        case GgmlType::kI8:  // not a type export_gguf writes
            return 0;
    }
    return 0;
}

/// A float tensor (rows x n, or a vector) encoded as `type`, row by row.
std::vector<uint8_t> encode(const torch::Tensor& t, GgmlType type) {
    const auto x       = t.detach().to(torch::kFloat32).contiguous();
    const int64_t n    = x.size(-1);
    const int64_t rows = x.numel() / n;
    std::vector<uint8_t> bytes(size_t(kernels::ggml_row_bytes(type, n) * rows));
    const float* data = x.data_ptr<float>();
    for (int64_t r = 0; r < rows; ++r)
        kernels::ggml_encode_row(type, data + r * n, n, bytes.data() + r * kernels::ggml_row_bytes(type, n));
    return bytes;
}

class TensorSink {
  public:
    TensorSink(GgufWriter& writer, GgufExportSummary& summary) : writer_(writer), summary_(summary) {}
    /// A matrix (rows, n) -> ne {n, rows}; a vector (n) -> ne {n}.
    void add(const std::string& name, const torch::Tensor& t, GgmlType type) {
        std::vector<int64_t> ne{t.size(-1)};
        if (t.dim() == 2) ne.push_back(t.size(0));
        auto bytes = encode(t, type);
        summary_.bytes += int64_t(bytes.size());
        summary_.tensors += 1;
        writer_.add_tensor(name, ne, type, std::move(bytes));
    }

  private:
    GgufWriter& writer_;
    GgufExportSummary& summary_;
};

void add_tokenizer(GgufWriter& w, const text::BpeTokenizer& tokenizer) {
    std::vector<std::string> tokens;
    std::vector<int32_t> types;  // llama_token_type: 1 normal, 3 control
    const int32_t eot = tokenizer.end_of_text_id();
    for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
        tokens.push_back(id == eot ? std::string("<|endoftext|>") : tokenizer.printable_token(id));
        types.push_back(id == eot ? 3 : 1);
    }
    w.add_string("tokenizer.ggml.model", "gpt2");
    w.add_string("tokenizer.ggml.pre", "gpt-2");
    w.add_strings("tokenizer.ggml.tokens", tokens);
    w.add_i32s("tokenizer.ggml.token_type", types);
    w.add_strings("tokenizer.ggml.merges", tokenizer.printable_merges());
    if (eot >= 0) {
        w.add_u32("tokenizer.ggml.bos_token_id", uint32_t(eot));
        w.add_u32("tokenizer.ggml.eos_token_id", uint32_t(eot));
    }
    w.add_bool("tokenizer.ggml.add_bos_token", false);  // GPT-2 scores text as it is
}

}  // namespace

GgufExportSummary export_gguf(const LoadedModel& loaded, const quant::PrecisionConfig& config,
                              const text::BpeTokenizer& tokenizer, GgmlType type,
                              const std::filesystem::path& path) {
    torch::NoGradGuard no_grad;
    auto qa       = loaded.gpt2();
    auto& gpt2    = *qa->transformer;
    const auto& c = gpt2.config;
    if (tokenizer.vocab_size() != c.vocab_size)
        throw InputError(
            fmt::format("{}: the tokenizer has {} tokens, the model {}; GGUF needs them equal "
                        "(pass --tokenizer with the model's vocabulary)",
                        loaded.path().string(), tokenizer.vocab_size(), c.vocab_size));
    if (kernels::ggml_type_is_blocked(type) &&
        (c.n_embd % kernels::kGgmlBlockValues != 0 || c.inner_dim() % kernels::kGgmlBlockValues != 0))
        throw InputError(
            fmt::format("{}: {} needs n_embd and the MLP width to be multiples of {} (they are "
                        "{} and {}); export F16 or F32",
                        loaded.path().string(), kernels::ggml_type_name(type), kernels::kGgmlBlockValues,
                        c.n_embd, c.inner_dim()));
    GgufExportSummary summary;
    int64_t quantized_inputs = 0, quantized_caches = 0;
    for (const auto& [unit, p] : config.units) {
        if (unit.rfind("h.", 0) != 0) continue;  // the head is not in the file at all
        const bool cache = unit.size() > 3 && unit.compare(unit.size() - 3, 3, ".kv") == 0;
        if (cache ? p.bits.kv != quant::kFullPrecisionBits : p.bits.a != quant::kFullPrecisionBits)
            ++(cache ? quantized_caches : quantized_inputs);
    }
    if (quantized_inputs > 0)
        summary.notes.push_back(
            fmt::format("activation quantization of {} units is not in the file (llama.cpp "
                        "quantizes activations its own way)",
                        quantized_inputs));
    if (quantized_caches > 0)
        summary.notes.push_back(
            fmt::format("KV-cache quantization of {} blocks is not in the file", quantized_caches));
    if (c.activation_function != "gelu_new")
        summary.notes.push_back(
            fmt::format("activation {}: llama.cpp's gpt2 runs the tanh GELU", c.activation_function));
    summary.notes.push_back(
        "the QA span head (qa_outputs) is not in the file: GGUF holds the language model");

    GgufWriter w;
    w.add_string("general.architecture", "gpt2");
    w.add_string("general.name", loaded.path().filename().string());
    w.add_u32("general.file_type", file_type_of(type));
    if (kernels::ggml_type_is_blocked(type)) w.add_u32("general.quantization_version", 2);
    w.add_string("bitswitch.precision", config.source);
    w.add_u32("gpt2.context_length", uint32_t(c.n_positions));
    w.add_u32("gpt2.embedding_length", uint32_t(c.n_embd));
    w.add_u32("gpt2.feed_forward_length", uint32_t(c.inner_dim()));
    w.add_u32("gpt2.block_count", uint32_t(c.n_layer));
    w.add_u32("gpt2.attention.head_count", uint32_t(c.n_head));
    w.add_f32("gpt2.attention.layer_norm_epsilon", float(c.layer_norm_epsilon));
    add_tokenizer(w, tokenizer);

    const GgmlType dense       = type == GgmlType::kF16 ? GgmlType::kF16 : GgmlType::kF32;
    const bool quantize_levels = !kernels::ggml_type_is_blocked(type);
    TensorSink sink(w, summary);
    sink.add("token_embd.weight", gpt2.wte->weight, dense);
    sink.add("position_embd.weight", gpt2.wpe->weight, GgmlType::kF32);
    for (int64_t i = 0; i < c.n_layer; ++i) {
        auto& block         = *gpt2.blocks[size_t(i)];
        const std::string b = fmt::format("blk.{}.", i), u = fmt::format("h.{}.", i);
        const auto linear = [&](const char* name, quant::QuantLoRALinearImpl& l, const std::string& unit) {
            sink.add(b + name + ".weight", l.merged_weight(config.at(u + unit), quantize_levels), type);
            sink.add(b + name + ".bias", l.bias, GgmlType::kF32);
        };
        sink.add(b + "attn_norm.weight", block.ln_1->weight, GgmlType::kF32);
        sink.add(b + "attn_norm.bias", block.ln_1->bias, GgmlType::kF32);
        linear("attn_qkv", *block.attn->c_attn, "attn.c_attn");
        linear("attn_output", *block.attn->c_proj, "attn.c_proj");
        sink.add(b + "ffn_norm.weight", block.ln_2->weight, GgmlType::kF32);
        sink.add(b + "ffn_norm.bias", block.ln_2->bias, GgmlType::kF32);
        linear("ffn_up", *block.mlp->c_fc, "mlp.c_fc");
        linear("ffn_down", *block.mlp->c_proj, "mlp.c_proj");
    }
    sink.add("output_norm.weight", gpt2.ln_f->weight, GgmlType::kF32);
    sink.add("output_norm.bias", gpt2.ln_f->bias, GgmlType::kF32);
    sink.add("output.weight", gpt2.wte->weight, dense);  // the tied LM head
    w.write(path);
    return summary;
}

}  // namespace bitswitch::model
