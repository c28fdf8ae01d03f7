// Everything `bitswitch train` can be told, with Hugging Face run_qa.py / TrainingArguments names and
// defaults where they exist; every default is a member initializer here (or in the option structs it
// holds). Choices are enums with one name table each: the CLI parses with them, validate() checks
// cross-field rules with them and to_json writes their names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/attack/pgd.h"
#include "bitswitch/core/enum_names.h"
#include "bitswitch/data/glue.h"
#include "bitswitch/data/qa_features.h"
#include "bitswitch/eval/evaluator.h"
#include "bitswitch/eval/postprocess.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quant_settings.h"
#include "bitswitch/quant/random_precision.h"
#include "bitswitch/train/bit_schedule.h"
#include "bitswitch/train/lr_schedule.h"

namespace bitswitch::train {

/// lora: frozen base, adapters on every block linear + the task head trained; full: everything trains;
/// head: frozen base, no adapters, the task head alone trains (seed 004's experiment 1, a linear probe).
enum class Finetune { kLora, kFull, kHead };
inline constexpr core::EnumName<Finetune> kFinetuneNames[] = {
    {Finetune::kLora, "lora"}, {Finetune::kFull, "full"}, {Finetune::kHead, "head"}};

/// The training paradigms (train/planner.h says what a step of each computes).
enum class Mode { kStatic, kSwitchable, kRandom, kCyclic };
inline constexpr core::EnumName<Mode> kModeNames[] = {{Mode::kStatic, "static"},
                                                      {Mode::kSwitchable, "switchable"},
                                                      {Mode::kRandom, "random"},
                                                      {Mode::kCyclic, "cyclic"}};

/// Switchable: what a level learns from the levels above it (train/objective.h has the formulas): nothing
/// (the losses weighted and summed, seed 000's avg_loss), InstantNet's cascade (CE + β·Σ D), or seed 003's
/// distillation from every higher level ((1 − α)·CE + α·mean D).
enum class SwitchLoss { kAvg, kCascade, kKd };
inline constexpr core::EnumName<SwitchLoss> kSwitchLossNames[] = {
    {SwitchLoss::kAvg, "avg"}, {SwitchLoss::kCascade, "cascade"}, {SwitchLoss::kKd, "kd"}};

/// Switchable: every level at every step, or the levels one after another.
enum class SwitchSchedule { kJoint, kSequential };
inline constexpr core::EnumName<SwitchSchedule> kSwitchScheduleNames[] = {
    {SwitchSchedule::kJoint, "joint"}, {SwitchSchedule::kSequential, "sequential"}};

/// The distillation distance: T²·KL on the start/end distributions, or MSE on the logits.
enum class KdLoss { kKl, kMse };
inline constexpr core::EnumName<KdLoss> kKdLossNames[] = {{KdLoss::kKl, "kl"}, {KdLoss::kMse, "mse"}};

/// Random: a level per unit group (each block and the head) or one for the whole model.

/// Cyclic: one shared adapter (single-LoRA CPT) or the adapter of the level nearest the step's bits.
enum class CyclicAdapter { kShared, kNearest };
inline constexpr core::EnumName<CyclicAdapter> kCyclicAdapterNames[] = {{CyclicAdapter::kShared, "shared"},
                                                                        {CyclicAdapter::kNearest, "nearest"}};

/// --adversarial: what each training pass's inputs are.
enum class Adversarial { kNone, kPgd };
inline constexpr core::EnumName<Adversarial> kAdversarialNames[] = {{Adversarial::kNone, "none"},
                                                                    {Adversarial::kPgd, "pgd"}};

struct TrainConfig {
    std::string model_name_or_path;  // HF folder (config.json + model.safetensors)
    /// The task: extractive QA on SQuAD files (unset), or a GLUE task (its files, GLUE's TSV or JSON lines;
    /// the model gets a sequence classification head with the task's classes: an encoder only).
    std::optional<data::GlueTask> task;
    std::string train_file;       // SQuAD JSON, or the GLUE task's file
    std::string validation_file;  // the same, optional: evaluation every eval_steps and at the end
    std::string output_dir;
    std::string tokenizer_dir;  // default: the model folder if it has tokenizer files, else the shipped ones
    Finetune finetune = Finetune::kLora;
    quant::LoRAOptions lora;  // defaults of the levels' ranks, alphas, dropouts
    bool qa_head_lora =
        false;  // LoRA runs: the QA head also gets one adapter per level (its weights train too)
    Mode mode = Mode::kStatic;
    quant::LevelLists level_lists;  // --w_bits, --a_bits, --kv_bits, --ranks, --alphas, --dropouts
    quant::QuantSettings quant;
    // switchable
    std::vector<double> loss_scale;  // per level, high to low; default 1/L each
    SwitchLoss switch_loss         = SwitchLoss::kAvg;
    SwitchSchedule switch_schedule = SwitchSchedule::kJoint;
    // distillation (cascade, kd and teacher)
    KdLoss kd_loss        = KdLoss::kKl;
    double kd_temperature = 2.0;
    double distill_weight = 1.0;  // β
    double kd_alpha       = 0.5;  // α of --switch_loss kd
    std::string teacher;          // "" | a model folder | "self-fp"
    // random
    quant::RandomGranularity random_granularity = quant::RandomGranularity::kLayer;
    std::vector<double> sample_probs;  // per level, high to low; default uniform
    // cyclic
    int num_cyclic_period = 32;
    int num_bit_min = 4, num_bit_max = 8;
    std::vector<int> cyclic_w_bits_schedule, cyclic_a_bits_schedule;  // {min, max}; a default: follows w
    CyclicShape cyclic_schedule  = CyclicShape::kCosine;
    CyclicPeriod cyclic_period   = CyclicPeriod::kCpt;  // period length: CPT's integer or the exact fraction
    CyclicAdapter cyclic_adapter = CyclicAdapter::kShared;
    bool prt                     = false;  // Precision Range Test picks the minimum bits first
    int64_t prt_steps            = 10;
    double prt_threshold         = 0.2;
    // adversarial training (Madry et al.; with mode random: Double-Win Quant's random precision training):
    // every pass trains on PGD perturbations of its batch's context embeddings crafted at its own precision
    Adversarial adversarial = Adversarial::kNone;
    attack::PgdOptions adversarial_pgd{0.1, 0.03, 3, 1, true, false};  // eps, alpha (RMS units), PGD-3

    double learning_rate = 5e-4;
    double weight_decay  = 0.0;  // not applied to biases and LayerNorm weights (transformers' rule)
    double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_epsilon = 1e-8;
    LrScheduleType lr_scheduler_type = LrScheduleType::kLinear;
    int64_t warmup_steps             = 0;
    double warmup_ratio              = 0.0;  // used when warmup_steps is 0
    int per_device_train_batch_size  = 8;
    int per_device_eval_batch_size   = eval::EvalOptions{}.batch_size;
    int gradient_accumulation_steps  = 1;
    double max_grad_norm             = 1.0;  // 0 = no clipping (the norm is still logged)
    bool bf16                 = false;  // HF's --bf16: linear products on bfloat16 operands (ops/matmul.h)
    int64_t max_steps         = -1;     // > 0 overrides num_train_epochs
    double num_train_epochs   = 3.0;
    int64_t seed              = 42;
    int64_t logging_steps     = 10;
    int64_t eval_steps        = 0;   // 0 = evaluate only at the end
    int64_t save_steps        = 0;   // 0 = checkpoint only at the end
    int save_total_limit      = 0;   // keep the newest N checkpoints (0 = all)
    int64_t max_train_samples = -1;  // first N questions (-1 = all)
    int64_t max_eval_samples  = -1;
    bool resume               = false;  // continue from the newest checkpoint-N in output_dir
    bool overwrite_output_dir = false;
    bool skip_invalid         = false;
    data::FeatureOptions features;
    eval::PostprocessOptions postprocess;
    int64_t dist_timeout = 1800;  // data parallel: seconds before a missing or stuck rank is an error
    /// Stop after this many optimizer steps as if the process were killed there (no final save or eval):
    /// for testing --resume and for splitting a long run into jobs. -1 = run to the end.
    int64_t interrupt_after_steps = -1;
};

/// The precision levels of the run, high to low: level_lists with the LoRA defaults filled in (one fp
/// level when no bits are given; cyclic runs without levels: the schedule's two ends).
std::vector<quant::PrecisionLevel> levels_of(const TrainConfig& config);

/// The paradigm a command line means when it names none: cyclic when it gives a cyclic flag (seed 002's
/// cyclic run_qa.py takes --num_cyclic_period alone; seed 000's --is_cyclic_precision), switchable for
/// several levels (seed 000's train.py with --w_bits 4 6 8), else static.
Mode default_mode(const TrainConfig& config, bool cyclic_flag_given);

/// "squad", or the GLUE task's name (data::kGlueTaskNames).
std::string task_name(const TrainConfig& config);

/// InputError naming the flag for every inconsistent or out-of-range setting.
void validate(const TrainConfig& config);

nlohmann::ordered_json to_json(const TrainConfig& config);

}  // namespace bitswitch::train
