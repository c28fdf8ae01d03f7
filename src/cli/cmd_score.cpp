// bitswitch score: next-token log-likelihood of a text file under the model's LM head.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bitswitch/core/io.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/eval/lm_score.h"
#include "bitswitch/model/adapters.h"
#include "bitswitch/text/bpe_tokenizer.h"
#include "cli/commands.h"
#include "cli/flags.h"

namespace bitswitch::cli {
namespace {

struct ScoreConfig {
    std::string model_dir, file, tokenizer_dir;
    bool per_token = false;
    int64_t stride = 0;
    int threads    = 0;
    QuantFlags quant;
    PrecisionFlags precision;
};

}  // namespace

void add_score_command(CLI::App& app) {
    auto c = std::make_shared<ScoreConfig>();
    CLI::App* cmd =
        app.add_subcommand("score", "Log-likelihood and perplexity of a text under the model's LM head");
    cmd->add_option("--model,--model_name_or_path", c->model_dir, "Model folder (HF) or training run folder")
        ->required();
    cmd->add_option("--file", c->file, "UTF-8 text file")->required();
    cmd->add_option("--tokenizer", c->tokenizer_dir,
                    "Tokenizer folder (default: the model's, else the shipped GPT-2)");
    cmd->add_flag("--per-token", c->per_token, "Also print each scored token's id and log-probability");
    cmd->add_option("--stride", c->stride,
                    "Long texts: windows of n_positions start this far apart (0 = n_positions/2)")
        ->capture_default_str();
    cmd->add_option("--threads", c->threads, "Compute threads (0 = all cores)")->capture_default_str();
    add_precision_flags(cmd, c->precision, /*many=*/false);
    add_quant_flags(cmd, c->quant);
    cmd->callback([c] {
        prepare_compute(c->threads);
        const auto tok = text::BpeTokenizer::load(core::tokenizer_dir_for(c->tokenizer_dir, c->model_dir));
        const auto ids = tok.encode(core::read_file(c->file));
        auto loaded    = model::load_model(c->model_dir);
        if (c->quant.given()) model::set_quant_settings(loaded, c->quant.settings());
        // Embeddings, LayerNorms and the tied LM head stay in full precision; blocks follow the config.
        const auto config =
            model::precision_configs(loaded, c->precision.precision, c->precision.activate_lora_idx).front();
        loaded.model->set_precision(config);
        const auto r = eval::score_tokens(loaded.model, ids, c->stride);
        nlohmann::ordered_json out{
            {"tokens", r.tokens}, {"nll", r.nll}, {"ppl", r.ppl}, {"precision", config.source}};
        if (c->per_token) {
            nlohmann::json list = nlohmann::json::array();
            for (size_t t = 0; t < r.token_logprobs.size(); ++t)
                list.push_back({{"id", ids[t + 1]}, {"logprob", r.token_logprobs[t]}});
            out["per_token"] = list;
        }
        std::printf("%s\n", out.dump().c_str());
    });
}

}  // namespace bitswitch::cli
