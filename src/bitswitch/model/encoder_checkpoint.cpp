// HF RoBERTa checkpoints: name mapping, dtype conversion, strict checks.
#include "bitswitch/model/encoder_checkpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/model/checkpoint_tensors.h"
#include "bitswitch/model/safetensors.h"

namespace bitswitch::model {
namespace {

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

bool load_encoder_weights(RobertaForTask& model, const std::filesystem::path& file) {
    const auto params = base_parameters(*model);
    TensorNaming naming;
    naming.family    = "RoBERTa";
    naming.parameter = [&](const std::string& stored) -> std::optional<std::string> {
        if (ignored(stored)) return std::nullopt;
        if (is_head(stored)) return params.count(stored) ? std::optional<std::string>(stored) : std::nullopt;
        // A bare RobertaModel's names have no "roberta." prefix.
        return starts_with(stored, "roberta.") ? stored : "roberta." + stored;
    };
    naming.is_head = is_head;
    return copy_checkpoint_tensors(SafetensorsReader(file), params, naming);
}

PretrainedEncoder load_encoder_pretrained(const std::filesystem::path& dir, EncoderHead head,
                                          const std::vector<std::string>& labels) {
    if (!std::filesystem::is_directory(dir)) {
        throw InputError(
            fmt::format("{}: not a model folder (expected config.json + model.safetensors)", dir.string()));
    }
    auto config = load_encoder_config(dir / "config.json");
    if (!labels.empty()) config.labels = labels;
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
    out.model               = RobertaForTask(config, head);
    const bool head_in_file = load_encoder_weights(out.model, file);
    out.head_initialized    = !head_in_file;
    return out;
}

void save_encoder_pretrained(const RobertaForTask& model, const std::filesystem::path& dir,
                             torch::ScalarType dtype, bool include_head) {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& [name, p] : base_parameters(*model)) {
        if (include_head || !is_head(name)) tensors.emplace_back(name, p.detach().to(dtype).contiguous());
    }
    std::filesystem::create_directories(dir);
    core::write_file_atomic(dir / "config.json", encoder_config_json(model->roberta->config));
    save_safetensors(dir / "model.safetensors", tensors, {{"format", "pt"}});
}

}  // namespace bitswitch::model
