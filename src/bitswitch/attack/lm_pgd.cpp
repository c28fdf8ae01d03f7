// PGD against the LM loss (lm_pgd.h).
#include "bitswitch/attack/lm_pgd.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/attack/frozen_parameters.h"
#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/model/deployment_file.h"
#include "bitswitch/model/loaded_model.h"

namespace bitswitch::attack {
namespace {

// Log-probabilities (n) of the window's scored tokens from embeddings x (1, T, C) at `config`.
torch::Tensor scored_logprobs(model::QuantModel& model, const torch::Tensor& x, const torch::Tensor& targets,
                              int64_t from, const quant::PrecisionConfig& config) {
    const int64_t n   = targets.size(0);
    const auto hidden = model.encode(x, {}, config).narrow(1, from - 1, n);  // position t - 1 predicts t
    return torch::log_softmax(model.lm_logits(hidden), -1)[0].gather(1, targets.unsqueeze(1)).squeeze(1);
}

}  // namespace

eval::LmScore pgd_lm_score(model::QuantModel& model, const std::vector<int32_t>& ids, int64_t width,
                           int64_t stride, const PgdOptions& options, double eps_abs, double alpha_abs,
                           const quant::PrecisionConfig& config, uint64_t seed) {
    model::EvalModeGuard eval_mode(model);
    FrozenParameters frozen(model);
    eval::LmScore r;
    uint64_t window_seed = seed;
    for (const auto& w : eval::lm_windows(int64_t(ids.size()), width, stride)) {
        const auto input = torch::tensor(std::vector<int64_t>(ids.begin() + w.begin, ids.begin() + w.end))
                               .view({1, w.end - w.begin});
        const auto targets = input[0].narrow(0, w.first_scored - w.begin, w.end - w.first_scored);
        const int64_t from = w.first_scored - w.begin;
        torch::Tensor clean;
        {
            torch::NoGradGuard no_grad;
            clean = model.embed(input).detach();
        }
        PgdObjective objective;
        objective.loss_and_gradient = [&](const torch::Tensor& x, int, int) {
            const auto v    = x.detach().requires_grad_(true);
            const auto loss = -scored_logprobs(model, v, targets, from, config).mean();
            return LossAndGradient{loss.detach().view({1}), torch::autograd::grad({loss}, {v})[0]};
        };
        objective.end_loss = [&](const torch::Tensor& x, int) {
            return -scored_logprobs(model, x, targets, from, config).mean().view({1});
        };
        const auto adversarial = pgd_ascent(clean, torch::ones({1, w.end - w.begin}), options, eps_abs,
                                            alpha_abs, objective, window_seed++);
        torch::NoGradGuard no_grad;
        const auto logp = scored_logprobs(model, adversarial, targets, from, config);
        for (int64_t i = 0; i < logp.size(0); ++i) {
            r.token_logprobs.push_back(logp[i].item<double>());
            r.nll -= r.token_logprobs.back();
        }
    }
    r.tokens = int64_t(r.token_logprobs.size());
    r.ppl    = r.tokens > 0 ? std::exp(r.nll / double(r.tokens)) : 1.0;
    return r;
}

LmAttackReport run_lm_attack(const LmAttackConfig& c) {
    const auto pgd = c.preset.empty() ? c.pgd : pgd_preset(c.preset);
    validate(pgd);
    const auto tokenizer = model::load_tokenizer(c.score.tokenizer_dir, c.score.model_dir);
    const auto ids       = tokenizer.encode(core::read_file(c.score.file));
    if (ids.size() < 2)
        throw InputError(
            fmt::format("{}: fewer than 2 tokens, nothing to score; give a longer text", c.score.file));
    const auto loaded = model::LoadedModel::load(c.score.model_dir, c.score.quant_override);
    auto& model       = loaded.model();
    model.set_engine(quant::Engine::kAuto);
    if (model.engine() == quant::Engine::kPacked)
        throw InputError(
            fmt::format("{}: a deployment file holds packed integer weights, which have no "
                        "gradients to attack with; give the run folder it was exported from",
                        c.score.model_dir));
    auto gpt2           = loaded.gpt2();
    const int64_t width = gpt2->transformer->config.n_positions;
    const double rms    = embedding_rms(model.token_embedding_table());
    const double unit   = pgd.absolute ? 1.0 : rms;
    LmAttackReport report;
    report.model  = c.score.model_dir;
    report.file   = c.score.file;
    report.budget = {{"eps", pgd.eps},
                     {"alpha", pgd.alpha},
                     {"units", pgd.absolute ? "absolute" : "embedding_rms"},
                     {"eps_absolute", pgd.eps * unit},
                     {"steps", pgd.steps},
                     {"restarts", pgd.restarts},
                     {"random_start", pgd.random_start},
                     {"seed", c.seed}};
    if (!c.preset.empty()) report.budget["preset"] = c.preset;
    for (const auto& config : loaded.configs(c.score.precision, c.score.activate_lora_idx)) {
        const auto started = std::chrono::steady_clock::now();
        LmAttackRow row;
        row.precision   = config.source;
        row.clean       = eval::score_tokens(gpt2, ids, c.score.stride, &config);
        row.adversarial = pgd_lm_score(model, ids, width, c.score.stride, pgd, pgd.eps * unit,
                                       pgd.alpha * unit, config, c.seed);
        row.seconds     = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::fprintf(stderr, "attack lm: %s: perplexity %.3f -> %.3f (%.1f s)\n", row.precision.c_str(),
                     row.clean.ppl, row.adversarial.ppl, row.seconds);
        report.rows.push_back(std::move(row));
    }
    return report;
}

std::string format_lm_attack(const LmAttackReport& r, eval::OutputFormat format) {
    std::string s;
    if (format == eval::OutputFormat::kMarkdown) {
        s = "| precision | tokens | clean perplexity | adversarial perplexity | NLL increase (nats/token) | "
            "seconds |\n"
            "|---|---:|---:|---:|---:|---:|\n";
        for (const auto& row : r.rows) {
            s += fmt::format(
                "| {} | {} | {:.3f} | {:.3f} | {:+.4f} | {:.1f} |\n", row.precision, row.clean.tokens,
                row.clean.ppl, row.adversarial.ppl,
                (row.adversarial.nll - row.clean.nll) / double(std::max<int64_t>(1, row.clean.tokens)),
                row.seconds);
        }
        s += fmt::format("\nlm attack on {} ({}): {}.\n", r.model, r.file, r.budget.dump());
        return s;
    }
    for (const auto& row : r.rows) {
        nlohmann::ordered_json line = {{"attack", "pgd-lm"},
                                       {"precision", row.precision},
                                       {"tokens", row.clean.tokens},
                                       {"clean_ppl", row.clean.ppl},
                                       {"adversarial_ppl", row.adversarial.ppl},
                                       {"clean_nll", row.clean.nll},
                                       {"adversarial_nll", row.adversarial.nll},
                                       {"seconds", row.seconds},
                                       {"budget", r.budget}};
        if (format == eval::OutputFormat::kJsonl) {
            s += line.dump() + "\n";
        } else {
            if (s.empty()) s = "precision,tokens,clean_ppl,adversarial_ppl,seconds\n";
            s += fmt::format("{},{},{},{},{}\n", eval::csv_field(row.precision), row.clean.tokens,
                             row.clean.ppl, row.adversarial.ppl, row.seconds);
        }
    }
    return s;
}

}  // namespace bitswitch::attack
