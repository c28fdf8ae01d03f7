// Family dispatch for model folders.
#include "bitswitch/model/task_model.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/model/checkpoint.h"
#include "bitswitch/model/encoder_checkpoint.h"

namespace bitswitch::model {
namespace {

nlohmann::json read_config(const std::filesystem::path& dir) {
    if (!std::filesystem::is_directory(dir)) {
        throw InputError(
            fmt::format("{}: not a model folder (expected config.json + model.safetensors)", dir.string()));
    }
    const auto file = dir / "config.json";
    if (!std::filesystem::exists(file)) {
        throw InputError(fmt::format(
            "{}: no config.json (a model folder holds config.json + model.safetensors)", dir.string()));
    }
    return core::read_json_file(file);
}

}  // namespace

ModelFamily model_family_of(const std::filesystem::path& dir) {
    const auto config = read_config(dir);
    if (!config.is_object() || !config.contains("model_type")) return ModelFamily::kGpt2;
    const auto& type = config["model_type"];
    for (const auto& [family, name] : kModelFamilyNames) {
        if (type.is_string() && type.get<std::string>() == name) return family;
    }
    throw InputError(fmt::format("{}: model_type {} is not supported (use {})",
                                 (dir / "config.json").string(), type.dump(),
                                 core::enum_choices(kModelFamilyNames)));
}

TaskHead task_head_of(const std::filesystem::path& dir) {
    if (model_family_of(dir) != ModelFamily::kRoberta) return TaskHead::kQuestionAnswering;
    return load_encoder_config(dir / "config.json").labels.empty() ? TaskHead::kQuestionAnswering
                                                                   : TaskHead::kSequenceClassification;
}

TaskModel load_task_model(const std::filesystem::path& dir, TaskHead head,
                          const std::vector<std::string>& labels) {
    TaskModel out;
    out.family = model_family_of(dir);
    if (out.family == ModelFamily::kGpt2) {
        if (head != TaskHead::kQuestionAnswering) {
            throw InputError(
                fmt::format("{}: GPT-2 has no sequence classification head here; classify with "
                            "an encoder (model_type roberta)",
                            dir.string()));
        }
        auto loaded          = load_pretrained(dir);
        out.model            = loaded.model.ptr();
        out.head_initialized = loaded.qa_head_initialized;
        return out;
    }
    auto loaded =
        load_encoder_pretrained(dir,
                                head == TaskHead::kQuestionAnswering ? EncoderHead::kQuestionAnswering
                                                                     : EncoderHead::kSequenceClassification,
                                labels);
    out.model            = loaded.model.ptr();
    out.head_initialized = loaded.head_initialized;
    return out;
}

bool load_task_weights(QuantModel& model, const std::filesystem::path& file) {
    const auto owned = model.shared_from_this();  // models live in holders (TORCH_MODULE): shared
    if (auto gpt2 = std::dynamic_pointer_cast<Gpt2ForQuestionAnsweringImpl>(owned)) {
        Gpt2ForQuestionAnswering holder(gpt2);
        return load_weights(holder, file);
    }
    if (auto encoder = std::dynamic_pointer_cast<RobertaForTaskImpl>(owned)) {
        RobertaForTask holder(encoder);
        return load_encoder_weights(holder, file);
    }
    throw Error("load_task_weights: a model of no known family");
}

void save_task_model(const QuantModel& model, const std::filesystem::path& dir, torch::ScalarType dtype,
                     bool include_head) {
    // The save functions take holders; they only read the model.
    const auto owned = std::const_pointer_cast<torch::nn::Module>(model.shared_from_this());
    if (auto gpt2 = std::dynamic_pointer_cast<Gpt2ForQuestionAnsweringImpl>(owned)) {
        save_pretrained(Gpt2ForQuestionAnswering(gpt2), dir, dtype, include_head);
        return;
    }
    if (auto encoder = std::dynamic_pointer_cast<RobertaForTaskImpl>(owned)) {
        save_encoder_pretrained(RobertaForTask(encoder), dir, dtype, include_head);
        return;
    }
    throw Error("save_task_model: a model of no known family");
}

}  // namespace bitswitch::model
