// The QA service behind the server (qa_service.h).
#include "bitswitch/serve/qa_service.h"

#include <algorithm>

#include <fmt/format.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/runtime.h"

namespace bitswitch::serve {

QaService::QaService(model::LoadedModel model, text::BpeTokenizer tokenizer, data::FeatureOptions features,
                     eval::PostprocessOptions postprocess, quant::Engine engine,
                     const std::vector<std::string>& only)
    : model_(std::move(model)),
      tokenizer_(std::move(tokenizer)),
      features_(std::move(features)),
      postprocess_(std::move(postprocess)),
      engine_(engine) {
    model_.model().eval();  // once, before any request: concurrent forwards must not toggle the mode
    model_.model().set_engine(engine);
    if (only.empty()) {
        default_precision_ = model_.configs({}).front().source;
        return;
    }
    if (engine != quant::Engine::kPacked)
        throw InputError("serving only some levels keeps their packed weights: it needs --engine packed");
    const auto configs = model_.configs(only);
    model_.model().keep_only_packed(configs);
    default_precision_ = configs.front().source;
}

std::shared_ptr<const quant::PrecisionConfig> QaService::config(const std::string& precision) {
    const std::string key = precision.empty() ? default_precision_ : precision;
    std::lock_guard<std::mutex> lock(configs_mutex_);
    auto& slot = configs_[key];
    if (!slot) {
        try {
            slot = std::make_shared<const quant::PrecisionConfig>(model_.config(key));
        } catch (...) {
            configs_.erase(key);
            throw;
        }
    }
    return slot;
}

std::vector<eval::ExamplePrediction> QaService::answer(const std::vector<QaRequest>& requests,
                                                       const quant::PrecisionConfig& config) {
    std::vector<eval::QuestionContext> questions;
    for (const auto& r : requests) questions.push_back({r.question, r.context});
    auto predictions =
        eval::answer_questions(model_.model(), tokenizer_, questions, features_, postprocess_, &config);
    for (size_t i = 0; i < predictions.size(); ++i) {
        auto& nbest = predictions[i].nbest;
        nbest.resize(std::min(nbest.size(), size_t(std::max(1, requests[i].n_best))));
    }
    return predictions;
}

nlohmann::ordered_json QaService::describe() {
    nlohmann::ordered_json levels = nlohmann::ordered_json::array();
    for (const auto& l : model_.trained_levels()) levels.push_back(l.name());
    nlohmann::ordered_json configs = nlohmann::ordered_json::array();
    std::lock_guard<std::mutex> lock(configs_mutex_);
    for (const auto& [text, config] : configs_) {
        const auto size = model_.size_of(*config);
        configs.push_back(
            {{"precision", text}, {"avg_weight_bits", size.avg_weight_bits}, {"model_bytes", size.bytes}});
    }
    return {{"model", model_.path().string()},
            {"engine", std::string(core::enum_name(quant::kEngineNames, engine_))},
            {"default_precision", default_precision_},
            {"resident_bytes", core::resident_bytes()},
            {"trained_levels", levels},
            {"configs", configs}};
}

}  // namespace bitswitch::serve
