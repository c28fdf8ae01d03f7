// HF GPT-2 checkpoints: name mapping, Conv1D transposition, dtype conversion, strict checks.
#include "bitswitch/model/checkpoint.h"

#include <regex>
#include <set>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/model/safetensors.h"

namespace bitswitch::model {
namespace {

// Conv1D layers of HF GPT-2 store their weight as [in, out]; ours is [out, in].
bool is_conv1d_weight(const std::string& name) {
    static const std::regex conv1d(
        R"((transformer\.)?h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight)");
    return std::regex_match(name, conv1d);
}

// Base (non-adapter) parameters of the model, keyed by GPT2ForQuestionAnswering names.
std::map<std::string, torch::Tensor> base_parameters(const Gpt2ForQuestionAnswering& model) {
    std::map<std::string, torch::Tensor> params;
    for (const auto& p : model->named_parameters()) {
        if (p.key().find(".lora_") == std::string::npos) params.emplace(p.key(), p.value());
    }
    return params;
}

bool ignored(const std::string& name) {
    static const std::regex buffers(R"((transformer\.)?h\.\d+\.attn\.(bias|masked_bias))");
    return name == "lm_head.weight" || std::regex_match(name, buffers);
}

}  // namespace

bool load_weights(Gpt2ForQuestionAnswering& model, const std::filesystem::path& file) {
    const SafetensorsReader reader(file);
    const auto params = base_parameters(model);
    // Files of a bare GPT2Model have no "transformer." prefix.
    const bool prefixed = std::any_of(reader.entries().begin(), reader.entries().end(),
                                      [](const auto& e) { return e.first.rfind("transformer.", 0) == 0; });
    std::set<std::string> loaded;
    torch::NoGradGuard no_grad;
    for (const auto& [stored_name, entry] : reader.entries()) {
        if (ignored(stored_name)) continue;
        std::string name = stored_name;
        if (!prefixed && name.rfind("qa_outputs.", 0) != 0) name = "transformer." + name;
        const auto it = params.find(name);
        if (it == params.end()) {
            throw InputError(
                fmt::format("{}: unexpected tensor \"{}\" (not part of GPT-2)", file.string(), stored_name));
        }
        const auto type = safetensors_dtype(entry.dtype);
        if (type != torch::kFloat32 && type != torch::kFloat16 && type != torch::kBFloat16) {
            throw InputError(fmt::format("{}: tensor \"{}\" has dtype {}; expected F32, F16 or BF16",
                                         file.string(), stored_name, entry.dtype));
        }
        torch::Tensor t = reader.tensor(stored_name).to(torch::kFloat32);
        if (is_conv1d_weight(name)) t = t.t();
        if (t.sizes() != it->second.sizes()) {
            throw InputError(fmt::format(
                "{}: tensor \"{}\" has shape [{}] but the config needs [{}]{}", file.string(), stored_name,
                fmt::join(entry.shape, ", "),
                fmt::join(is_conv1d_weight(name) ? it->second.t().sizes() : it->second.sizes(), ", "),
                is_conv1d_weight(name) ? " (Conv1D layout [in, out])" : ""));
        }
        it->second.copy_(t);
        loaded.insert(name);
    }
    const bool has_head = loaded.count("qa_outputs.weight") > 0;
    for (const auto& [name, p] : params) {
        if (loaded.count(name)) continue;
        if (!has_head && name.rfind("qa_outputs.", 0) == 0) continue;
        throw InputError(fmt::format("{}: missing tensor \"{}\"", file.string(), name));
    }
    return has_head;
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
    for (const auto& [name, p] : base_parameters(model)) {
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
