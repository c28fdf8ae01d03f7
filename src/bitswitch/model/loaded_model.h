// A model to run, loaded once: a Hugging Face folder (GPT-2, or RoBERTa with the head its config.json
// implies: model/task_model.h), a LoRA run folder (bitswitch.json -> base model +
// adapters), a full fine-tuning run (a Hugging Face folder with a bitswitch.json), or a deployment file
// (deployment_file.h). It knows what precision
// configs resolve against (the run's levels and adapters), how the model quantizes, and what each config
// costs in bits and bytes. eval, predict, score, precision show, the trainer's teacher and, next, the
// analysis and serving commands all start from one.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bitswitch/model/gpt2.h"
#include "bitswitch/model/quant_model.h"
#include "bitswitch/quant/model_size.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quant_settings.h"

namespace bitswitch::model {

class LoadedModel {
  public:
    /// Loads `dir`, applying the run's quantization settings, or `quant_override` instead when given (the
    /// command line's). Without a --precision the model's default precision is the first of configs({}).
    static LoadedModel load(const std::filesystem::path& dir,
                            const std::optional<quant::QuantSettings>& quant_override = std::nullopt);

    /// A model built in code (tests, tools that make models), with what its configs resolve against.
    static LoadedModel wrap(std::shared_ptr<QuantModel> model, quant::AdapterSet adapters = {},
                            const quant::QuantSettings& settings = {},
                            const std::filesystem::path& path    = "(in memory)");

    /// The model behind the interface every consumer uses.
    QuantModel& model() const { return *model_; }
    std::shared_ptr<QuantModel> model_ptr() const { return model_; }
    /// The GPT-2 (for its LM head: `score`); InputError when the model is not a GPT-2.
    Gpt2ForQuestionAnswering gpt2() const;
    const std::filesystem::path& path() const { return path_; }

    /// Replaces the quantization settings (the record and the model's quantizers together).
    void set_quant_settings(const quant::QuantSettings& settings);
    const quant::QuantSettings& quant_settings() const { return quant_; }
    /// What configs resolve against: the run's levels with their adapters, or one shared adapter.
    const quant::AdapterSet& adapters() const { return adapters_; }
    /// The levels a run was trained at (empty for a bare model).
    const std::vector<quant::PrecisionLevel>& trained_levels() const { return trained_levels_; }
    /// True when the folder had no task head (qa_outputs, or a classifier): its outputs are random.
    bool qa_head_initialized() const { return qa_head_initialized_; }

    /// The configs named by `texts` (each any form of quant::parse_precision) and `level_indices` (seed 002's
    /// --activate_lora_idx), each checked against the model; with neither, each trained level uniformly, or
    /// "fp" for a model without levels.
    std::vector<quant::PrecisionConfig> configs(const std::vector<std::string>& texts,
                                                const std::vector<int>& level_indices = {}) const;
    /// What configs() gives without texts or indices, before the trained levels (a deployment file's served
    /// configs).
    void set_default_configs(std::vector<std::string> texts) { default_configs_ = std::move(texts); }
    /// One config (the first of configs(texts) with `text` alone).
    quant::PrecisionConfig config(const std::string& text) const;
    /// Bit budget and bytes of `config` on this model (quant/model_size.h).
    quant::ModelSize size_of(const quant::PrecisionConfig& config) const;

  private:
    std::filesystem::path path_;
    Gpt2ForQuestionAnswering gpt2_{nullptr};
    std::shared_ptr<QuantModel> model_;
    quant::AdapterSet adapters_;
    std::vector<quant::PrecisionLevel> trained_levels_;
    std::vector<std::string> default_configs_;
    quant::QuantSettings quant_;
    bool qa_head_initialized_ = false;
};

}  // namespace bitswitch::model
