// Reading and tokenizing a run's training and evaluation files.
#include "bitswitch/train/task_data.h"

#include <fmt/format.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/model/encoder_config.h"
#include "bitswitch/model/task_model.h"

namespace bitswitch::train {
namespace {

data::SquadDataset load_squad_file(const std::string& path, int64_t max_samples, bool skip_invalid) {
    data::SquadLoadOptions options;
    options.skip_invalid = skip_invalid;
    options.max_examples = max_samples;
    return data::load_squad(path, options);
}

void load_squad_data(const TrainConfig& c, TaskData& d) {
    const auto tok = text::BpeTokenizer::load(core::tokenizer_dir_for(c.tokenizer_dir, c.model_name_or_path));
    d.squad_train  = load_squad_file(c.train_file, c.max_train_samples, c.skip_invalid);
    d.qa_train     = data::build_features(d.squad_train, tok, c.features);
    if (d.qa_train.empty()) throw InputError(fmt::format("{}: no training questions", c.train_file));
    if (!c.validation_file.empty()) {
        d.squad_eval = load_squad_file(c.validation_file, c.max_eval_samples, c.skip_invalid);
        d.qa_eval    = data::build_features(d.squad_eval, tok, c.features);
    }
}

void load_glue_data(const TrainConfig& c, TaskData& d) {
    const std::filesystem::path model_dir = c.model_name_or_path;
    if (model::model_family_of(model_dir) != model::ModelFamily::kRoberta) {
        throw InputError(fmt::format(
            "--task {}: {} is a GPT-2; sequence classification needs an encoder (config.json model_type "
            "\"roberta\", for example one made by `bitswitch pretrain --model_type roberta`)",
            task_name(c), model_dir.string()));
    }
    const data::EncoderFraming framing(c.tokenizer_dir, model_dir, c.features.max_seq_length,
                                       model::load_encoder_config(model_dir / "config.json").max_tokens());
    data::GlueLoadOptions options;
    options.max_examples  = c.max_train_samples;
    d.glue_train          = data::load_glue(c.train_file, *c.task, options);
    d.glue_train_features = framing.features(d.glue_train);
    if (d.glue_train.examples.empty()) throw InputError(fmt::format("{}: no training rows", c.train_file));
    if (!d.glue_train.labeled) {
        throw InputError(fmt::format("{}: the rows have no labels (a test split?): train on a labeled split",
                                     c.train_file));
    }
    if (!c.validation_file.empty()) {
        options.max_examples = c.max_eval_samples;
        d.glue_eval          = data::load_glue(c.validation_file, *c.task, options);
        d.glue_eval_features = framing.features(d.glue_eval);
    }
}

}  // namespace

size_t TaskData::train_examples() const {
    return is_glue() ? glue_train.examples.size() : squad_train.examples.size();
}

size_t TaskData::train_count() const {
    return is_glue() ? glue_train_features.ids.size() : qa_train.size();
}

BatchSampler::MakeBatch TaskData::batches() const {
    if (is_glue()) {
        return [this](const std::vector<size_t>& indices) {
            return data::make_classification_batch(glue_train_features, indices);
        };
    }
    return [this](const std::vector<size_t>& indices) { return data::make_batch(qa_train, indices); };
}

TaskData load_task_data(const TrainConfig& c) {
    TaskData d;
    if (c.task)
        load_glue_data(c, d);
    else
        load_squad_data(c, d);
    return d;
}

}  // namespace bitswitch::train
