// Loading HF folders and run folders into one object; configs and sizes against it.
#include "bitswitch/model/loaded_model.h"

#include <fmt/format.h>

#include "bitswitch/core/error.h"
#include "bitswitch/model/deployment_file.h"
#include "bitswitch/model/run_folder.h"
#include "bitswitch/model/run_metadata.h"
#include "bitswitch/model/task_model.h"

namespace bitswitch::model {

LoadedModel LoadedModel::load(const std::filesystem::path& dir,
                              const std::optional<quant::QuantSettings>& quant_override) {
    if (is_deployment_file(dir)) return load_deployment_file(dir, quant_override);
    LoadedModel m;
    m.path_                    = dir;
    const RunMetadata run      = read_run_metadata(dir);
    std::filesystem::path base = dir;
    if (run.lora_run) {
        base = run.base_model;
        if (base.is_relative() && !std::filesystem::exists(base)) base = dir / base;
    }
    // A LoRA run on a GLUE task names its classifier; the base folder has none.
    auto pretrained = run.class_labels.empty()
                          ? load_task_model(base, task_head_of(base))
                          : load_task_model(base, TaskHead::kSequenceClassification, run.class_labels);
    m.model_        = pretrained.model;
    if (auto gpt2 = std::dynamic_pointer_cast<Gpt2ForQuestionAnsweringImpl>(m.model_))
        m.gpt2_ = Gpt2ForQuestionAnswering(gpt2);
    m.qa_head_initialized_ = pretrained.head_initialized;
    if (run.has_file) {
        m.adapters_       = run.adapters;
        m.trained_levels_ = m.adapters_.levels;
    }
    if (run.lora_run) {
        load_adapters(*m.model_, dir);
        m.qa_head_initialized_ = false;
        if (m.adapters_.shared_adapter.empty() && m.adapters_.levels.size() <= 1) {
            // One adapter (a static run, or a run saved before precision levels) serves every bit-width:
            // evaluating it at other bits is post-training quantization of base + adapter.
            m.adapters_.shared_adapter =
                m.adapters_.levels.empty() ? adapter_names(*m.model_).front() : m.adapters_.levels[0].name();
        }
    } else {
        m.adapters_.levels.clear();  // a full fine-tuning run has no adapters: its levels give bits only
    }
    if (quant_override)
        m.set_quant_settings(*quant_override);
    else if (run.quantization)
        m.set_quant_settings(*run.quantization);
    load_quant_ranges(*m.model_, dir);
    m.model_->set_precision(m.configs({}).front());
    return m;
}

LoadedModel LoadedModel::wrap(std::shared_ptr<QuantModel> model, quant::AdapterSet adapters,
                              const quant::QuantSettings& settings, const std::filesystem::path& path) {
    LoadedModel m;
    m.path_  = path;
    m.model_ = std::move(model);
    if (auto gpt2 = std::dynamic_pointer_cast<Gpt2ForQuestionAnsweringImpl>(m.model_))
        m.gpt2_ = Gpt2ForQuestionAnswering(gpt2);
    m.adapters_       = std::move(adapters);
    m.trained_levels_ = m.adapters_.levels;
    m.set_quant_settings(settings);
    return m;
}

Gpt2ForQuestionAnswering LoadedModel::gpt2() const {
    if (!gpt2_)
        throw InputError(fmt::format("{}: not a GPT-2 (this command needs its LM head)", path_.string()));
    return gpt2_;
}

void LoadedModel::set_quant_settings(const quant::QuantSettings& settings) {
    quant_ = settings;
    model_->set_quant_settings(settings);
}

std::vector<quant::PrecisionConfig> LoadedModel::configs(const std::vector<std::string>& texts,
                                                         const std::vector<int>& level_indices) const {
    const auto& units = model_->units();
    std::vector<quant::PrecisionConfig> out;
    for (const auto& t : texts) out.push_back(quant::parse_precision(t, units, adapters_));
    if (!level_indices.empty())
        out.push_back(quant::precision_from_level_indices(level_indices, units, adapters_, path_.string()));
    if (out.empty()) {
        for (const auto& text : default_configs_)
            out.push_back(quant::parse_precision(text, units, adapters_));
    }
    if (out.empty()) {
        for (const auto& level : trained_levels_)
            out.push_back(quant::parse_precision(level.name(), units, adapters_));
        if (out.empty()) out.push_back(quant::parse_precision("fp", units, adapters_));
    }
    for (auto& c : out) {
        if (quant_.fp_head) c = quant::with_full_precision_head(std::move(c), units);
        model_->check_precision(c);
    }
    return out;
}

quant::PrecisionConfig LoadedModel::config(const std::string& text) const {
    return configs({text}).front();
}

quant::ModelSize LoadedModel::size_of(const quant::PrecisionConfig& config) const {
    return quant::model_size(model_->units(), config, model_->full_precision_parameters(), quant_);
}

}  // namespace bitswitch::model
