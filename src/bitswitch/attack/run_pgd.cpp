// `bitswitch attack pgd` (run_pgd.h).
#include "bitswitch/attack/run_pgd.h"

#include <cstdio>

#include <fmt/format.h>
#include <torch/torch.h>

namespace bitswitch::attack {

AttackReport run_pgd_attack(const PgdAttackConfig& c) {
    const auto pgd = c.preset.empty() ? c.pgd : pgd_preset(c.preset);
    validate(pgd);
    const auto setup    = prepare_attack(c.eval, c.precision, c.seed);
    const auto& loaded  = setup.loaded;
    auto& model         = loaded.model();
    const auto& defence = setup.defence;

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
    options.group         = setup.group.get();
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
    describe_random(setup, report.budget);
    report.matrix  = run_attack_matrix(loaded, setup.set.dataset, setup.set.features, setup.crafts,
                                       setup.evaluations, defence, options, crafter);
    report.primary = setup.primary();
    if (!c.output_dir.empty() && report.primary) write_attack_outputs(c.output_dir, report);
    return report;
}

}  // namespace bitswitch::attack
