// Levels of a run, cross-field validation, the config as JSON.
#include "bitswitch/train/train_config.h"

#include <fmt/format.h>

#include "bitswitch/core/error.h"

namespace bitswitch::train {

std::vector<quant::PrecisionLevel> levels_of(const TrainConfig& c) {
    quant::LevelLists lists = c.level_lists;
    if (c.mode == Mode::kCyclic && lists.w_bits.empty()) {
        // Single-LoRA CPT: the levels are what evaluation reports, the schedule's two ends.
        const auto& w   = c.cyclic_w_bits_schedule;
        const auto& a   = c.cyclic_a_bits_schedule;
        const int w_max = w.size() == 2 ? w[1] : c.num_bit_max, w_min = w.size() == 2 ? w[0] : c.num_bit_min;
        const int a_max = a.size() == 2 ? a[1] : w_max, a_min = a.size() == 2 ? a[0] : w_min;
        const auto runnable = [](int b) { return b > 16 ? quant::kFullPrecisionBits : b; };
        lists.w_bits        = {runnable(w_max)};
        lists.a_bits        = {runnable(a_max)};
        if (runnable(w_min) != runnable(w_max) || runnable(a_min) != runnable(a_max)) {
            lists.w_bits.push_back(runnable(w_min));
            lists.a_bits.push_back(runnable(a_min));
        }
    }
    if (lists.ranks.empty()) lists.ranks = {c.lora.rank};
    if (lists.alphas.empty()) lists.alphas = {c.lora.alpha};
    if (lists.dropouts.empty()) lists.dropouts = {c.lora.dropout};
    return quant::make_levels(lists);
}

Mode default_mode(const TrainConfig& c, bool cyclic_flag_given) {
    if (cyclic_flag_given) return Mode::kCyclic;
    return levels_of(c).size() > 1 ? Mode::kSwitchable : Mode::kStatic;
}

std::string task_name(const TrainConfig& c) {
    return c.task ? core::enum_name(data::kGlueTaskNames, *c.task) : "squad";
}

void validate(const TrainConfig& c) {
    const auto require = [](bool ok, const std::string& message) {
        if (!ok) throw InputError(message);
    };
    require(!c.model_name_or_path.empty(), "--model_name_or_path is required");
    require(!c.train_file.empty(), "--train_file is required");
    require(!c.output_dir.empty(), "--output_dir is required");
    if (c.adversarial != Adversarial::kNone) attack::validate(c.adversarial_pgd, "--adversarial_");
    require(!(c.task && c.adversarial != Adversarial::kNone),
            fmt::format("--adversarial perturbs a QA context; --task {} has none: drop one of the two",
                        task_name(c)));
    quant::validate(c.lora, "--lora_r/--lora_dropout");
    require(c.per_device_train_batch_size > 0, "--per_device_train_batch_size must be positive");
    require(c.per_device_eval_batch_size > 0, "--per_device_eval_batch_size must be positive");
    require(c.gradient_accumulation_steps > 0, "--gradient_accumulation_steps must be positive");
    require(c.max_steps > 0 || c.num_train_epochs > 0, "give --max_steps N or a positive --num_train_epochs");
    require(c.max_grad_norm >= 0, "--max_grad_norm must not be negative");
    require(c.weight_decay >= 0, "--weight_decay must not be negative");
    require(c.warmup_ratio >= 0 && c.warmup_ratio < 1, "--warmup_ratio must be in [0, 1)");
    require(c.logging_steps > 0, "--logging_steps must be positive");
    require(c.eval_steps >= 0 && c.save_steps >= 0, "--eval_steps and --save_steps must not be negative");
    require(c.save_total_limit >= 0, "--save_total_limit must not be negative (0 keeps every checkpoint)");
    // Settings of one paradigm under another would be silently ignored: refuse them.
    require(c.switch_loss == SwitchLoss::kAvg || c.mode == Mode::kSwitchable,
            fmt::format("--switch_loss {} distills between a switchable run's levels: use it with --mode "
                        "switchable",
                        core::enum_name(kSwitchLossNames, c.switch_loss)));
    require(c.switch_schedule != SwitchSchedule::kSequential || c.mode == Mode::kSwitchable,
            "--switch_schedule sequential orders a switchable run's levels: use it with --mode switchable");
    require(c.sample_probs.empty() || c.mode == Mode::kRandom,
            "--sample_probs are the probabilities of --mode random: use them with it");
    validate(LrSchedule{c.lr_scheduler_type, c.learning_rate, c.warmup_steps, 1});
    require(!c.qa_head_lora || c.finetune == Finetune::kLora, "--qa_head_lora needs --finetune lora");
    const auto levels = levels_of(c);
    if (c.mode == Mode::kStatic) {
        require(levels.size() == 1,
                fmt::format("--mode static trains one precision level, got {}: give one value "
                            "to --w_bits/--a_bits/--kv_bits",
                            levels.size()));
    }
    require(c.loss_scale.empty() || c.loss_scale.size() == levels.size(),
            fmt::format("--loss_scale has {} values for {} levels", c.loss_scale.size(), levels.size()));
    require(c.sample_probs.empty() || c.sample_probs.size() == levels.size(),
            fmt::format("--sample_probs has {} values for {} levels", c.sample_probs.size(), levels.size()));
    require(c.kd_temperature > 0, "--kd_temperature must be positive");
    require(c.distill_weight >= 0, "--distill_weight must not be negative");
    require(c.kd_alpha >= 0 && c.kd_alpha <= 1, "--kd_alpha must be in [0, 1]");
    for (const auto* s : {&c.cyclic_w_bits_schedule, &c.cyclic_a_bits_schedule}) {
        require(
            s->empty() || (s->size() == 2 && (*s)[0] <= (*s)[1] && (*s)[0] >= 2 && (*s)[1] <= 32),
            "--cyclic_w_bits_schedule / --cyclic_a_bits_schedule take MIN MAX with 2 <= MIN <= MAX <= 32");
    }
    require(c.num_bit_min >= 2 && c.num_bit_min <= c.num_bit_max && c.num_bit_max <= 32,
            fmt::format("--num_bit_min {} / --num_bit_max {}: need 2 <= min <= max <= 32", c.num_bit_min,
                        c.num_bit_max));
    require(c.num_cyclic_period >= 1, "--num_cyclic_period must be positive");
    require(!(c.mode == Mode::kCyclic && c.cyclic_adapter == CyclicAdapter::kNearest &&
              c.level_lists.w_bits.empty()),
            "--cyclic_adapter nearest needs the levels whose adapters to snap to (--w_bits ...)");
    require(!c.prt || c.mode == Mode::kCyclic,
            "--prt sets the cyclic schedule's minimum: use it with --mode cyclic");
    require(c.dist_timeout > 0, "--dist_timeout must be positive");
    require(c.prt_steps > 0 && c.prt_threshold > 0, "--prt_steps and --prt_threshold must be positive");
    // A GLUE row is one sequence cut to --max_seq_length (text/sequence_format.h says when that is too
    // short): the QA windows' stride and question length do not apply.
    if (!c.task) data::validate(c.features);
    require(c.features.max_seq_length > 0, "--max_seq_length must be positive");
}

nlohmann::ordered_json to_json(const TrainConfig& c) {
    using core::enum_name;
    return {{"model_name_or_path", c.model_name_or_path},
            {"task", task_name(c)},
            {"train_file", c.train_file},
            {"validation_file", c.validation_file},
            {"output_dir", c.output_dir},
            {"tokenizer", c.tokenizer_dir},
            {"finetune", enum_name(kFinetuneNames, c.finetune)},
            {"lora_r", c.lora.rank},
            {"lora_alpha", c.lora.alpha},
            {"lora_dropout", c.lora.dropout},
            {"qa_head_lora", c.qa_head_lora},
            {"mode", enum_name(kModeNames, c.mode)},
            {"loss_scale", c.loss_scale},
            {"switch_loss", enum_name(kSwitchLossNames, c.switch_loss)},
            {"switch_schedule", enum_name(kSwitchScheduleNames, c.switch_schedule)},
            {"kd_loss", enum_name(kKdLossNames, c.kd_loss)},
            {"kd_temperature", c.kd_temperature},
            {"distill_weight", c.distill_weight},
            {"kd_alpha", c.kd_alpha},
            {"bf16", c.bf16},
            {"teacher", c.teacher},
            {"random_granularity", enum_name(quant::kRandomGranularityNames, c.random_granularity)},
            {"sample_probs", c.sample_probs},
            {"num_cyclic_period", c.num_cyclic_period},
            {"num_bit_min", c.num_bit_min},
            {"num_bit_max", c.num_bit_max},
            {"cyclic_w_bits_schedule", c.cyclic_w_bits_schedule},
            {"cyclic_a_bits_schedule", c.cyclic_a_bits_schedule},
            {"cyclic_schedule", enum_name(kCyclicShapeNames, c.cyclic_schedule)},
            {"cyclic_period", enum_name(kCyclicPeriodNames, c.cyclic_period)},
            {"cyclic_adapter", enum_name(kCyclicAdapterNames, c.cyclic_adapter)},
            {"prt", c.prt},
            {"prt_steps", c.prt_steps},
            {"prt_threshold", c.prt_threshold},
            {"adversarial", enum_name(kAdversarialNames, c.adversarial)},
            {"adversarial_eps", c.adversarial_pgd.eps},
            {"adversarial_alpha", c.adversarial_pgd.alpha},
            {"adversarial_steps", c.adversarial_pgd.steps},
            {"adversarial_eps_absolute", c.adversarial_pgd.absolute},
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
            {"lr_scheduler_type", enum_name(kLrScheduleNames, c.lr_scheduler_type)},
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
            {"save_total_limit", c.save_total_limit},
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
