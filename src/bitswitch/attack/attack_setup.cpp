// Loading and resolving what an attack command was given (attack_setup.h).
#include "bitswitch/attack/attack_setup.h"

#include <fmt/format.h>

#include "bitswitch/attack/threat_model.h"
#include "bitswitch/core/error.h"

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

AttackSetup prepare_attack(const eval::QaEvalConfig& eval, const PrecisionFlags& precision, uint64_t seed) {
    const auto& rpi = precision.rpi;
    check_rpi_flags(rpi);
    auto set = eval::load_eval_set(eval);
    check_attackable(set.dataset);
    auto loaded = model::LoadedModel::load(eval.model_dir, eval.quant_override);
    auto& model = loaded.model();
    model.set_engine(quant::Engine::kAuto);
    if (model.engine() == quant::Engine::kPacked) {
        throw InputError(
            fmt::format("{}: a deployment file holds packed integer weights, which have no gradients to "
                        "attack with; give the run folder it was exported from",
                        eval.model_dir));
    }
    model.eval();

    auto craft_texts = precision.craft_at;
    for (auto& name : trained_level_names(precision.craft_level_idx, loaded, "--attack_lora_idx"))
        craft_texts.push_back(std::move(name));
    if (craft_texts.empty()) {
        for (const auto& config : loaded.configs({})) craft_texts.push_back(config.source);
    }
    auto crafts     = parse_specs(craft_texts, loaded, /*crafting=*/true, "--craft_at");
    auto eval_texts = precision.eval_at;
    for (auto& name : trained_level_names(precision.eval_level_idx, loaded, "--eval_lora_idx"))
        eval_texts.push_back(std::move(name));
    if (eval_texts.empty()) {
        for (const auto& s : crafts) {
            if (s.kind == SpecKind::kFixed) eval_texts.push_back(s.label);
        }
        if (uses_random(crafts)) eval_texts.push_back("rpi");
    }
    auto evaluations = parse_specs(eval_texts, loaded, /*crafting=*/false, "--eval_at");

    RandomDefence defence;
    defence.draws       = rpi.draws;
    defence.eot_samples = rpi.eot_samples;
    defence.seed        = seed;
    const bool random   = uses_random(crafts) || uses_random(evaluations);
    if (random) {
        defence.random = {rpi_levels(rpi.levels, loaded), rpi.probabilities, rpi.granularity};
        validate(defence.random, "--rpi_levels/--rpi_probs");
    }
    std::unique_ptr<parallel::DataParallel> group;
    if (const auto env = parallel::distributed_env_from_environment(); env.enabled())
        group = std::make_unique<parallel::DataParallel>(env, std::chrono::seconds(1800));
    return {std::move(set), std::move(loaded), std::move(crafts), std::move(evaluations), defence,
            random,         std::move(group)};
}

void describe_random(const AttackSetup& setup, nlohmann::ordered_json& budget) {
    if (!setup.random) return;
    budget["rpi"]         = setup.defence.random.name();
    budget["rpi_draws"]   = setup.defence.draws;
    budget["eot_samples"] = setup.defence.eot_samples;
}

}  // namespace bitswitch::attack
