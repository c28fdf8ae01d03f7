// bitswitch pretrain: a small GPT-2 (causal LM) or RoBERTa (masked LM) from scratch on a corpus (HF folder
// out). One set of size flags serves both (GPT-2's names; the encoder's feed-forward is 4x wide as GPT-2's).
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bitswitch/train/encoder_pretrain.h"
#include "bitswitch/train/pretrain.h"
#include "cli/commands.h"
#include "cli/flags.h"

namespace bitswitch::cli {

namespace {

/// The encoder run the GPT-2-named flags describe.
train::EncoderPretrainConfig encoder_config_of(const train::PretrainConfig& c, double mask_probability) {
    train::EncoderPretrainConfig e;
    static_cast<train::PretrainSettings&>(e) = c;
    e.model.num_hidden_layers                = c.model.n_layer;
    e.model.hidden_size                      = c.model.n_embd;
    e.model.num_attention_heads              = c.model.n_head;
    e.model.intermediate_size                = c.model.inner_dim();
    e.model.max_position_embeddings          = c.model.n_positions + e.model.pad_token_id + 1;
    e.model.hidden_dropout_prob              = c.model.resid_pdrop;
    e.model.attention_probs_dropout_prob     = c.model.attn_pdrop;
    e.mask_probability                       = mask_probability;
    return e;
}

}  // namespace

void add_pretrain_command(CLI::App& app) {
    auto c          = std::make_shared<train::PretrainConfig>();
    auto compute    = std::make_shared<ComputeFlags>();
    auto model_type = std::make_shared<std::string>("gpt2");
    auto mask_p     = std::make_shared<double>(0.15);
    CLI::App* cmd   = app.add_subcommand(
          "pretrain", "Train a small GPT-2 (causal LM) or RoBERTa encoder (masked LM) from scratch on text");
    cmd->add_option("--config", "TOML file whose keys are the flag names below (flags given here win)");
    cmd->add_option("--corpus", c->corpus_files, "Text files (one document per line) and/or SQuAD JSON files")
        ->required();
    cmd->add_option("--output_dir", c->output_dir, "Model folder to write (config.json + model.safetensors)")
        ->required();
    cmd->add_option("--model_type", *model_type,
                    "gpt2: next-token prediction; roberta: masked-token prediction (BERT's 15%, 80/10/10)")
        ->check(CLI::IsMember({"gpt2", "roberta"}))
        ->capture_default_str();
    cmd->add_option("--tokenizer", c->tokenizer_dir,
                    "Tokenizer folder (default: the shipped GPT-2 files, or their RoBERTa layout)");
    cmd->add_option("--n_layer", c->model.n_layer)->capture_default_str();
    cmd->add_option("--n_embd", c->model.n_embd)->capture_default_str();
    cmd->add_option("--n_head", c->model.n_head)->capture_default_str();
    cmd->add_option("--n_positions", c->model.n_positions, "Longest sequence the model takes, in tokens")
        ->capture_default_str();
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
    cmd->add_option("--mask_probability", *mask_p, "roberta: share of each window's tokens predicted")
        ->capture_default_str();
    add_enum_option(cmd, "--save_dtype", c->save_dtype, train::kSaveDtypeNames, "dtype of model.safetensors");
    add_compute_flags(cmd, *compute);
    cmd->callback([c, compute, model_type, mask_p] {
        c->model.attn_pdrop = c->model.embd_pdrop = c->model.resid_pdrop;
        prepare_compute(*compute);
        const auto r = *model_type == "roberta"
                           ? train::run_encoder_pretraining(encoder_config_of(*c, *mask_p))
                           : train::run_pretraining(*c);
        std::printf("%s\n", nlohmann::ordered_json{{"loss", r.final_loss},
                                                   {"seconds", r.seconds},
                                                   {"corpus_tokens", r.corpus_tokens},
                                                   {"corpus_vocab", r.corpus_vocab}}
                                .dump()
                                .c_str());
    });
}

}  // namespace bitswitch::cli
