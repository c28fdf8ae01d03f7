// Everything `bitswitch train` can be told, with Hugging Face run_qa.py / TrainingArguments names and
// defaults where they exist. validate() checks cross-field rules before any work starts.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "bitswitch/data/qa_features.h"
#include "bitswitch/eval/postprocess.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quant_settings.h"

namespace bitswitch::train {

struct TrainConfig {
    std::string model_name_or_path;  // HF folder (config.json + model.safetensors)
    std::string train_file;          // SQuAD JSON
    std::string validation_file;     // SQuAD JSON, optional: evaluation every eval_steps and at the end
    std::string output_dir;
    std::string tokenizer_dir;  // default: the model folder if it has tokenizer files, else the shipped ones
    std::string finetune = "lora";  // lora: frozen base, train adapters + QA head; full: train everything
    quant::LoRAOptions lora{8, 16.0, 0.05};  // defaults for the levels' ranks, alphas, dropouts
    bool qa_head_lora =
        false;  // LoRA runs: the QA head also gets one adapter per level (its weights train too)
    std::string mode = "static";    // static, switchable, random, cyclic (train/objectives.h)
    quant::LevelLists level_lists;  // --w_bits, --a_bits, --kv_bits, --ranks, --alphas, --dropouts
    quant::QuantSettings quant;
    // switchable
    std::vector<double> loss_scale;         // per level, high to low; default 1/L each
    std::string switch_loss     = "avg";    // avg | cascade
    std::string switch_schedule = "joint";  // joint (every level every step) | sequential
    // distillation (cascade and teacher)
    std::string kd_loss   = "kl";  // kl | mse
    double kd_temperature = 2.0;
    double distill_weight = 1.0;  // β
    std::string teacher;          // "" | a model folder | "self-fp"
    // random
    std::string random_granularity = "layer";  // layer (each block and the head) | model
    std::vector<double> sample_probs;          // per level, high to low; default uniform
    // cyclic
    int num_cyclic_period = 32;
    int num_bit_min = 4, num_bit_max = 8;
    std::vector<int> cyclic_w_bits_schedule, cyclic_a_bits_schedule;  // {min, max}; a default: follows w
    std::string cyclic_schedule = "cosine";                           // cosine | triangular | cosine-updown
    std::string cyclic_adapter  = "shared";  // shared (single-LoRA CPT) | nearest (the nearest level's)
    bool prt                    = false;     // Precision Range Test picks the minimum bits first
    int64_t prt_steps           = 10;
    double prt_threshold        = 0.2;

    double learning_rate = 5e-4;
    double weight_decay  = 0.0;  // not applied to biases and LayerNorm weights (transformers' rule)
    double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_epsilon = 1e-8;
    std::string lr_scheduler_type   = "linear";
    int64_t warmup_steps            = 0;
    double warmup_ratio             = 0.0;  // used when warmup_steps is 0
    int per_device_train_batch_size = 8;
    int per_device_eval_batch_size  = 16;
    int gradient_accumulation_steps = 1;
    double max_grad_norm            = 1.0;  // 0 = no clipping
    int64_t max_steps               = -1;   // > 0 overrides num_train_epochs
    double num_train_epochs         = 3.0;
    int64_t seed                    = 42;
    int64_t logging_steps           = 10;
    int64_t eval_steps              = 0;   // 0 = evaluate only at the end
    int64_t save_steps              = 0;   // 0 = checkpoint only at the end
    int64_t max_train_samples       = -1;  // first N questions (-1 = all)
    int64_t max_eval_samples        = -1;
    bool resume                     = false;  // continue from the newest checkpoint-N in output_dir
    bool overwrite_output_dir       = false;
    bool skip_invalid               = false;
    data::FeatureOptions features;
    eval::PostprocessOptions postprocess;
    int threads          = 0;     // 0 = all available cores
    int64_t dist_timeout = 1800;  // data parallel: seconds before a missing or stuck rank is an error
    /// Stop after this many optimizer steps as if the process were killed there (no final save or eval):
    /// for testing --resume and for splitting a long run into jobs. -1 = run to the end.
    int64_t interrupt_after_steps = -1;
};

/// The precision levels of the run, high to low: level_lists with the LoRA defaults filled in (one fp
/// level when no bits are given).
std::vector<quant::PrecisionLevel> levels_of(const TrainConfig& config);

/// InputError naming the flag for every inconsistent or out-of-range setting.
void validate(const TrainConfig& config);

nlohmann::ordered_json to_json(const TrainConfig& config);

}  // namespace bitswitch::train
