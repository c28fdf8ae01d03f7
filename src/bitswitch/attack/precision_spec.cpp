// Crafting and evaluation precisions of an attack (precision_spec.h).
#include "bitswitch/attack/precision_spec.h"

#include <fmt/format.h>

#include "bitswitch/core/error.h"

namespace bitswitch::attack {
namespace {

// Seed streams: crafting and evaluation never share a draw.
constexpr uint64_t kCraftStream = 0x5EED0001, kEvalStream = 0x5EED0002;

uint64_t stream_seed(uint64_t seed, uint64_t stream, int64_t batch) {
    return (seed * 0x9E3779B97F4A7C15ull) ^ (stream * 0xBF58476D1CE4E5B9ull) ^
           (uint64_t(batch) * 0x94D049BB133111EBull);
}

}  // namespace

std::vector<PrecisionSpec> parse_specs(const std::vector<std::string>& texts,
                                       const model::LoadedModel& loaded, bool crafting,
                                       const std::string& flag) {
    std::vector<PrecisionSpec> out;
    for (const auto& text : texts) {
        if (text == "rpi") {
            out.push_back({SpecKind::kRandom, text, {}});
        } else if (text == "eot") {
            if (!crafting) {
                throw InputError(fmt::format(
                    "{} eot: expectation over transformation is a way to craft an attack; evaluate under "
                    "random precision with rpi",
                    flag));
            }
            out.push_back({SpecKind::kExpectation, text, {}});
        } else {
            try {
                out.push_back({SpecKind::kFixed, text, loaded.config(text)});
            } catch (const InputError& e) {
                throw InputError(
                    fmt::format("{} {}: {} (or rpi{})", flag, text, e.what(), crafting ? ", eot" : ""));
            }
        }
    }
    if (out.empty()) throw InputError(flag + ": give at least one precision");
    return out;
}

std::vector<std::string> trained_level_names(const std::vector<int>& indices,
                                             const model::LoadedModel& loaded, const std::string& flag) {
    std::vector<std::string> out;
    for (const int i : indices) {
        out.push_back(quant::level_at_index(loaded.trained_levels(), i, flag, loaded.path().string(),
                                            "name the precision with --craft_at/--eval_at")
                          .name());
    }
    return out;
}

std::vector<quant::PrecisionLevel> rpi_levels(const std::vector<std::string>& texts,
                                              const model::LoadedModel& loaded) {
    if (texts.empty()) {
        if (loaded.trained_levels().empty()) {
            throw InputError(
                fmt::format("--rpi_levels: {} has no trained levels to draw from; give the levels (e.g. "
                            "--rpi_levels 8 4)",
                            loaded.path().string()));
        }
        return loaded.trained_levels();
    }
    std::vector<quant::PrecisionLevel> out;
    for (const auto& text : texts) {
        const auto config = [&] {
            try {
                return loaded.config(text);
            } catch (const InputError& e) {
                throw InputError(fmt::format("--rpi_levels {}: {}", text, e.what()));
            }
        }();
        const auto& units = loaded.model().units();
        for (size_t u = 1; u < config.size(); ++u) {
            if (units[u].kind != quant::UnitKind::kHead && config[u].bits != config[0].bits) {
                throw InputError(
                    fmt::format("--rpi_levels {}: a level is one bit-width for every unit (e.g. 8 or w4a8); "
                                "this config mixes "
                                "them",
                                text));
            }
        }
        const quant::PrecisionLevel level{config[0].bits, {}};
        out.push_back(level);
    }
    return out;
}

std::vector<quant::PrecisionConfig> crafting_configs(const PrecisionSpec& spec, const RandomDefence& defence,
                                                     const model::LoadedModel& loaded, int64_t batch,
                                                     int restart, int step) {
    if (spec.kind == SpecKind::kFixed) return {spec.fixed};
    const int k         = spec.kind == SpecKind::kRandom ? 1 : defence.eot_samples;
    const uint64_t seed = stream_seed(defence.seed, kCraftStream, batch);
    const int64_t first = (int64_t(restart) * 100003 + step) * k;
    std::vector<quant::PrecisionConfig> out;
    for (int i = 0; i < k; ++i) {
        out.push_back(
            quant::sample_config(defence.random, loaded.model().units(), loaded.adapters(), seed, first + i));
    }
    return out;
}

int evaluation_passes(const PrecisionSpec& spec, const RandomDefence& defence) {
    return spec.kind == SpecKind::kFixed ? 1 : defence.draws;
}

quant::PrecisionConfig evaluation_config(const PrecisionSpec& spec, const RandomDefence& defence,
                                         const model::LoadedModel& loaded, int64_t batch, int pass) {
    if (spec.kind == SpecKind::kFixed) return spec.fixed;
    return quant::sample_config(defence.random, loaded.model().units(), loaded.adapters(),
                                stream_seed(defence.seed, kEvalStream, batch), pass);
}

}  // namespace bitswitch::attack
