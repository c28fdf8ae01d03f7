// bitswitch score: flags -> eval::ScoreConfig -> eval::run_score; prints tokens, NLL and perplexity.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bitswitch/core/runtime.h"
#include "bitswitch/eval/lm_score.h"
#include "cli/commands.h"
#include "cli/flags.h"

namespace bitswitch::cli {

void add_score_command(CLI::App& app) {
    auto c         = std::make_shared<eval::ScoreConfig>();
    auto quant     = std::make_shared<QuantFlags>();
    auto compute   = std::make_shared<ComputeFlags>();
    auto per_token = std::make_shared<bool>(false);
    CLI::App* cmd =
        app.add_subcommand("score", "Log-likelihood and perplexity of a text under the model's LM head");
    cmd->add_option("--model,--model_name_or_path", c->model_dir,
                    "Model folder (HF), training run folder or deployment file (export --format bitswitch)")
        ->required();
    cmd->add_option("--file", c->file, "UTF-8 text file")->required();
    cmd->add_option("--tokenizer", c->tokenizer_dir,
                    "Tokenizer folder (default: the model's, else the shipped GPT-2)");
    add_bool_flag(cmd, "--per-token", *per_token, "Also print each scored token's id and log-probability");
    cmd->add_option("--stride", c->stride,
                    "Long texts: windows of n_positions start this far apart (0 = n_positions/2)")
        ->capture_default_str();
    add_compute_flags(cmd, *compute);
    add_precision_flags(cmd, c->precision, c->activate_lora_idx, /*many=*/false);
    add_quant_flags(cmd, *quant);
    add_engine_flag(cmd, c->engine);
    cmd->callback([c, quant, compute, per_token] {
        c->quant_override = quant->override_settings();
        prepare_compute(*compute);
        const auto r = eval::run_score(*c);
        nlohmann::ordered_json out{{"tokens", r.score.tokens},
                                   {"nll", r.score.nll},
                                   {"ppl", r.score.ppl},
                                   {"precision", r.precision}};
        if (*per_token) {
            nlohmann::json list = nlohmann::json::array();
            for (size_t t = 0; t < r.score.token_logprobs.size(); ++t)
                list.push_back({{"id", r.ids[t + 1]}, {"logprob", r.score.token_logprobs[t]}});
            out["per_token"] = list;
        }
        std::printf("%s\n", out.dump().c_str());
    });
}

}  // namespace bitswitch::cli
