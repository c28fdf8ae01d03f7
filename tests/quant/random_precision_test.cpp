// Random precision: draw frequencies, what each granularity shares, one level = the static config, errors.
#include "bitswitch/quant/random_precision.h"

#include <set>

#include <gtest/gtest.h>

#include "bitswitch/core/error.h"
#include "support/tiny_model.h"

namespace bitswitch::quant {
namespace {

TEST(RandomPrecision, SamplingCoversEveryLevelWithTheExpectedFrequencyAndRepeatsPerDraw) {
    std::vector<int> counts(3, 0);
    for (int64_t draw = 0; draw < 2000; ++draw) {
        const auto levels = sample_levels(7, draw, 13, 3, {});
        for (const auto l : levels) ++counts[l];
        EXPECT_EQ(levels, sample_levels(7, draw, 13, 3, {}));  // what another rank computes
    }
    for (const int c : counts) EXPECT_NEAR(c / 26000.0, 1.0 / 3, 0.01);
    std::vector<int> weighted(2, 0);
    for (int64_t draw = 0; draw < 4000; ++draw) ++weighted[sample_levels(1, draw, 1, 2, {0.8, 0.2})[0]];
    EXPECT_NEAR(weighted[0] / 4000.0, 0.8, 0.02);
}

TEST(RandomPrecision, EachGranularitySharesALevelExactlyWhereItSays) {
    const auto units    = testing::gpt2_units(2);  // groups: h.0 (5 units), h.1 (5), qa_outputs
    const auto adapters = testing::two_levels();
    RandomPrecision random{adapters.levels, {}, RandomGranularity::kModel};
    bool unit_levels_differ_within_a_group = false;
    std::set<std::string> model_sources;
    for (int64_t draw = 0; draw < 40; ++draw) {
        random.granularity = RandomGranularity::kModel;
        const auto whole   = sample_config(random, units, adapters, 3, draw);
        model_sources.insert(whole.source);
        for (size_t u = 0; u < units.size(); ++u) {
            EXPECT_EQ(whole[u], whole[0]);
            EXPECT_EQ(whole[u].adapter, whole[u].bits.name());  // each level with its own adapter
        }
        random.granularity = RandomGranularity::kLayer;
        const auto layered = sample_config(random, units, adapters, 3, draw);
        for (size_t u = 1; u < units.size(); ++u) {
            if (units[u].group == units[u - 1].group) EXPECT_EQ(layered[u], layered[u - 1]);
        }
        random.granularity  = RandomGranularity::kUnit;
        const auto unitwise = sample_config(random, units, adapters, 3, draw);
        EXPECT_TRUE(fits(unitwise, units));
        for (size_t u = 1; u < units.size(); ++u) {
            if (units[u].group == units[u - 1].group && !(unitwise[u] == unitwise[u - 1]))
                unit_levels_differ_within_a_group = true;
        }
    }
    EXPECT_EQ(model_sources, (std::set<std::string>{"8", "4"}));
    EXPECT_TRUE(unit_levels_differ_within_a_group);
}

TEST(RandomPrecision, OneLevelDrawsTheStaticConfigEveryTime) {
    const auto units    = testing::gpt2_units(2);
    const auto adapters = testing::two_levels();
    const auto fixed    = config_for_levels({adapters.levels[1]}, units, adapters, "4");
    for (const auto granularity :
         {RandomGranularity::kModel, RandomGranularity::kLayer, RandomGranularity::kUnit}) {
        const RandomPrecision random{{adapters.levels[1]}, {}, granularity};
        for (int64_t draw = 0; draw < 5; ++draw)
            EXPECT_EQ(sample_config(random, units, adapters, 1, draw).units, fixed.units);
    }
}

TEST(RandomPrecision, NamesAndBadSettings) {
    const auto levels = testing::two_levels().levels;
    EXPECT_EQ((RandomPrecision{levels, {}, RandomGranularity::kLayer}.name()), "rpi{8,4}/layer");
    EXPECT_EQ((RandomPrecision{levels, {0.75, 0.25}, RandomGranularity::kModel}.name()),
              "rpi{8:0.75,4:0.25}/model");
    EXPECT_NO_THROW(validate(RandomPrecision{levels, {1, 0}}, "--rpi"));
    EXPECT_THROW(validate(RandomPrecision{}, "--rpi"), InputError);
    EXPECT_THROW(validate(RandomPrecision{levels, {1.0}}, "--rpi"), InputError);
    EXPECT_THROW(validate(RandomPrecision{levels, {0.5, -0.1}}, "--rpi"), InputError);
    EXPECT_THROW(validate(RandomPrecision{levels, {0, 0}}, "--rpi"), InputError);
    EXPECT_THROW(validate(RandomPrecision{{levels[0], levels[0]}}, "--rpi"), InputError);
    EXPECT_THROW(sample_levels(0, 0, 1, 2, {1.0}), InputError);
}

}  // namespace
}  // namespace bitswitch::quant
