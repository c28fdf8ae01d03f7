// bitswitch train: flags (Hugging Face run_qa.py names) -> train::TrainConfig -> train::run_training.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "bitswitch/core/runtime.h"
#include "bitswitch/train/trainer.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/hf_flags.h"

namespace bitswitch::cli {
namespace {

void add_mode_flags(CLI::App* cmd, train::TrainConfig& c) {
    const char* modes = "Training modes";
    add_enum_option(cmd, "--mode", c.mode, train::kModeNames, "Training paradigm");
    cmd->add_option("--loss_scale", c.loss_scale,
                    "switchable: weight of each level's loss, high to low (default 1/L)")
        ->group(modes);
    add_enum_option(cmd, "--switch_loss", c.switch_loss, train::kSwitchLossNames,
                    "switchable: weighted sum; InstantNet's cascade (CE + β·Σ D from each higher level); "
                    "kd, seed 003's ((1-α)·CE + α·mean D from the higher levels)")
        ->group(modes);
    add_enum_option(cmd, "--switch_schedule", c.switch_schedule, train::kSwitchScheduleNames,
                    "switchable: all levels every step, or one after another")
        ->group(modes);
    add_enum_option(cmd, "--kd_loss", c.kd_loss, train::kKdLossNames,
                    "Distillation distance: T²·KL on start/end distributions, or MSE on the logits")
        ->group(modes);
    cmd->add_option("--kd_temperature", c.kd_temperature, "Temperature T of --kd_loss kl")
        ->capture_default_str()
        ->group(modes);
    cmd->add_option("--distill_weight", c.distill_weight, "β: weight of every distillation term")
        ->capture_default_str()
        ->group(modes);
    cmd->add_option("--kd_alpha", c.kd_alpha, "α: weight of the distillation in --switch_loss kd")
        ->capture_default_str()
        ->group(modes);
    cmd->add_option("--teacher", c.teacher,
                    "Distill from a fine-tuned model folder, or self-fp (this model at full precision)")
        ->group(modes);
    add_enum_option(cmd, "--random_granularity", c.random_granularity, quant::kRandomGranularityNames,
                    "random: a level per block and the head, one for the whole model, or one per unit")
        ->group(modes);
    cmd->add_option("--sample_probs", c.sample_probs,
                    "random: probability of each level, high to low (default uniform)")
        ->group(modes);
    cmd->add_option("--num_cyclic_period", c.num_cyclic_period,
                    "cyclic: periods over the run (CPT paper: 32)")
        ->capture_default_str()
        ->group(modes);
    cmd->add_option("--num_bit_min", c.num_bit_min, "cyclic: lowest bits")
        ->capture_default_str()
        ->group(modes);
    cmd->add_option("--num_bit_max", c.num_bit_max, "cyclic: highest bits (above 16 = full precision)")
        ->capture_default_str()
        ->group(modes);
    cmd->add_option("--cyclic_w_bits_schedule", c.cyclic_w_bits_schedule,
                    "cyclic: MIN MAX of the weight bits")
        ->expected(2)
        ->group(modes);
    cmd->add_option("--cyclic_a_bits_schedule", c.cyclic_a_bits_schedule,
                    "cyclic: MIN MAX of activation/KV bits (default: as w)")
        ->expected(2)
        ->group(modes);
    add_enum_option(cmd, "--cyclic_schedule", c.cyclic_schedule, train::kCyclicShapeNames,
                    "cyclic: CPT saw-tooth, up and down, or cosine up and down")
        ->group(modes);
    add_enum_option(cmd, "--cyclic_period", c.cyclic_period, train::kCyclicPeriodNames,
                    "cyclic: period length int(steps / periods) as CPT's code, or the exact fraction")
        ->group(modes);
    add_enum_option(cmd, "--cyclic_adapter", c.cyclic_adapter, train::kCyclicAdapterNames,
                    "cyclic: one shared adapter, or the nearest level's")
        ->group(modes);
    add_bool_flag(cmd, "--prt", c.prt,
                  "cyclic: a Precision Range Test picks the minimum bits before training")
        ->group(modes);
    cmd->add_option("--prt_steps", c.prt_steps, "Steps per bit-width in the precision range test")
        ->capture_default_str()
        ->group(modes);
    cmd->add_option("--prt_threshold", c.prt_threshold, "Relative loss drop that marks the minimum bits")
        ->capture_default_str()
        ->group(modes);
    const char* adversarial = "Adversarial training";
    add_enum_option(
        cmd, "--adversarial", c.adversarial, train::kAdversarialNames,
        "pgd: train every pass on PGD perturbations of its context embeddings, crafted at the pass's "
        "precision (with --mode random: Double-Win Quant's defence); docs/ROBUSTNESS.md")
        ->group(adversarial);
    cmd->add_option("--adversarial_eps", c.adversarial_pgd.eps,
                    "L-infinity radius, in units of the embedding table's RMS entry")
        ->capture_default_str()
        ->group(adversarial);
    cmd->add_option("--adversarial_alpha", c.adversarial_pgd.alpha,
                    "PGD step size, in the units of the radius")
        ->capture_default_str()
        ->group(adversarial);
    cmd->add_option("--adversarial_steps", c.adversarial_pgd.steps, "PGD steps per pass (k of PGD-k)")
        ->capture_default_str()
        ->group(adversarial);
    add_bool_flag(cmd, "--adversarial_eps_absolute", c.adversarial_pgd.absolute,
                  "Radius and step in embedding units instead")
        ->group(adversarial);
}

void add_optimizer_flags(CLI::App* cmd, train::TrainConfig& c) {
    cmd->add_option("--learning_rate", c.learning_rate, "Peak learning rate")->capture_default_str();
    cmd->add_option("--weight_decay", c.weight_decay, "AdamW weight decay (not on biases, LayerNorms)")
        ->capture_default_str();
    cmd->add_option("--adam_beta1", c.adam_beta1)->capture_default_str();
    cmd->add_option("--adam_beta2", c.adam_beta2)->capture_default_str();
    cmd->add_option("--adam_epsilon", c.adam_epsilon)->capture_default_str();
    add_enum_option(cmd, "--lr_scheduler_type", c.lr_scheduler_type, train::kLrScheduleNames,
                    "Learning-rate schedule");
    cmd->add_option("--warmup_steps", c.warmup_steps, "Linear warmup steps")->capture_default_str();
    cmd->add_option("--warmup_ratio", c.warmup_ratio,
                    "Warmup as a fraction of the steps (if --warmup_steps is 0)")
        ->capture_default_str();
    cmd->add_option("--per_device_train_batch_size", c.per_device_train_batch_size)->capture_default_str();
    cmd->add_option("--per_device_eval_batch_size", c.per_device_eval_batch_size)->capture_default_str();
    cmd->add_option("--gradient_accumulation_steps", c.gradient_accumulation_steps)->capture_default_str();
    cmd->add_option("--max_grad_norm", c.max_grad_norm,
                    "Gradient clipping (0 = off; the norm is logged either way)")
        ->capture_default_str();
    cmd->add_option("--max_steps", c.max_steps, "Optimizer steps (> 0 overrides --num_train_epochs)")
        ->capture_default_str();
    cmd->add_option("--num_train_epochs", c.num_train_epochs)->capture_default_str();
}

void add_run_flags(CLI::App* cmd, train::TrainConfig& c) {
    cmd->add_option("--seed", c.seed, "Seed of every random choice")->capture_default_str();
    cmd->add_option("--logging_steps", c.logging_steps, "Log line (and log.jsonl entry) every N steps")
        ->capture_default_str();
    cmd->add_option("--eval_steps", c.eval_steps, "Evaluate every N steps (0 = at the end only)")
        ->capture_default_str();
    cmd->add_option("--save_steps", c.save_steps, "Checkpoint every N steps (0 = at the end only)")
        ->capture_default_str();
    cmd->add_option("--save_total_limit", c.save_total_limit,
                    "Keep only the newest N checkpoint-* folders (0 = all)")
        ->capture_default_str();
    cmd->add_option("--max_train_samples", c.max_train_samples, "Use the first N training questions")
        ->capture_default_str();
    cmd->add_option("--max_eval_samples", c.max_eval_samples, "Use the first N evaluation questions")
        ->capture_default_str();
    add_bool_flag(cmd, "--resume", c.resume, "Continue from the newest checkpoint-N in --output_dir");
    add_bool_flag(cmd, "--overwrite_output_dir", c.overwrite_output_dir,
                  "Start over even if --output_dir has checkpoints");
    add_bool_flag(cmd, "--skip-invalid", c.skip_invalid,
                  "Drop questions whose answer_start is wrong instead of failing");
    cmd->add_option("--dist_timeout", c.dist_timeout,
                    "Data parallel: seconds before a missing or stuck rank is an error")
        ->capture_default_str();
}

}  // namespace

void add_train_command(CLI::App& app) {
    auto c        = std::make_shared<train::TrainConfig>();
    auto compute  = std::make_shared<ComputeFlags>();
    auto quant    = std::make_shared<QuantFlags>();
    auto task     = std::make_shared<std::string>("squad");
    CLI::App* cmd = app.add_subcommand(
        "train", "Fine-tune GPT-2 for extractive QA, or an encoder on a GLUE task (LoRA or full)");
    cmd->add_option("--config", "TOML file whose keys are the flag names below (flags given here win)");
    cmd->add_option("--model_name_or_path", c->model_name_or_path,
                    "Model folder: config.json + model.safetensors")
        ->required();
    cmd->add_option("--task", *task,
                    "squad (extractive QA), or a GLUE task (" + core::enum_choices(data::kGlueTaskNames) +
                        "): an encoder (model_type roberta) gets a classifier with the task's classes")
        ->capture_default_str();
    cmd->add_option("--train_file", c->train_file,
                    "SQuAD v1.1/v2.0 JSON, or the GLUE task's file (TSV or JSON lines) (required)");
    cmd->add_option("--validation_file", c->validation_file,
                    "A file of the same kind evaluated every --eval_steps and at the end");
    cmd->add_option("--output_dir", c->output_dir, "Run folder: model, checkpoints, log.jsonl, results")
        ->required();
    cmd->add_option("--tokenizer", c->tokenizer_dir,
                    "Tokenizer folder (default: the model's, else the shipped GPT-2 or RoBERTa one)");
    add_enum_option(cmd, "--finetune", c->finetune, train::kFinetuneNames,
                    "lora: frozen base, adapters + task head trained; full: everything; head: frozen base, "
                    "the task head alone (a linear probe, seed 004's experiment 1)");
    cmd->add_option("--lora_r,--lora_attn_dim", c->lora.rank, "LoRA rank (--lora_attn_dim: seed 002's name)")
        ->capture_default_str();
    cmd->add_option("--lora_alpha,--lora_attn_alpha", c->lora.alpha,
                    "LoRA alpha, scale alpha / r (--lora_attn_alpha: seed 002's name)")
        ->capture_default_str();
    cmd->add_option("--lora_dropout", c->lora.dropout, "Dropout on the LoRA input")->capture_default_str();
    add_bool_flag(
        cmd, "--qa_head_lora", c->qa_head_lora,
        "Give the QA head its own adapter per level too (seed 002: the most precision-sensitive layer)");
    add_mode_flags(cmd, *c);
    add_level_flags(cmd, c->level_lists);
    add_quant_flags(cmd, *quant);
    add_optimizer_flags(cmd, *c);
    add_run_flags(cmd, *c);
    add_feature_flags(cmd, c->features);
    add_postprocess_flags(cmd, c->postprocess);
    add_compute_flags(cmd, *compute);
    auto hf = std::make_shared<HfFlags>();
    add_hf_train_flags(cmd, *hf);
    cmd->callback([c, compute, quant, hf, task] {
        prepare_compute(*compute);  // may re-execute the program: warnings after it print once
        apply_hf_train_flags(*hf, *c);
        if (*task != "squad") c->task = data::glue_task_from_name(*task);
        c->bf16  = compute->bf16;
        c->quant = quant->settings();
        train::validate(*c);
        const auto r = train::run_training(*c);
        std::printf("%s\n", nlohmann::ordered_json{{"steps", r.steps},
                                                   {"train_loss", r.train_loss},
                                                   {"train_seconds", r.seconds},
                                                   {"eval", r.eval}}
                                .dump()
                                .c_str());
    });
}

}  // namespace bitswitch::cli
