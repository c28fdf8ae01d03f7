// GLUE tasks (Wang et al. 2019) in their two usual file layouts: GLUE's own tab-separated files (train.tsv,
// dev.tsv, dev_matched.tsv, ... as download_glue_data.py writes them) and JSON lines (one object per row, as
// the Hugging Face hub and SuperGLUE ship them). Each task's columns, label names and metrics are one row
// of a table; the label indices follow the Hugging Face `glue` dataset, so a model fine-tuned there reads
// its classes the same way here.
// Rows are split on tabs with no quoting, as GLUE's reference reader does (its files contain unbalanced
// quotes); a file's UTF-8 byte-order mark and CR line ends are dropped. Test files without labels load as
// unlabeled (for prediction); evaluation refuses them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "bitswitch/core/enum_names.h"

namespace bitswitch::data {

enum class GlueTask { kCola, kSst2, kMrpc, kQqp, kStsb, kMnli, kMnliMismatched, kQnli, kRte, kWnli };

inline constexpr core::EnumName<GlueTask> kGlueTaskNames[] = {{GlueTask::kCola, "cola"},
                                                              {GlueTask::kSst2, "sst2"},
                                                              {GlueTask::kMrpc, "mrpc"},
                                                              {GlueTask::kQqp, "qqp"},
                                                              {GlueTask::kStsb, "stsb"},
                                                              {GlueTask::kMnli, "mnli"},
                                                              {GlueTask::kMnliMismatched, "mnli-mm"},
                                                              {GlueTask::kQnli, "qnli"},
                                                              {GlueTask::kRte, "rte"},
                                                              {GlueTask::kWnli, "wnli"}};

/// What a task's files hold and how it is scored.
struct GlueTaskSpec {
    GlueTask task;
    /// Class names in label-index order; empty for the regression task (STS-B, scores 0..5).
    std::vector<std::string> labels;
    /// Header names of the first and second text and of the label in GLUE's TSV files (no second text:
    /// empty). CoLA's files have no header: its columns are positional (sentence 3, label 1).
    std::string tsv_text_a, tsv_text_b, tsv_label;
    /// Field names accepted in JSON lines for each text, in the order tried (GLUE's names, then SuperGLUE's).
    std::vector<std::string> json_text_a, json_text_b;
    /// The metrics GLUE reports for the task: "accuracy", "f1", "mcc", "pearson", "spearman".
    std::vector<std::string> metrics;

    bool is_regression() const { return labels.empty(); }
    bool is_pair() const { return !tsv_text_b.empty(); }
};

const GlueTaskSpec& glue_task_spec(GlueTask task);

/// The task named `name` ("sst2"; also GLUE's folder spellings "SST-2", "STS-B", "MNLI-mm", any case).
GlueTask glue_task_from_name(std::string_view name, std::string_view what = "--task");

struct GlueExample {
    std::string text_a, text_b;  // text_b empty for single-sentence tasks
    int32_t label = -1;          // class index; -1 unlabeled (and always for STS-B)
    float score   = 0.0f;        // STS-B's similarity; unused otherwise
    int64_t line  = 0;           // 1-based line in the file, for messages
};

struct GlueDataset {
    std::string path;
    GlueTask task = GlueTask::kSst2;
    std::vector<GlueExample> examples;  // in file order
    bool labeled = true;                // false: a test file without labels

    const GlueTaskSpec& spec() const { return glue_task_spec(task); }
};

struct GlueLoadOptions {
    int64_t max_examples = -1;  // keep only the first N rows (-1 = all)
};

/// Loads a task's file: JSON lines when its first non-blank byte is `{`, GLUE's TSV otherwise. A row with
/// too few columns, an empty text, a label the task does not have or a JSON line that is not an object
/// throws InputError naming the file, the line and the fix.
GlueDataset load_glue(const std::filesystem::path& path, GlueTask task, const GlueLoadOptions& options = {});

/// The same from the file's contents; messages name `name`.
GlueDataset parse_glue(std::string_view contents, const std::string& name, GlueTask task,
                       const GlueLoadOptions& options = {});

}  // namespace bitswitch::data
