// PGD on input embeddings (pgd.h).
#include "bitswitch/attack/pgd.h"

#include <cmath>

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/attack/frozen_parameters.h"
#include "bitswitch/core/error.h"
#include "bitswitch/model/qa_head.h"

namespace bitswitch::attack {
namespace {

void check_positive(double value, const std::string& flag) {
    if (!(value > 0) || !std::isfinite(value))
        throw InputError(fmt::format("{} {} is out of range: give a positive number", flag, value));
}

torch::Tensor qa_loss_at(model::QuantModel& model, const torch::Tensor& embeddings, const data::Batch& batch,
                         const quant::PrecisionConfig& config) {
    const auto [start, end] = model.forward_embeddings(embeddings, batch.attention_mask, &config);
    return model::qa_span_loss_per_example(start, end, batch.start_positions, batch.end_positions,
                                           batch.attention_mask);
}

}  // namespace

PgdOptions pgd_preset(const std::string& name) {
    if (name == "seed001") return PgdOptions{0.1, 0.01, 5, 1, true, true};
    throw InputError(fmt::format("--preset {}: unknown (known: seed001)", name));
}

void validate(const PgdOptions& o, const std::string& flag_prefix) {
    check_positive(o.eps, flag_prefix + "eps");
    check_positive(o.alpha, flag_prefix + "alpha");
    if (o.steps < 1 || o.steps > 10000)
        throw InputError(fmt::format("{}steps {} is out of range: give 1 to 10000", flag_prefix, o.steps));
    if (o.restarts < 1 || o.restarts > 100)
        throw InputError(
            fmt::format("{}restarts {} is out of range: give 1 to 100", flag_prefix, o.restarts));
}

double embedding_rms(const torch::Tensor& table) {
    torch::NoGradGuard no_grad;
    return std::sqrt(table.to(torch::kDouble).square().mean().item<double>());
}

LossAndGradient qa_loss_and_gradient(model::QuantModel& model, const torch::Tensor& embeddings,
                                     const data::Batch& batch,
                                     const std::vector<quant::PrecisionConfig>& configs) {
    TORCH_CHECK(!configs.empty(), "qa_loss_and_gradient: no config");
    const auto x = embeddings.detach().requires_grad_(true);
    torch::Tensor loss_sum;
    torch::Tensor gradient = torch::zeros_like(x);
    for (const auto& config : configs) {
        const auto loss = qa_loss_at(model, x, batch, config);
        // Each example's loss depends on its own embeddings only, so the gradient of the sum is every
        // example's own gradient.
        gradient += torch::autograd::grad({loss.sum()}, {x})[0];
        loss_sum = loss_sum.defined() ? loss_sum + loss.detach() : loss.detach();
    }
    const double k = double(configs.size());
    return {loss_sum / k, gradient / k};
}

torch::Tensor pgd_ascent(const torch::Tensor& clean, const torch::Tensor& attackable,
                         const PgdOptions& options, double eps_abs, double alpha_abs,
                         const PgdObjective& objective, uint64_t seed) {
    const auto mask = attackable.to(clean.dtype()).unsqueeze(-1);  // (B, T, 1)
    const auto low = clean - eps_abs * mask, high = clean + eps_abs * mask;
    auto generator = at::detail::createCPUGenerator(seed);

    torch::Tensor best, best_loss;
    for (int r = 0; r < options.restarts; ++r) {
        auto x = clean.clone();
        if (options.random_start) {
            const auto noise = torch::rand(clean.sizes(), generator, clean.options()) * 2 - 1;
            x                = x + eps_abs * noise * mask;
        }
        for (int s = 0; s < options.steps; ++s) {
            const auto step = objective.loss_and_gradient(x, r, s);
            // max/min rather than clamp with tensor bounds: the same on libtorch 1.13 and 2.x.
            x = torch::max(torch::min(x + alpha_abs * step.gradient.sign() * mask, high), low);
        }
        if (options.restarts == 1) return x;
        torch::Tensor loss;
        {
            torch::NoGradGuard no_grad;
            loss = objective.end_loss(x, r);
        }
        if (!best.defined()) {
            best = x, best_loss = loss;
            continue;
        }
        const auto better = loss > best_loss;
        best              = torch::where(better.view({-1, 1, 1}), x, best);
        best_loss         = torch::where(better, loss, best_loss);
    }
    return best;
}

torch::Tensor pgd_attack(model::QuantModel& model, const data::Batch& batch, const torch::Tensor& attackable,
                         const PgdOptions& options, double eps_abs, double alpha_abs,
                         const StepConfigs& configs, uint64_t seed) {
    model::EvalModeGuard eval_mode(model);
    FrozenParameters frozen(model);
    torch::Tensor clean;
    {
        torch::NoGradGuard no_grad;
        clean = model.embed(batch.input_ids).detach();
    }
    PgdObjective objective;
    objective.loss_and_gradient = [&](const torch::Tensor& x, int restart, int step) {
        return qa_loss_and_gradient(model, x, batch, configs(restart, step));
    };
    objective.end_loss = [&](const torch::Tensor& x, int restart) {
        torch::Tensor sum;
        const auto end_configs = configs(restart, options.steps);
        for (const auto& config : end_configs) {
            const auto l = qa_loss_at(model, x, batch, config);
            sum          = sum.defined() ? sum + l : l;
        }
        return sum / double(end_configs.size());
    };
    return pgd_ascent(clean, attackable, options, eps_abs, alpha_abs, objective, seed);
}

}  // namespace bitswitch::attack
