// `bitswitch attack pgd` (run_pgd.h).
#include "bitswitch/attack/run_pgd.h"

#include <cstdio>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/model/loaded_model.h"

namespace bitswitch::attack {
namespace {

void check_rpi_flags(const RpiFlags& rpi) {
    if (rpi.draws < 1 || rpi.draws > 1000)
        throw InputError(fmt::format("--rpi_draws {} is out of range: give 1 to 1000", rpi.draws));
    if (rpi.eot_samples < 1 || rpi.eot_samples > 1000)
        throw InputError(fmt::format("--eot_samples {} is out of range: give 1 to 1000", rpi.eot_samples));
}

bool uses_random(const std::vector<PrecisionSpec>& specs) {
    for (const auto& s : specs) {
        if (s.kind != SpecKind::kFixed) return true;
    }
    return false;
}

}  // namespace

AttackReport run_pgd_attack(const PgdAttackConfig& c) {
    const auto pgd = c.preset.empty() ? c.pgd : pgd_preset(c.preset);
    validate(pgd);
    check_rpi_flags(c.rpi);
    const auto set = eval::load_eval_set(c.eval);
    check_attackable(set.dataset);
    const auto loaded = model::LoadedModel::load(c.eval.model_dir, c.eval.quant_override);
    auto& model       = loaded.model();
    model.set_engine(quant::Engine::kAuto);
    if (model.engine() == quant::Engine::kPacked) {
        throw InputError(
            fmt::format("{}: a deployment file holds packed integer weights, which have no gradients to "
                        "attack with; give "
                        "the run folder it was exported from",
                        c.eval.model_dir));
    }
    model.eval();

    std::vector<std::string> craft_texts = c.craft_at;
    if (craft_texts.empty()) {
        for (const auto& config : loaded.configs({})) craft_texts.push_back(config.source);
    }
    const auto crafts                   = parse_specs(craft_texts, loaded, /*crafting=*/true, "--craft_at");
    std::vector<std::string> eval_texts = c.eval_at;
    if (eval_texts.empty()) {
        for (const auto& s : crafts) {
            if (s.kind == SpecKind::kFixed) eval_texts.push_back(s.label);
        }
        if (uses_random(crafts)) eval_texts.push_back("rpi");
    }
    const auto evaluations = parse_specs(eval_texts, loaded, /*crafting=*/false, "--eval_at");

    RandomDefence defence;
    defence.draws       = c.rpi.draws;
    defence.eot_samples = c.rpi.eot_samples;
    defence.seed        = c.seed;
    if (uses_random(crafts) || uses_random(evaluations)) {
        defence.random = {rpi_levels(c.rpi.levels, loaded), c.rpi.probabilities, c.rpi.granularity};
        validate(defence.random, "--rpi_levels/--rpi_probs");
    }

    const double rms       = embedding_rms(model.token_embedding_table());
    const double unit      = pgd.absolute ? 1.0 : rms;
    const double eps_abs   = pgd.eps * unit;
    const double alpha_abs = pgd.alpha * unit;
    std::fprintf(stderr, "attack pgd: eps %g, alpha %g (%s; embedding RMS %.4g), %d steps, %d restart(s)\n",
                 eps_abs, alpha_abs, pgd.absolute ? "absolute" : "relative to the embedding RMS", rms,
                 pgd.steps, pgd.restarts);

    MatrixOptions options;
    options.batch_size    = c.eval.batch_size;
    options.postprocess   = c.eval.postprocess;
    options.bootstrap     = c.bootstrap;
    options.threat        = c.threat;
    const Crafter crafter = [&](const data::Batch& batch, const torch::Tensor& attackable,
                                const PrecisionSpec& craft, int64_t batch_index) {
        const StepConfigs configs = [&](int restart, int step) {
            return crafting_configs(craft, defence, loaded, batch_index, restart, step);
        };
        return pgd_attack(model, batch, attackable, pgd, eps_abs, alpha_abs, configs,
                          c.seed * 1000003 + uint64_t(batch_index));
    };

    AttackReport report;
    report.attack    = "pgd";
    report.model     = c.eval.model_dir;
    report.bootstrap = c.bootstrap;
    report.budget    = {{"eps", pgd.eps},
                        {"alpha", pgd.alpha},
                        {"units", pgd.absolute ? "absolute" : "embedding_rms"},
                        {"eps_absolute", eps_abs},
                        {"alpha_absolute", alpha_abs},
                        {"steps", pgd.steps},
                        {"restarts", pgd.restarts},
                        {"random_start", pgd.random_start},
                        {"perturb_question", c.threat.perturb_question},
                        {"seed", c.seed}};
    if (!c.preset.empty()) report.budget["preset"] = c.preset;
    if (uses_random(crafts) || uses_random(evaluations)) {
        report.budget["rpi"]         = defence.random.name();
        report.budget["rpi_draws"]   = defence.draws;
        report.budget["eot_samples"] = defence.eot_samples;
    }
    report.matrix =
        run_attack_matrix(loaded, set.dataset, set.features, crafts, evaluations, defence, options, crafter);
    if (!c.output_dir.empty()) write_attack_outputs(c.output_dir, report);
    return report;
}

}  // namespace bitswitch::attack
