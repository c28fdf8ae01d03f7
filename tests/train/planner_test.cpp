// Step plans of each mode, computed without a model.
#include "bitswitch/train/planner.h"

#include <gtest/gtest.h>

#include "support/tiny_model.h"

namespace bitswitch::train {
namespace {

struct Planned {
    TrainConfig config;
    std::vector<quant::PrecisionLevel> levels;
    quant::AdapterSet adapters;
};

Planned planned(Mode mode, std::vector<int> w_bits) {
    Planned p;
    p.config.mode               = mode;
    p.config.level_lists.w_bits = std::move(w_bits);
    p.levels                    = levels_of(p.config);
    p.adapters                  = adapter_set_for(p.config, p.levels);
    return p;
}

TEST(PrecisionPlanner, SwitchableRunsEveryLevelHighToLowWithAverageWeights) {
    auto p = planned(Mode::kSwitchable, {4, 16, 8});
    const PrecisionPlanner planner(p.config, p.levels, p.adapters, bitswitch::testing::gpt2_units(2), 10);
    const auto plan = planner.plan(0);
    ASSERT_EQ(plan.passes.size(), 3u);
    EXPECT_EQ(plan.passes[0].label, "16");
    EXPECT_EQ(plan.passes[2].label, "4");
    EXPECT_DOUBLE_EQ(plan.passes[1].weight, 1.0 / 3.0);
    EXPECT_EQ(plan.from_higher, SwitchLoss::kAvg);
    EXPECT_TRUE(plan.teachers.empty());
    EXPECT_EQ(plan.passes[2].config.at("h.1.mlp.c_fc").adapter, "4");

    p.config.switch_loss = SwitchLoss::kCascade;
    p.config.loss_scale  = {0.5, 0.3, 0.2};
    const PrecisionPlanner cascade(p.config, p.levels, p.adapters, bitswitch::testing::gpt2_units(2), 10);
    EXPECT_EQ(cascade.plan(0).from_higher, SwitchLoss::kCascade);
    EXPECT_TRUE(cascade.plan(0).teachers.empty());
    EXPECT_DOUBLE_EQ(cascade.plan(0).passes[2].weight, 0.2);
}

TEST(PrecisionPlanner, SequentialScheduleGivesEachLevelAnEqualShareHighFirst) {
    auto p                   = planned(Mode::kSwitchable, {8, 4, 16});
    p.config.switch_schedule = SwitchSchedule::kSequential;
    const PrecisionPlanner planner(p.config, p.levels, p.adapters, bitswitch::testing::gpt2_units(2), 6);
    std::vector<std::string> labels;
    for (int64_t step = 0; step < 6; ++step) labels.push_back(planner.plan(step).passes.at(0).label);
    EXPECT_EQ(labels, (std::vector<std::string>{"16", "16", "8", "8", "4", "4"}));
}

TEST(PrecisionPlanner, SequentialDistillationRunsEveryHigherLevelAsATeacher) {
    auto p                   = planned(Mode::kSwitchable, {8, 4, 16});
    p.config.switch_schedule = SwitchSchedule::kSequential;
    p.config.switch_loss     = SwitchLoss::kKd;
    const PrecisionPlanner planner(p.config, p.levels, p.adapters, bitswitch::testing::gpt2_units(2), 6);
    const auto teachers = [&](int64_t step) {
        std::vector<std::string> labels;
        for (const auto& t : planner.plan(step).teachers) labels.push_back(t.label);
        return labels;
    };
    EXPECT_TRUE(teachers(1).empty());  // the top level has none above it
    EXPECT_EQ(teachers(2), (std::vector<std::string>{"16"}));
    EXPECT_EQ(teachers(5), (std::vector<std::string>{"16", "8"}));
    EXPECT_EQ(planner.plan(5).teachers[1].config.at("h.0.attn.c_attn").adapter, "8");
    EXPECT_EQ(planner.plan(5).from_higher, SwitchLoss::kKd);
}

TEST(PrecisionPlanner, RandomModelGranularityPutsTheWholeModelAtOneLevel) {
    auto p                      = planned(Mode::kRandom, {8, 4});
    p.config.random_granularity = quant::RandomGranularity::kModel;
    const PrecisionPlanner planner(p.config, p.levels, p.adapters, bitswitch::testing::gpt2_units(3), 100);
    for (int64_t step = 0; step < 20; ++step) {
        const auto bits = planner.plan(step).passes[0].w_bits;
        EXPECT_EQ(std::count(bits.begin(), bits.end(), bits[0]), 4) << step;
    }
}

TEST(PrecisionPlanner, CyclicNearestSnapsToTheClosestLevelTiesGoingUp) {
    auto p                  = planned(Mode::kCyclic, {8, 4});
    p.config.cyclic_adapter = CyclicAdapter::kNearest;
    p.adapters              = adapter_set_for(p.config, p.levels);
    const PrecisionPlanner planner(p.config, p.levels, p.adapters, bitswitch::testing::gpt2_units(2), 100);
    EXPECT_EQ(planner.cyclic_config(5, 5).at("h.0.attn.c_attn").adapter, "4");
    EXPECT_EQ(planner.cyclic_config(6, 6).at("h.0.attn.c_attn").adapter, "8");
    EXPECT_EQ(planner.cyclic_config(6, 6).at("h.0.attn.c_attn").bits, (quant::BitWidths{6, 6, 6}));
    // Above 16 bits: full precision.
    EXPECT_EQ(planner.cyclic_config(24, 24).at("h.0.attn.c_attn").bits, (quant::BitWidths{32, 32, 32}));
}

TEST(PrecisionPlanner, SingleLoraCyclicSharesOneAdapterAndReportsBothEnds) {
    auto p               = planned(Mode::kCyclic, {});
    p.config.num_bit_min = 4;
    p.config.num_bit_max = 8;
    p.levels             = levels_of(p.config);
    p.adapters           = adapter_set_for(p.config, p.levels);
    const PrecisionPlanner planner(p.config, p.levels, p.adapters, bitswitch::testing::gpt2_units(2), 64);
    EXPECT_EQ(planner.plan(3).passes[0].config.at("qa_outputs").adapter, quant::AdapterSet::kSharedName);
    const auto evals = planner.eval_configs();
    ASSERT_EQ(evals.size(), 2u);
    EXPECT_EQ(evals[0].source, "w8a8");
    EXPECT_EQ(evals[1].source, "w4a4");
}

}  // namespace
}  // namespace bitswitch::train
