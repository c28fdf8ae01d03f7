// HF RoBERTa checkpoints: name mapping, dtype conversion, strict checks.
#include "bitswitch/model/encoder_checkpoint.h"

#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/model/safetensors.h"

namespace bitswitch::model {
namespace {

std::map<std::string, torch::Tensor> base_parameters(const RobertaForTask& model) {
    std::map<std::string, torch::Tensor> params;
    for (const auto& p : model->named_parameters()) {
        if (p.key().find(".lora_") == std::string::npos) params.emplace(p.key(), p.value());
    }
    return params;
}

bool starts_with(const std::string& s, const char* prefix) {
    return s.rfind(prefix, 0) == 0;
}

bool ignored(const std::string& name) {
    return starts_with(name, "lm_head.") || starts_with(name, "pooler.") ||
           starts_with(name, "roberta.pooler.") || name == "embeddings.position_ids" ||
           name == "roberta.embeddings.position_ids";
}

bool is_head(const std::string& name) {
    return starts_with(name, "classifier.") || starts_with(name, "qa_outputs.");
}

}  // namespace

PretrainedEncoder load_encoder_pretrained(const std::filesystem::path& dir, EncoderHead head,
                                          int64_t num_labels) {
    if (!std::filesystem::is_directory(dir)) {
        throw InputError(
            fmt::format("{}: not a model folder (expected config.json + model.safetensors)", dir.string()));
    }
    auto config = load_encoder_config(dir / "config.json");
    if (num_labels > 0 && int64_t(config.labels.size()) != num_labels) {
        config.labels.clear();
        for (int64_t i = 0; i < num_labels; ++i) config.labels.push_back(fmt::format("LABEL_{}", i));
    }
    const auto file = dir / "model.safetensors";
    if (!std::filesystem::exists(file)) {
        throw InputError(
            fmt::format("{}: no model.safetensors (PyTorch .bin files are not read: convert them with "
                        "transformers' save_pretrained(safe_serialization=True))",
                        dir.string()));
    }
    if (head == EncoderHead::kSequenceClassification && config.labels.empty()) {
        throw InputError(
            fmt::format("{}: config.json has no labels (id2label or num_labels) for a classification "
                        "head; give the task's number of classes",
                        (dir / "config.json").string()));
    }
    PretrainedEncoder out;
    out.model         = RobertaForTask(config, head);
    const auto params = base_parameters(out.model);
    const SafetensorsReader reader(file);
    std::set<std::string> loaded;
    torch::NoGradGuard no_grad;
    for (const auto& [stored_name, entry] : reader.entries()) {
        if (ignored(stored_name)) continue;
        // A bare RobertaModel's names have no "roberta." prefix.
        const std::string name = is_head(stored_name) || starts_with(stored_name, "roberta.")
                                     ? stored_name
                                     : "roberta." + stored_name;
        if (is_head(stored_name) && !params.count(name)) continue;  // the other task's head
        const auto it = params.find(name);
        if (it == params.end()) {
            throw InputError(fmt::format("{}: unexpected tensor \"{}\" (not part of RoBERTa)", file.string(),
                                         stored_name));
        }
        const auto type = safetensors_dtype(entry.dtype);
        if (type != torch::kFloat32 && type != torch::kFloat16 && type != torch::kBFloat16) {
            throw InputError(fmt::format("{}: tensor \"{}\" has dtype {}; expected F32, F16 or BF16",
                                         file.string(), stored_name, entry.dtype));
        }
        const torch::Tensor t = reader.tensor(stored_name).to(torch::kFloat32);
        if (t.sizes() != it->second.sizes()) {
            throw InputError(fmt::format("{}: tensor \"{}\" has shape [{}] but the config needs [{}]{}",
                                         file.string(), stored_name, fmt::join(entry.shape, ", "),
                                         fmt::join(it->second.sizes(), ", "),
                                         is_head(name) ? " (a head for another number of labels?)" : ""));
        }
        it->second.copy_(t);
        loaded.insert(name);
    }
    bool head_in_file = false;
    for (const auto& [name, p] : params) head_in_file |= is_head(name) && loaded.count(name);
    for (const auto& [name, p] : params) {
        if (loaded.count(name) || (is_head(name) && !head_in_file)) continue;
        throw InputError(fmt::format("{}: missing tensor \"{}\"", file.string(), name));
    }
    out.head_initialized = !head_in_file;
    return out;
}

void save_encoder_pretrained(const RobertaForTask& model, const std::filesystem::path& dir,
                             torch::ScalarType dtype, bool include_head) {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& [name, p] : base_parameters(model)) {
        if (include_head || !is_head(name)) tensors.emplace_back(name, p.detach().to(dtype).contiguous());
    }
    std::filesystem::create_directories(dir);
    core::write_file_atomic(dir / "config.json", encoder_config_json(model->roberta->config));
    save_safetensors(dir / "model.safetensors", tensors, {{"format", "pt"}});
}

}  // namespace bitswitch::model
