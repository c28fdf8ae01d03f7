// Flag groups shared by several commands, so each flag has one spelling, help text and default.
#pragma once

#include <CLI/CLI.hpp>

#include "bitswitch/data/qa_features.h"
#include "bitswitch/eval/postprocess.h"

namespace bitswitch::cli {

inline void add_feature_flags(CLI::App* cmd, data::FeatureOptions& f) {
    cmd->add_option("--max_seq_length", f.max_seq_length, "Tokens per window, question included")->capture_default_str();
    cmd->add_option("--doc_stride", f.doc_stride, "Context tokens shared by consecutive windows")->capture_default_str();
    cmd->add_option("--max_question_length", f.max_question_length, "Questions are cut to their first N tokens")
        ->capture_default_str();
}

inline void add_postprocess_flags(CLI::App* cmd, eval::PostprocessOptions& p) {
    cmd->add_option("--n_best_size", p.n_best_size, "Start/end candidates per window")->capture_default_str();
    cmd->add_option("--max_answer_length", p.max_answer_length, "Longest answer in tokens")->capture_default_str();
    cmd->add_flag("--version_2_with_negative", p.version_2_with_negative, "SQuAD 2.0: allow the empty answer");
    cmd->add_option("--null_score_diff_threshold", p.null_score_diff_threshold,
                    "SQuAD 2.0: answer \"\" when null score - best span score exceeds this")
        ->capture_default_str();
}

}  // namespace bitswitch::cli
