// HF GPT-2 checkpoints: name mapping, Conv1D transposition, dtype conversion, strict checks.
#include "bitswitch/model/checkpoint.h"

#include <algorithm>
#include <regex>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/model/checkpoint_tensors.h"
#include "bitswitch/model/safetensors.h"

namespace bitswitch::model {
namespace {

// Conv1D layers of HF GPT-2 store their weight as [in, out]; ours is [out, in].
bool is_conv1d_weight(const std::string& name) {
    static const std::regex conv1d(
        R"((transformer\.)?h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight)");
    return std::regex_match(name, conv1d);
}

bool ignored(const std::string& name) {
    static const std::regex buffers(R"((transformer\.)?h\.\d+\.attn\.(bias|masked_bias))");
    return name == "lm_head.weight" || std::regex_match(name, buffers);
}

}  // namespace

bool load_weights(Gpt2ForQuestionAnswering& model, const std::filesystem::path& file) {
    const SafetensorsReader reader(file);
    // Files of a bare GPT2Model have no "transformer." prefix.
    const bool prefixed = std::any_of(reader.entries().begin(), reader.entries().end(),
                                      [](const auto& e) { return e.first.rfind("transformer.", 0) == 0; });
    TensorNaming naming;
    naming.family    = "GPT-2";
    naming.parameter = [&](const std::string& stored) -> std::optional<std::string> {
        if (ignored(stored)) return std::nullopt;
        if (!prefixed && stored.rfind("qa_outputs.", 0) != 0) return "transformer." + stored;
        return stored;
    };
    naming.transposed = is_conv1d_weight;
    naming.is_head    = [](const std::string& name) { return name.rfind("qa_outputs.", 0) == 0; };
    return copy_checkpoint_tensors(reader, base_parameters(*model), naming);
}

PretrainedModel load_pretrained(const std::filesystem::path& dir) {
    if (!std::filesystem::is_directory(dir)) {
        throw InputError(
            fmt::format("{}: not a model folder (expected config.json + model.safetensors)", dir.string()));
    }
    const auto config = load_gpt2_config(dir / "config.json");
    PretrainedModel out;
    out.model = Gpt2ForQuestionAnswering(config);
    if (!std::filesystem::exists(dir / "model.safetensors")) {
        throw InputError(
            fmt::format("{}: no model.safetensors (PyTorch .bin files are not read: convert them with "
                        "transformers' save_pretrained(safe_serialization=True))",
                        dir.string()));
    }
    out.qa_head_initialized = !load_weights(out.model, dir / "model.safetensors");
    return out;
}

void save_pretrained(const Gpt2ForQuestionAnswering& model, const std::filesystem::path& dir,
                     torch::ScalarType dtype, bool include_qa_head) {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& [name, p] : base_parameters(*model)) {
        if (!include_qa_head && name.rfind("qa_outputs.", 0) == 0) continue;
        torch::Tensor t = p.detach();
        if (is_conv1d_weight(name)) t = t.t();
        tensors.emplace_back(name, t.to(dtype).contiguous());
    }
    std::filesystem::create_directories(dir);
    core::write_file_atomic(dir / "config.json", gpt2_config_json(model->transformer->config));
    save_safetensors(dir / "model.safetensors", tensors, {{"format", "pt"}});
}

}  // namespace bitswitch::model
