#include "bitswitch/train/train_config.h"

#include <fmt/format.h>

#include "bitswitch/core/error.h"
#include "bitswitch/train/lr_schedule.h"

namespace bitswitch::train {

std::vector<quant::PrecisionLevel> levels_of(const TrainConfig& c) {
    quant::LevelLists lists = c.level_lists;
    if (lists.ranks.empty()) lists.ranks = {c.lora.rank};
    if (lists.alphas.empty()) lists.alphas = {c.lora.alpha};
    if (lists.dropouts.empty()) lists.dropouts = {c.lora.dropout};
    return quant::make_levels(lists);
}

void validate(const TrainConfig& c) {
    const auto require = [](bool ok, const std::string& message) {
        if (!ok) throw InputError(message);
    };
    require(!c.model_name_or_path.empty(), "--model_name_or_path is required");
    require(!c.train_file.empty(), "--train_file is required");
    require(!c.output_dir.empty(), "--output_dir is required");
    require(c.finetune == "lora" || c.finetune == "full", fmt::format("--finetune {}: expected lora or full", c.finetune));
    require(c.lora.rank > 0, fmt::format("--lora_r {} must be positive", c.lora.rank));
    require(c.lora.dropout >= 0 && c.lora.dropout < 1, fmt::format("--lora_dropout {} must be in [0, 1)", c.lora.dropout));
    require(c.per_device_train_batch_size > 0, "--per_device_train_batch_size must be positive");
    require(c.per_device_eval_batch_size > 0, "--per_device_eval_batch_size must be positive");
    require(c.gradient_accumulation_steps > 0, "--gradient_accumulation_steps must be positive");
    require(c.max_steps > 0 || c.num_train_epochs > 0, "give --max_steps N or a positive --num_train_epochs");
    require(c.max_grad_norm >= 0, "--max_grad_norm must not be negative");
    require(c.weight_decay >= 0, "--weight_decay must not be negative");
    require(c.warmup_ratio >= 0 && c.warmup_ratio < 1, "--warmup_ratio must be in [0, 1)");
    require(c.logging_steps > 0, "--logging_steps must be positive");
    require(c.eval_steps >= 0 && c.save_steps >= 0, "--eval_steps and --save_steps must not be negative");
    validate(LrSchedule{c.lr_scheduler_type, c.learning_rate, c.warmup_steps, 1});
    require(c.mode == "static", fmt::format("--mode {}: expected static (switchable, random and cyclic training are not built yet)", c.mode));
    require(!c.qa_head_lora || c.finetune == "lora", "--qa_head_lora needs --finetune lora");
    const auto levels = levels_of(c);
    require(levels.size() == 1, fmt::format("--mode static trains one precision level, got {}: give one value to --w_bits/--a_bits/--kv_bits", levels.size()));
    data::validate(c.features);
}

nlohmann::ordered_json to_json(const TrainConfig& c) {
    return {{"model_name_or_path", c.model_name_or_path},
            {"train_file", c.train_file},
            {"validation_file", c.validation_file},
            {"output_dir", c.output_dir},
            {"tokenizer", c.tokenizer_dir},
            {"finetune", c.finetune},
            {"lora_r", c.lora.rank},
            {"lora_alpha", c.lora.alpha},
            {"lora_dropout", c.lora.dropout},
            {"qa_head_lora", c.qa_head_lora},
            {"mode", c.mode},
            {"w_bits", c.level_lists.w_bits},
            {"a_bits", c.level_lists.a_bits},
            {"kv_bits", c.level_lists.kv_bits},
            {"ranks", c.level_lists.ranks},
            {"alphas", c.level_lists.alphas},
            {"dropouts", c.level_lists.dropouts},
            {"quantization", quant::to_json(c.quant)},
            {"learning_rate", c.learning_rate},
            {"weight_decay", c.weight_decay},
            {"adam_beta1", c.adam_beta1},
            {"adam_beta2", c.adam_beta2},
            {"adam_epsilon", c.adam_epsilon},
            {"lr_scheduler_type", c.lr_scheduler_type},
            {"warmup_steps", c.warmup_steps},
            {"warmup_ratio", c.warmup_ratio},
            {"per_device_train_batch_size", c.per_device_train_batch_size},
            {"per_device_eval_batch_size", c.per_device_eval_batch_size},
            {"gradient_accumulation_steps", c.gradient_accumulation_steps},
            {"max_grad_norm", c.max_grad_norm},
            {"max_steps", c.max_steps},
            {"num_train_epochs", c.num_train_epochs},
            {"seed", c.seed},
            {"logging_steps", c.logging_steps},
            {"eval_steps", c.eval_steps},
            {"save_steps", c.save_steps},
            {"max_train_samples", c.max_train_samples},
            {"max_eval_samples", c.max_eval_samples},
            {"max_seq_length", c.features.max_seq_length},
            {"doc_stride", c.features.doc_stride},
            {"max_question_length", c.features.max_question_length},
            {"n_best_size", c.postprocess.n_best_size},
            {"max_answer_length", c.postprocess.max_answer_length},
            {"version_2_with_negative", c.postprocess.version_2_with_negative},
            {"null_score_diff_threshold", c.postprocess.null_score_diff_threshold}};
}

}  // namespace bitswitch::train
