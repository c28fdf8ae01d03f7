#include "support/train_fixture.h"

#include <torch/torch.h>

#include "bitswitch/data/synth.h"
#include "bitswitch/model/checkpoint.h"
#include "support/tiny_model.h"

namespace bitswitch::testing {

TrainFixture::TrainFixture() {
    auto cfg        = tiny_config();
    cfg.vocab_size  = 50257;
    cfg.n_positions = 128;
    torch::manual_seed(7);
    model::Gpt2ForQuestionAnswering m(cfg);
    model_dir = (dir.path() / "base").string();
    model::save_pretrained(m, model_dir);
    train_file = dir.write("train.json", data::synth_squad_json({40, 1, 2, 1, false, false})).string();
}

train::TrainConfig TrainFixture::config(const std::string& out) const {
    train::TrainConfig c;
    c.model_name_or_path           = model_dir;
    c.train_file                   = train_file;
    c.output_dir                   = (dir.path() / out).string();
    c.features.max_seq_length      = 96;
    c.features.doc_stride          = 32;
    c.features.max_question_length = 24;
    c.per_device_train_batch_size  = 4;
    c.max_steps                    = 3;
    c.logging_steps                = 1;
    c.lora                         = {2, 4.0, 0.0};
    return c;
}

}  // namespace bitswitch::testing
