// Random precision configs (random_precision.h).
#include "bitswitch/quant/random_precision.h"

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "bitswitch/core/error.h"

namespace bitswitch::quant {

std::vector<size_t> sample_levels(uint64_t seed, int64_t draw, size_t slots, size_t levels,
                                  const std::vector<double>& probs) {
    if (levels == 0) throw InputError("random precision needs at least one level");
    if (!probs.empty() && probs.size() != levels) {
        throw InputError(fmt::format("random precision: {} probabilities for {} levels (give one per level)",
                                     probs.size(), levels));
    }
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + uint64_t(draw) * 0xD1B54A32D192ED03ull + 1);
    std::vector<size_t> out(slots);
    if (probs.empty()) {
        std::uniform_int_distribution<size_t> uniform(0, levels - 1);
        for (auto& o : out) o = uniform(rng);
    } else {
        std::discrete_distribution<size_t> weighted(probs.begin(), probs.end());
        for (auto& o : out) o = weighted(rng);
    }
    return out;
}

std::string RandomPrecision::name() const {
    std::string levels_text;
    for (size_t i = 0; i < levels.size(); ++i) {
        levels_text += (i ? "," : "") + levels[i].name();
        if (!probabilities.empty()) levels_text += fmt::format(":{:g}", probabilities[i]);
    }
    return fmt::format("rpi{{{}}}/{}", levels_text, core::enum_name(kRandomGranularityNames, granularity));
}

void validate(const RandomPrecision& random, const std::string& where) {
    if (random.levels.empty()) throw InputError(where + ": random precision needs at least one level");
    if (!random.probabilities.empty()) {
        if (random.probabilities.size() != random.levels.size()) {
            throw InputError(fmt::format("{}: {} probabilities for {} levels (give one per level)", where,
                                         random.probabilities.size(), random.levels.size()));
        }
        double sum = 0;
        for (double p : random.probabilities) {
            if (!(p >= 0)) throw InputError(fmt::format("{}: probability {} is negative", where, p));
            sum += p;
        }
        if (!(sum > 0)) throw InputError(where + ": the probabilities sum to 0 (give at least one positive)");
    }
    for (size_t i = 0; i < random.levels.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
            if (random.levels[i].bits == random.levels[j].bits)
                throw InputError(fmt::format("{}: level {} is given twice", where, random.levels[i].name()));
        }
    }
}

PrecisionConfig sample_config(const RandomPrecision& random, const UnitList& units,
                              const AdapterSet& adapters, uint64_t seed, int64_t draw) {
    const size_t groups = size_t(group_count(units));
    const size_t slots  = random.granularity == RandomGranularity::kModel   ? 1
                          : random.granularity == RandomGranularity::kLayer ? groups
                                                                            : units.size();
    const auto picks    = sample_levels(seed, draw, slots, random.levels.size(), random.probabilities);
    PrecisionConfig config;
    for (size_t u = 0; u < units.size(); ++u) {
        const size_t slot = random.granularity == RandomGranularity::kModel   ? 0
                            : random.granularity == RandomGranularity::kLayer ? size_t(units[u].group)
                                                                              : u;
        const auto& level = random.levels[picks[slot]];
        config.units.emplace_back(units[u].name,
                                  UnitPrecision{level.bits, adapter_for_level(level, adapters)});
    }
    switch (random.granularity) {
        case RandomGranularity::kModel:
            config.source = random.levels[picks[0]].name();
            break;
        case RandomGranularity::kLayer:
            for (size_t g = 0; g < groups; ++g)
                config.source += (g ? "," : "") + random.levels[picks[g]].name();
            break;
        case RandomGranularity::kUnit:
            config.source = fmt::format("random#{}", draw);
            break;
    }
    return config;
}

}  // namespace bitswitch::quant
