// Multi-precision training modes end to end on a tiny model: switchable with one level is static
// training, random sampling touches only the sampled adapters, the cyclic log follows its formula, the
// precision range test picks from its own measurements, distillation adds to the loss.
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/core/io.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/model/safetensors.h"
#include "bitswitch/train/bit_schedule.h"
#include "bitswitch/train/objective.h"
#include "bitswitch/train/trainer.h"
#include "support/train_fixture.h"

namespace bitswitch::train {
namespace {

using bitswitch::testing::TrainFixture;

std::vector<nlohmann::json> jsonl(const std::string& path) {
    return bitswitch::testing::read_jsonl(path);
}

TEST(TrainingModes, DistillLossMatchesHandComputation) {
    const auto s_start = torch::tensor({1.0f, 2.0f, 0.0f}).view({1, 3}), t_start = torch::zeros({1, 3});
    const auto s_end = torch::zeros({1, 3}), t_end = torch::tensor({0.0f, 0.0f, 3.0f}).view({1, 3});
    // MSE: start (1 + 4 + 0)/3, end 9/3; mean 7/3.
    EXPECT_NEAR(distill_loss(s_start, s_end, t_start, t_end, KdLoss::kMse, 2.0).item<double>(), 7.0 / 3.0,
                1e-6);
    // KL at T = 2, times T²: start p_t uniform vs softmax([0.5, 1, 0]); end softmax([0, 0, 1.5]) vs uniform.
    const auto kl = [](std::vector<double> teacher, std::vector<double> student) {
        const auto softmax = [](std::vector<double> z) {
            double sum = 0;
            for (auto& v : z) sum += (v = std::exp(v));
            for (auto& v : z) v /= sum;
            return z;
        };
        const auto p = softmax(teacher), q = softmax(student);
        double d = 0;
        for (size_t i = 0; i < p.size(); ++i) d += p[i] * std::log(p[i] / q[i]);
        return 4.0 * d;
    };
    const double want = (kl({0, 0, 0}, {0.5, 1, 0}) + kl({0, 0, 1.5}, {0, 0, 0})) / 2;
    EXPECT_NEAR(distill_loss(s_start, s_end, t_start, t_end, KdLoss::kKl, 2.0).item<double>(), want, 1e-6);
}

TEST(TrainingModes, ClassificationLossesAndDistillationMatchHandComputation) {
    data::Batch b;
    b.labels = torch::tensor(std::vector<int64_t>{0, 1});
    b.scores = torch::tensor({0.5f, 2.0f});
    // Cross-entropy: row 1 log(1 + e^-2), row 2 log(1 + e^-1), averaged.
    const TaskLogits classes{torch::tensor({2.0f, 0.0f, 0.0f, 1.0f}).view({2, 2})};
    EXPECT_NEAR(eval::task_loss(classes, b).item<double>(),
                (std::log1p(std::exp(-2.0)) + std::log1p(std::exp(-1.0))) / 2, 1e-6);
    // One output (STS-B): squared error to the scores, ((1 - 0.5)² + (3 - 2)²) / 2.
    const TaskLogits score{torch::tensor({1.0f, 3.0f}).view({2, 1})};
    EXPECT_NEAR(eval::task_loss(score, b).item<double>(), 0.625, 1e-6);
    // One output has no distribution: distillation is MSE whatever the kind, ((1 - 2)² + (3 - 1)²) / 2.
    const TaskLogits teacher{torch::tensor({2.0f, 1.0f}).view({2, 1})};
    EXPECT_NEAR(distill_loss(score, teacher, KdLoss::kKl, 2.0).item<double>(), 2.5, 1e-6);
    // A classifier's KL at T = 1 over its one distribution (no averaging over outputs): row by row by hand.
    const TaskLogits uniform{torch::zeros({2, 2})};
    const double row1 = 0.5 * std::log(0.5 / (1 / (1 + std::exp(-2.0)))) +
                        0.5 * std::log(0.5 / (std::exp(-2.0) / (1 + std::exp(-2.0))));
    const double row2 = 0.5 * std::log(0.5 / (1 / (1 + std::exp(1.0)))) +
                        0.5 * std::log(0.5 / (std::exp(1.0) / (1 + std::exp(1.0))));
    EXPECT_NEAR(distill_loss(classes, uniform, KdLoss::kKl, 1.0).item<double>(), (row1 + row2) / 2, 1e-6);
}

TEST(TrainingModes, LevelLossFollowsEachRuleByHand) {
    const auto task = torch::tensor(2.0);
    const std::vector<torch::Tensor> d{torch::tensor(1.0), torch::tensor(4.0)};
    DistillSettings s;
    s.weight = 0.5;
    s.alpha  = 0.25;
    EXPECT_DOUBLE_EQ(level_loss(task, d, SwitchLoss::kAvg, s).item<double>(), 2.0);
    EXPECT_DOUBLE_EQ(level_loss(task, d, SwitchLoss::kCascade, s).item<double>(), 2.0 + 0.5 * 5.0);
    EXPECT_DOUBLE_EQ(level_loss(task, d, SwitchLoss::kKd, s).item<double>(), 0.75 * 2.0 + 0.25 * 2.5);
    EXPECT_DOUBLE_EQ(level_loss(task, {}, SwitchLoss::kKd, s).item<double>(), 2.0);  // the top level
}

TEST(TrainingModes, SwitchableAverageOfOneLevelIsStaticTraining) {
    TrainFixture f;
    auto a               = f.config("static");
    a.level_lists.w_bits = {8};
    auto b               = f.config("switchable");
    b.level_lists.w_bits = {8};
    b.mode               = Mode::kSwitchable;
    run_training(a);
    run_training(b);
    const model::SafetensorsReader ra(std::filesystem::path(a.output_dir) /
                                      "adapters/8/adapter_model.safetensors");
    const model::SafetensorsReader rb(std::filesystem::path(b.output_dir) /
                                      "adapters/8/adapter_model.safetensors");
    for (const auto& [key, entry] : ra.entries())
        EXPECT_TRUE(torch::equal(ra.tensor(key), rb.tensor(key))) << key;
}

TEST(TrainingModes, RandomPerLayerTrainsOnlyTheSampledAdapters) {
    TrainFixture f;
    auto c               = f.config("random");
    c.mode               = Mode::kRandom;
    c.level_lists.w_bits = {8, 4};
    c.max_steps          = 1;
    run_training(c);
    const auto picks =
        quant::sample_levels(uint64_t(c.seed), 0, 3, 2, {});  // blocks 0, 1, head; levels "8", "4"
    const auto loaded = model::LoadedModel::load(c.output_dir);
    for (const auto& [name, layer] : loaded.model().linear_layers()) {
        if (name == "qa_outputs") continue;
        const size_t block = name.rfind("h.0.", 0) == 0 ? 0 : 1;
        for (size_t level = 0; level < 2; ++level) {
            const bool moved = layer->adapters().at(level == 0 ? "8" : "4")->B.abs().sum().item<float>() > 0;
            EXPECT_EQ(moved, picks[block] == level) << name << " level " << level;
        }
    }
    const auto schedule = jsonl(c.output_dir + "/schedule.jsonl");
    ASSERT_EQ(schedule.size(), 1u);
    EXPECT_EQ(schedule[0]["passes"][0]["w_bits"][0], picks[0] == 0 ? 8 : 4);
}

TEST(TrainingModes, CyclicLogFollowsTheScheduleFormula) {
    TrainFixture f;
    auto c              = f.config("cyclic");
    c.mode              = Mode::kCyclic;
    c.num_bit_min       = 4;
    c.num_bit_max       = 8;
    c.num_cyclic_period = 1;
    c.max_steps         = 4;
    run_training(c);
    const auto schedule = jsonl(c.output_dir + "/schedule.jsonl");
    ASSERT_EQ(schedule.size(), 4u);
    for (int64_t t = 0; t < 4; ++t) {
        EXPECT_EQ(schedule[size_t(t)]["passes"][0]["w_bits"][0].get<int>(),
                  cyclic_bits({4, 8, 4, 1, CyclicShape::kCosine}, t))
            << t;
    }
    // One shared adapter, reported at both ends of the schedule.
    const auto run = core::read_json_file(c.output_dir + "/bitswitch.json");
    EXPECT_EQ(run["shared_adapter"], "shared");
    EXPECT_EQ(run["levels"].size(), 2u);
}

TEST(TrainingModes, PrecisionRangeTestChoosesFromItsMeasurementsAndStartsTheSchedule) {
    TrainFixture f;
    auto c              = f.config("prt");
    c.mode              = Mode::kCyclic;
    c.num_bit_min       = 2;
    c.num_bit_max       = 5;
    c.num_cyclic_period = 1;
    c.prt               = true;
    c.prt_steps         = 2;
    c.prt_threshold     = 0.001;
    run_training(c);
    nlohmann::json prt;
    for (const auto& entry : jsonl(c.output_dir + "/log.jsonl")) {
        if (entry.contains("prt")) prt = entry["prt"];
    }
    ASSERT_FALSE(prt.is_null());
    const int chosen = precision_range_test(prt["bits"].get<std::vector<int>>(),
                                            prt["losses"].get<std::vector<double>>(), 0.001);
    EXPECT_EQ(prt["chosen_min_bits"].get<int>(), chosen);
    EXPECT_EQ(jsonl(c.output_dir + "/schedule.jsonl")[0]["passes"][0]["w_bits"][0].get<int>(), chosen);
}

// A run with several levels (unequal ranks, so a mix-up of adapters would be a shape error) stopped after
// step 3 and resumed from checkpoint-2 ends with the weights of the uninterrupted run, in every mode:
// adapters must be rebuilt in the fresh run's order for the optimizer's saved moments to land on them.
void expect_exact_resume(TrainConfig full) {
    full.max_steps         = 6;
    full.save_steps        = 2;
    full.level_lists.ranks = {4, 2};
    full.lora.dropout      = 0.1;
    run_training(full);
    auto part       = full;
    part.output_dir = full.output_dir + "_interrupted";
    bitswitch::testing::train_with_interruption(part, 3);
    const auto a = model::LoadedModel::load(full.output_dir), b = model::LoadedModel::load(part.output_dir);
    const auto pb = b.model().named_parameters();
    for (const auto& p : a.model().named_parameters()) {
        ASSERT_TRUE(pb.contains(p.key())) << p.key();
        EXPECT_TRUE(torch::equal(p.value(), pb[p.key()]))
            << core::enum_name(kModeNames, full.mode) << " " << p.key();
    }
}

TEST(TrainingModes, ResumeIsExactInEveryMultiLevelModeWithUnequalRanks) {
    TrainFixture f;
    auto switchable               = f.config("switchable");
    switchable.mode               = Mode::kSwitchable;
    switchable.level_lists.w_bits = {8, 4};
    expect_exact_resume(switchable);
    auto random               = f.config("random");
    random.mode               = Mode::kRandom;
    random.level_lists.w_bits = {8, 4};
    expect_exact_resume(random);
    auto cyclic               = f.config("cyclic");
    cyclic.mode               = Mode::kCyclic;
    cyclic.level_lists.w_bits = {8, 4};
    cyclic.cyclic_adapter     = CyclicAdapter::kNearest;
    cyclic.num_cyclic_period  = 2;
    expect_exact_resume(cyclic);
    // Adversarial random-precision training: the PGD random starts are seeded by the micro-batch.
    auto adversarial               = f.config("adversarial");
    adversarial.mode               = Mode::kRandom;
    adversarial.level_lists.w_bits = {8, 4};
    adversarial.adversarial        = Adversarial::kPgd;
    expect_exact_resume(adversarial);
}

TEST(TrainingModes, SelfTeacherDistillationAddsToTheLoss) {
    TrainFixture f;
    auto c               = f.config("kd");
    c.mode               = Mode::kRandom;
    c.level_lists.w_bits = {4, 2};
    c.teacher            = "self-fp";
    c.max_steps          = 1;
    run_training(c);
    const double total = jsonl(c.output_dir + "/log.jsonl")[0]["loss"].get<double>();
    const double ce    = jsonl(c.output_dir + "/schedule.jsonl")[0]["passes"][0]["loss"].get<double>();
    EXPECT_GT(total, ce);
}

}  // namespace
}  // namespace bitswitch::train
