// Flag groups of the analysis commands (sweep, sensitivity, search): the evaluation set and model, the
// bootstrap, and the sensitivity protocol, each spelled once.
#pragma once

#include <CLI/CLI.hpp>

#include "bitswitch/analysis/sensitivity.h"
#include "bitswitch/eval/bootstrap.h"
#include "bitswitch/eval/qa_eval.h"
#include "cli/flags.h"

namespace bitswitch::cli {

/// The model, the questions and how they are windowed, scored and quantized.
inline void add_eval_set_flags(CLI::App* cmd, eval::QaEvalConfig& e, QuantFlags& quant) {
    cmd->add_option("--model,--model_name_or_path", e.model_dir,
                    "Model folder (HF), training run folder or deployment file (export --format bitswitch)")
        ->required();
    cmd->add_option("--validation_file", e.validation_file,
                    "SQuAD v1.1/v2.0 JSON, or the GLUE task's file (TSV or JSON lines)")
        ->required();
    add_eval_task_flag(cmd, e.task);
    cmd->add_option("--tokenizer", e.tokenizer_dir,
                    "Tokenizer folder (default: the model's, else the shipped GPT-2 or RoBERTa one)");
    add_feature_flags(cmd, e.features);
    add_postprocess_flags(cmd, e.postprocess);
    add_quant_flags(cmd, quant);
    cmd->add_option("--per_device_eval_batch_size", e.batch_size)->capture_default_str();
    cmd->add_option("--max_eval_samples", e.max_eval_samples, "Use the first N questions (or GLUE rows)")
        ->capture_default_str();
    add_bool_flag(cmd, "--skip-invalid", e.skip_invalid,
                  "Drop questions whose answer_start is wrong instead of failing");
}

inline void add_bootstrap_flags(CLI::App* cmd, eval::BootstrapOptions& b) {
    const char* group = "Statistics";
    cmd->add_option("--bootstrap_resamples", b.resamples, "Bootstrap resamples over questions")
        ->capture_default_str()
        ->group(group);
    cmd->add_option("--confidence", b.confidence, "Confidence of the intervals")
        ->capture_default_str()
        ->group(group);
    cmd->add_option("--bootstrap_seed", b.seed, "Seed of the resampling")
        ->capture_default_str()
        ->group(group);
}

/// Off only to measure what the sharing saves: the results are the same bit for bit.
inline void add_prefix_cache_flag(CLI::App* cmd, bool& share_prefixes) {
    cmd->add_flag("--no_prefix_cache{false}", share_prefixes,
                  "Run every config through every block, instead of sharing the blocks before its first "
                  "change with the config run before it");
}

/// Seed 000's protocol: the base, the test levels, what changes at a time, the proxies' calibration set.
/// `test_required`: whether --test must be given (search can read an earlier analysis instead).
inline void add_sensitivity_flags(CLI::App* cmd, analysis::SensitivityConfig& c, bool test_required) {
    const char* group = "Sensitivity";
    cmd->add_option("--base", c.base, "The uniform base config the others stay at")
        ->capture_default_str()
        ->group(group);
    auto* test =
        cmd->add_option("--test", c.test_levels, "Levels each unit (or block) takes in turn, e.g. --test 4 3")
            ->group(group);
    if (test_required) test->required();
    add_enum_option(cmd, "--granularity", c.granularity, analysis::kVaryGranularityNames,
                    "Change one unit, or one block (all its units), at a time")
        ->group(group);
    cmd->add_option("--calibration_samples", c.calibration_samples,
                    "Windows (GLUE: rows), the first ones of the evaluation set, the proxies use")
        ->capture_default_str()
        ->group(group);
    add_bool_flag(cmd, "--proxies_only", c.proxies_only,
                  "Only the KL and Fisher proxies: no evaluation of every config")
        ->group(group);
}

}  // namespace bitswitch::cli
