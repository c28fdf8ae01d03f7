// Flag groups shared by several commands, so each flag has one spelling, help text and default (the
// default is the library config's member initializer, shown by --help).
#pragma once

#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bitswitch/core/enum_names.h"
#include "bitswitch/core/error.h"
#include "bitswitch/data/glue.h"
#include "bitswitch/data/qa_features.h"
#include "bitswitch/eval/postprocess.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quant_settings.h"

namespace bitswitch::cli {

/// A flag whose value is one of an enum's names (core/enum_names.h): the choices in --help come from the
/// table, a wrong name is a usage error listing them, and the default shown is the name of `value`'s
/// current value.
template <class E, size_t N>
CLI::Option* add_enum_option(CLI::App* cmd, const std::string& flag, E& value,
                             const core::EnumName<E> (&table)[N], const std::string& help) {
    return cmd
        ->add_option_function<std::string>(
            flag,
            [&value, &table, flag](const std::string& text) {
                value = core::enum_from_name(table, text, flag);
            },
            help)
        ->check(CLI::IsMember(core::enum_name_list(table)))
        ->default_str(core::enum_name(table, value));
}

/// A check for counts and sizes: a whole number of at least `min` ("--max_batch: 0 is below 1"; CLI11's
/// PositiveNumber would print the largest double as its upper bound).
inline CLI::Validator at_least(long long min) {
    return CLI::Validator(
        [min](std::string& text) -> std::string {
            long long v = 0;
            if (!CLI::detail::lexical_cast(text, v)) return text + " is not a whole number";
            return v < min ? fmt::format("{} is below {}", text, min) : std::string();
        },
        fmt::format(">= {}", min));
}

/// The value of a boolean flag in HfArgumentParser's forms: "" (the bare flag) and True/False, true/false,
/// 1/0, yes/no. InputError naming the flag otherwise.
inline bool parse_bool_flag(const std::string& text, const std::string& flag) {
    std::string t;
    for (const char ch : text) t += char(std::tolower(static_cast<unsigned char>(ch)));
    if (t.empty() || t == "true" || t == "1" || t == "yes") return true;
    if (t == "false" || t == "0" || t == "no") return false;
    throw InputError(fmt::format("{} {}: expected True or False (or the bare flag for True)", flag, text));
}

/// A boolean flag that also takes a value, as the seeds' command lines (HfArgumentParser) pass them:
/// `--bf16`, `--bf16 True`, `--bf16 False`, `--bf16=false`.
inline CLI::Option* add_bool_flag(CLI::App* cmd, const std::string& flag, bool& value,
                                  const std::string& help) {
    const std::string name = flag.substr(0, flag.find(','));
    return cmd
        ->add_option_function<std::vector<std::string>>(
            flag,
            [&value, name](const std::vector<std::string>& v) {
                value = parse_bool_flag(v.empty() ? std::string() : v.back(), name);
            },
            help)
        ->expected(0, 1)
        ->type_name("[BOOL]");  // no default_str: CLI11 would take it as the bare flag's value
}

inline void add_feature_flags(CLI::App* cmd, data::FeatureOptions& f) {
    cmd->add_option("--max_seq_length", f.max_seq_length, "Tokens per window, question included")
        ->capture_default_str();
    cmd->add_option("--doc_stride", f.doc_stride, "Context tokens shared by consecutive windows")
        ->capture_default_str();
    cmd->add_option("--max_question_length", f.max_question_length,
                    "Questions are cut to their first N tokens")
        ->capture_default_str();
}

/// The task an evaluation file is for (eval, sweep, sensitivity).
inline void add_eval_task_flag(CLI::App* cmd, std::string& task) {
    cmd->add_option("--task", task,
                    "squad, or a GLUE task (" + core::enum_choices(data::kGlueTaskNames) +
                        "); default: the task the run was trained on, else squad");
}

inline void add_postprocess_flags(CLI::App* cmd, eval::PostprocessOptions& p) {
    cmd->add_option("--n_best_size", p.n_best_size, "Start/end candidates per window")->capture_default_str();
    cmd->add_option("--max_answer_length", p.max_answer_length, "Longest answer in tokens")
        ->capture_default_str();
    add_bool_flag(cmd, "--version_2_with_negative", p.version_2_with_negative,
                  "SQuAD 2.0: allow the empty answer");
    cmd->add_option("--null_score_diff_threshold", p.null_score_diff_threshold,
                    "SQuAD 2.0: answer \"\" when null score - best span score exceeds this")
        ->capture_default_str();
}

/// How to quantize (the bits come from the levels or --precision), as the flags spell it; the defaults are
/// quant::QuantSettings's. `given` tells whether the user set any flag of the group.
struct QuantFlags {
    quant::QuantSettingsText text = quant::QuantSettingsText::of({});
    std::vector<CLI::Option*> options;

    bool given() const {
        for (const auto* o : options) {
            if (o->count() > 0) return true;
        }
        return false;
    }
    quant::QuantSettings settings() const { return quant::quant_settings_from_flags(text); }
    /// The settings when any flag was given (they then replace a run's own), else none.
    std::optional<quant::QuantSettings> override_settings() const {
        return given() ? std::optional<quant::QuantSettings>(settings()) : std::nullopt;
    }
};

inline void add_quant_flags(CLI::App* cmd, QuantFlags& q) {
    const char* group  = "Quantization";
    const auto choices = [](const auto& table) { return " (" + core::enum_choices(table) + ")"; };
    auto& t            = q.text;
    q.options          = {
                 cmd->add_option("--quant_scheme", t.scheme,
                                 "symmetric (LLM-QAT) or asymmetric (CPT: min/max, unsigned levels)" +
                                     choices(quant::kSchemeNames)),
                 cmd->add_option("--weight_granularity", t.weight_granularity,
                                 "Weight ranges per output channel, group of columns or tensor" +
                                     choices(quant::kWeightGranularityNames)),
                 cmd->add_option("--group_size", t.group_size,
                                 "Columns per weight group (--weight_granularity group)"),
                 cmd->add_option("--act_granularity", t.act_granularity,
                                 "Activation ranges per token or tensor" + choices(quant::kActGranularityNames)),
                 cmd->add_option("--kv_granularity", t.kv_granularity,
                                 "K/V ranges per token across heads (LLM-QAT) or per token and head" +
                                     choices(quant::kKvGranularityNames)),
                 cmd->add_option("--act_range", t.act_range,
                                 "Activation ranges from each tensor's min/max, or an EMA tracked in training" +
                                     choices(quant::kActRangeNames)),
                 cmd->add_option("--ema_momentum", t.ema_momentum, "EMA momentum of --act_range ema"),
                 cmd->add_option("--ste_clip", t.ste_clip,
                                 "Zero the straight-through gradient where |x| >= this (LLM-QAT: 2; 0 = off)"),
                 add_bool_flag(cmd, "--merged_quant", t.merged,
                               "Quantize W + (alpha/r)·B·A (the deployed weight) instead of W"),
                 add_bool_flag(cmd, "--quantize_bias", t.quantize_bias,
                               "Also quantize each linear's bias at its weight bits (seed 004's quantizer)"),
                 add_bool_flag(cmd, "--quantize_output", t.quantize_output,
                               "Also quantize each linear's output at its activation bits, ranges as the "
                                        "input's (seed 004's quantizer)"),
                 add_bool_flag(cmd, "--fp_head", t.fp_head,
                               "The QA head (qa_outputs) at full precision at every level, as seeds 000 and 003"),
    };
    for (auto* o : q.options) {
        o->group(group);
        if (o->get_expected_min() > 0) o->capture_default_str();
    }
}

/// --engine: fake quantization (training-faithful), the packed integer kernels, or auto (the default:
/// packed for a deployment file, fake otherwise).
inline void add_engine_flag(CLI::App* cmd, quant::Engine& engine) {
    add_enum_option(cmd, "--engine", engine, quant::kEngineNames,
                    "fake: float on fake-quantized operands (what training sees); packed: integer kernels on "
                    "packed weights, equal up to float rounding; auto: packed for a deployment file "
                    "(export --format bitswitch), fake otherwise")
        ->group("Quantization");
}

/// The seeds' precision-level flags: lists of equal length, or one value for every level.
inline void add_level_flags(CLI::App* cmd, quant::LevelLists& l) {
    const char* group = "Precision levels";
    cmd->add_option("--w_bits,--bit_widths", l.w_bits,
                    "Weight bits per level (2..16, 32 = full precision; --bit_widths: seed 003's name)")
        ->group(group);
    cmd->add_option("--a_bits", l.a_bits, "Activation bits per level (default: w_bits)")->group(group);
    cmd->add_option("--kv_bits", l.kv_bits, "K/V bits per level (default: a_bits)")->group(group);
    cmd->add_option("--ranks", l.ranks, "LoRA rank per level (default: --lora_r)")->group(group);
    cmd->add_option("--alphas", l.alphas, "LoRA alpha per level (default: --lora_alpha)")->group(group);
    cmd->add_option("--dropouts", l.dropouts, "LoRA dropout per level (default: --lora_dropout)")
        ->group(group);
}

/// Which precision configs a command runs: texts (any form of quant::parse_precision) and seed 002's indices.
inline void add_precision_flags(CLI::App* cmd, std::vector<std::string>& precision,
                                std::vector<int>& level_indices, bool many) {
    cmd->add_option(
           "--precision", precision,
           many ? "Precision config(s) to run: 8, fp, w4a8kv8, a list with one level per block (then "
                  "the head), or a .json/.toml file; repeat for several (default: each trained level, "
                  "or fp)"
                : "Precision config: 8, fp, w4a8kv8, a list with one level per block (then the head), "
                  "or a .json/.toml file")
        ->group("Precision");
    cmd->add_option(
           "--activate_lora_idx", level_indices,
           "Seed 002's form: one index into the trained levels per block, then the head (0 = highest "
           "precision)")
        ->group("Precision");
}

}  // namespace bitswitch::cli
