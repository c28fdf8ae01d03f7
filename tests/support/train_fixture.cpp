#include "support/train_fixture.h"

#include <torch/torch.h>

#include "bitswitch/core/io.h"
#include "bitswitch/model/checkpoint.h"
#include "bitswitch/train/trainer.h"
#include "support/tiny_model.h"

namespace bitswitch::testing {

TrainFixture::TrainFixture(const TrainFixtureOptions& options) {
    auto cfg        = tiny_config();
    cfg.vocab_size  = 50257;  // the data pipeline uses the GPT-2 tokenizer
    cfg.n_positions = 128;
    cfg.n_embd      = options.n_embd;
    cfg.n_head      = options.n_head;
    torch::manual_seed(7);
    model::Gpt2ForQuestionAnswering m(cfg);
    model_dir = (dir.path() / "base").string();
    model::save_pretrained(m, model_dir);
    train_file = dir.write("train.json", data::synth_squad_json(options.train)).string();
    if (options.dev.paragraphs > 0)
        dev_file = dir.write("dev.json", data::synth_squad_json(options.dev)).string();
}

train::TrainConfig TrainFixture::base_config(const std::string& out) const {
    train::TrainConfig c;
    c.model_name_or_path           = model_dir;
    c.train_file                   = train_file;
    c.output_dir                   = (dir.path() / out).string();
    c.features.max_seq_length      = 96;
    c.features.doc_stride          = 32;
    c.features.max_question_length = 24;
    return c;
}

train::TrainConfig TrainFixture::config(const std::string& out) const {
    train::TrainConfig c          = base_config(out);
    c.per_device_train_batch_size = 4;
    c.max_steps                   = 3;
    c.logging_steps               = 1;
    c.lora                        = {2, 4.0, 0.0};
    return c;
}

std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path) {
    std::vector<nlohmann::json> out;
    std::istringstream in(core::read_file(path));
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
}

void train_with_interruption(train::TrainConfig config, int64_t stop_after) {
    config.interrupt_after_steps = stop_after;
    train::run_training(config);
    config.interrupt_after_steps = -1;
    config.resume                = true;
    train::run_training(config);
}

}  // namespace bitswitch::testing
