// What a QA server serves: one loaded model on the packed engine (or fake quantization), its tokenizer, the
// window and answer-selection options, and the precision configs requests name, resolved once and kept.
// Thread-safe: any number of threads may answer at once, each batch at its own precision (the model takes
// the precision per call; quantized weights are packed once per level, behind the layer's lock).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/data/qa_features.h"
#include "bitswitch/eval/evaluator.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/serve/qa_request.h"
#include "bitswitch/text/bpe_tokenizer.h"

namespace bitswitch::serve {

class QaService {
  public:
    /// With `only` configs, the model keeps just their packed weights (QuantModel::keep_only_packed: memory
    /// is their bits) and the first of them is the default; otherwise every config the model can run is
    /// served.
    QaService(model::LoadedModel model, text::BpeTokenizer tokenizer, data::FeatureOptions features,
              eval::PostprocessOptions postprocess, quant::Engine engine,
              const std::vector<std::string>& only = {});

    /// The config a request's precision names ("" = the default), resolved once; InputError naming the
    /// problem for one the model cannot run.
    std::shared_ptr<const quant::PrecisionConfig> config(const std::string& precision);
    /// Answers, in order, all at `config`; each n-best list cut to its request's n_best.
    std::vector<eval::ExamplePrediction> answer(const std::vector<QaRequest>& requests,
                                                const quant::PrecisionConfig& config);
    /// GET /v1/models: the model, its trained levels, the configs resolved so far with their sizes, and the
    /// process's resident memory.
    nlohmann::ordered_json describe();
    const std::string& default_precision() const { return default_precision_; }
    int max_n_best() const { return postprocess_.n_best_size; }

  private:
    model::LoadedModel model_;
    text::BpeTokenizer tokenizer_;
    data::FeatureOptions features_;
    eval::PostprocessOptions postprocess_;
    quant::Engine engine_;
    std::string default_precision_;
    std::mutex configs_mutex_;
    std::map<std::string, std::shared_ptr<const quant::PrecisionConfig>> configs_;
};

}  // namespace bitswitch::serve
