// Flag groups shared by several commands, so each flag has one spelling, help text and default.
#pragma once

#include <CLI/CLI.hpp>

#include "bitswitch/data/qa_features.h"
#include "bitswitch/eval/postprocess.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quant_settings.h"

namespace bitswitch::cli {

inline void add_feature_flags(CLI::App* cmd, data::FeatureOptions& f) {
    cmd->add_option("--max_seq_length", f.max_seq_length, "Tokens per window, question included")
        ->capture_default_str();
    cmd->add_option("--doc_stride", f.doc_stride, "Context tokens shared by consecutive windows")
        ->capture_default_str();
    cmd->add_option("--max_question_length", f.max_question_length,
                    "Questions are cut to their first N tokens")
        ->capture_default_str();
}

inline void add_postprocess_flags(CLI::App* cmd, eval::PostprocessOptions& p) {
    cmd->add_option("--n_best_size", p.n_best_size, "Start/end candidates per window")->capture_default_str();
    cmd->add_option("--max_answer_length", p.max_answer_length, "Longest answer in tokens")
        ->capture_default_str();
    cmd->add_flag("--version_2_with_negative", p.version_2_with_negative,
                  "SQuAD 2.0: allow the empty answer");
    cmd->add_option("--null_score_diff_threshold", p.null_score_diff_threshold,
                    "SQuAD 2.0: answer \"\" when null score - best span score exceeds this")
        ->capture_default_str();
}

/// How to quantize (the bits come from the levels or --precision). `given` tells whether the user set any.
struct QuantFlags {
    std::string scheme = "symmetric", weight_granularity = "channel", act_granularity = "token",
                kv_granularity = "token", act_range = "minmax";
    int64_t group_size  = 0;
    double ema_momentum = 0.9, ste_clip = 0.0;
    bool merged = false;
    std::vector<CLI::Option*> options;

    bool given() const {
        for (const auto* o : options) {
            if (o->count() > 0) return true;
        }
        return false;
    }
    quant::QuantSettings settings() const {
        return quant::quant_settings_from_flags(scheme, weight_granularity, group_size, act_granularity,
                                                kv_granularity, act_range, ema_momentum, ste_clip, merged);
    }
};

inline void add_quant_flags(CLI::App* cmd, QuantFlags& q) {
    const char* group = "Quantization";
    q.options         = {
                cmd->add_option("--quant_scheme", q.scheme,
                                "symmetric (LLM-QAT) or asymmetric (CPT: min/max, unsigned levels)")
                    ->capture_default_str()
                    ->group(group),
                cmd->add_option("--weight_granularity", q.weight_granularity,
                                "Weight ranges per: channel, group, tensor")
                    ->capture_default_str()
                    ->group(group),
                cmd->add_option("--group_size", q.group_size, "Columns per weight group (--weight_granularity group)")
                    ->capture_default_str()
                    ->group(group),
                cmd->add_option("--act_granularity", q.act_granularity, "Activation ranges per: token, tensor")
                    ->capture_default_str()
                    ->group(group),
                cmd->add_option("--kv_granularity", q.kv_granularity,
                                "K/V ranges per: token (across heads, LLM-QAT) or head")
                    ->capture_default_str()
                    ->group(group),
                cmd->add_option("--act_range", q.act_range,
                                "minmax of each tensor, or ema: ranges tracked in training (asymmetric)")
                    ->capture_default_str()
                    ->group(group),
                cmd->add_option("--ema_momentum", q.ema_momentum, "EMA momentum of --act_range ema")
                    ->capture_default_str()
                    ->group(group),
                cmd->add_option("--ste_clip", q.ste_clip,
                                "Zero the straight-through gradient where |x| >= this (LLM-QAT: 2; 0 = off)")
                    ->capture_default_str()
                    ->group(group),
                cmd->add_flag("--merged_quant", q.merged,
                              "Quantize W + (alpha/r)·B·A (the deployed weight) instead of W")
                    ->group(group),
    };
}

/// The seeds' precision-level flags: lists of equal length, or one value for every level.
inline void add_level_flags(CLI::App* cmd, quant::LevelLists& l) {
    const char* group = "Precision levels";
    cmd->add_option("--w_bits", l.w_bits, "Weight bits per level (2..16, 32 = full precision)")->group(group);
    cmd->add_option("--a_bits", l.a_bits, "Activation bits per level (default: w_bits)")->group(group);
    cmd->add_option("--kv_bits", l.kv_bits, "K/V bits per level (default: a_bits)")->group(group);
    cmd->add_option("--ranks", l.ranks, "LoRA rank per level (default: --lora_r)")->group(group);
    cmd->add_option("--alphas", l.alphas, "LoRA alpha per level (default: --lora_alpha)")->group(group);
    cmd->add_option("--dropouts", l.dropouts, "LoRA dropout per level (default: --lora_dropout)")
        ->group(group);
}

struct PrecisionFlags {
    std::vector<std::string> precision;
    std::vector<int> activate_lora_idx;
};

inline void add_precision_flags(CLI::App* cmd, PrecisionFlags& p, bool many) {
    cmd->add_option(
           "--precision", p.precision,
           many ? "Precision config(s) to run: 8, fp, w4a8kv8, a list of n_layer+1 levels, or a .json/.toml "
                  "file; "
                  "repeat for several (default: each trained level, or fp)"
                : "Precision config: 8, fp, w4a8kv8, a list of n_layer+1 levels, or a .json/.toml file")
        ->group("Precision");
    cmd->add_option("--activate_lora_idx", p.activate_lora_idx,
                    "Seed 002's form: n_layer+1 indices into the trained levels (0 = highest precision)")
        ->group("Precision");
}

}  // namespace bitswitch::cli
