// bitswitch pretrain: a small GPT-2 language model from scratch on a corpus (HF folder out).
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bitswitch/train/pretrain.h"
#include "cli/commands.h"
#include "cli/flags.h"

namespace bitswitch::cli {

void add_pretrain_command(CLI::App& app) {
    auto c        = std::make_shared<train::PretrainConfig>();
    auto compute  = std::make_shared<ComputeFlags>();
    CLI::App* cmd = app.add_subcommand("pretrain", "Train a small GPT-2 language model from scratch on text");
    cmd->add_option("--config", "TOML file whose keys are the flag names below (flags given here win)");
    cmd->add_option("--corpus", c->corpus_files, "Text files (one document per line) and/or SQuAD JSON files")
        ->required();
    cmd->add_option("--output_dir", c->output_dir, "Model folder to write (config.json + model.safetensors)")
        ->required();
    cmd->add_option("--tokenizer", c->tokenizer_dir, "Tokenizer folder (default: the shipped GPT-2 files)");
    cmd->add_option("--n_layer", c->model.n_layer)->capture_default_str();
    cmd->add_option("--n_embd", c->model.n_embd)->capture_default_str();
    cmd->add_option("--n_head", c->model.n_head)->capture_default_str();
    cmd->add_option("--n_positions", c->model.n_positions)->capture_default_str();
    cmd->add_option("--dropout", c->model.resid_pdrop, "Dropout (embd, attn, resid)")->capture_default_str();
    cmd->add_option("--seq_length", c->seq_length, "Tokens per training window")->capture_default_str();
    cmd->add_option("--per_device_train_batch_size", c->batch_size)->capture_default_str();
    cmd->add_option("--max_steps", c->max_steps)->capture_default_str();
    cmd->add_option("--learning_rate", c->learning_rate, "Peak learning rate (cosine schedule)")
        ->capture_default_str();
    cmd->add_option("--weight_decay", c->weight_decay)->capture_default_str();
    cmd->add_option("--warmup_steps", c->warmup_steps)->capture_default_str();
    cmd->add_option("--logging_steps", c->logging_steps)->capture_default_str();
    cmd->add_option("--seed", c->seed)->capture_default_str();
    add_enum_option(cmd, "--save_dtype", c->save_dtype, train::kSaveDtypeNames, "dtype of model.safetensors");
    add_compute_flags(cmd, *compute);
    cmd->callback([c, compute] {
        c->model.attn_pdrop = c->model.embd_pdrop = c->model.resid_pdrop;
        prepare_compute(*compute);
        const auto r = train::run_pretraining(*c);
        std::printf("%s\n", nlohmann::ordered_json{{"loss", r.final_loss},
                                                   {"seconds", r.seconds},
                                                   {"corpus_tokens", r.corpus_tokens},
                                                   {"corpus_vocab", r.corpus_vocab}}
                                .dump()
                                .c_str());
    });
}

}  // namespace bitswitch::cli
