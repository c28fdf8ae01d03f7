// The data of a training run, for its task: SQuAD questions cut into windows (data/qa_features.h), or a
// GLUE task's rows framed as the encoder's tokenizer frames them (data/glue_features.h). The trainer samples
// training batches through `batches` and evaluates on the evaluation set, without caring which it is.
#pragma once

#include <cstddef>
#include <vector>

#include "bitswitch/data/glue.h"
#include "bitswitch/data/glue_features.h"
#include "bitswitch/data/qa_features.h"
#include "bitswitch/data/squad.h"
#include "bitswitch/train/batch_sampler.h"
#include "bitswitch/train/train_config.h"

namespace bitswitch::train {

struct TaskData {
    // QA runs
    data::SquadDataset squad_train, squad_eval;
    std::vector<data::QAFeature> qa_train, qa_eval;
    // GLUE runs
    data::GlueDataset glue_train, glue_eval;
    data::GlueFeatures glue_train_features, glue_eval_features;

    bool is_glue() const { return !glue_train.examples.empty(); }
    /// Questions or rows of the training file (as read).
    size_t train_examples() const;
    /// What batches sample: QA windows or GLUE rows.
    size_t train_count() const;
    bool has_eval() const { return !qa_eval.empty() || !glue_eval.examples.empty(); }
    /// The training batch of the examples at some indices (the data must outlive it).
    BatchSampler::MakeBatch batches() const;
};

/// Loads and tokenizes config.train_file and config.validation_file for config.task: SQuAD with the model's
/// (or the shipped GPT-2) tokenizer; GLUE with the encoder's (or the shipped RoBERTa) tokenizer and framing,
/// cut to --max_seq_length and to the encoder's positions. InputError for an empty training file or a GLUE
/// task on a model that is not an encoder.
TaskData load_task_data(const TrainConfig& config);

}  // namespace bitswitch::train
