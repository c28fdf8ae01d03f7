// train --adversarial pgd: with a vanishing budget it is clean training (same labels, configs and loss,
// only the inputs go through the embeddings), with a real one the update changes; bad budgets name their
// flag.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/train/trainer.h"
#include "support/train_fixture.h"

namespace bitswitch::train {
namespace {

using bitswitch::testing::TrainFixture;

TrainConfig random_precision(const TrainFixture& f, const std::string& out) {
    auto c               = f.config(out);
    c.mode               = Mode::kRandom;
    c.level_lists.w_bits = {8, 4};
    return c;
}

// The largest absolute difference between the two runs' parameters.
double largest_difference(const TrainConfig& a, const TrainConfig& b) {
    const auto ma = model::LoadedModel::load(a.output_dir), mb = model::LoadedModel::load(b.output_dir);
    const auto pb  = mb.model().named_parameters();
    double largest = 0;
    for (const auto& p : ma.model().named_parameters())
        largest = std::max(largest, (p.value() - pb[p.key()]).abs().max().item<double>());
    return largest;
}

TEST(AdversarialTraining, AVanishingBudgetIsCleanTrainingAndARealOneIsNot) {
    TrainFixture f;
    const auto clean = random_precision(f, "clean");
    run_training(clean);
    auto tiny                  = random_precision(f, "tiny");
    tiny.adversarial           = Adversarial::kPgd;
    tiny.adversarial_pgd       = {1e-9, 1e-10, 2, 1, true, true};  // absolute units
    auto real                  = random_precision(f, "real");
    real.adversarial           = Adversarial::kPgd;
    real.adversarial_pgd.eps   = 2.0;  // two RMS entries: far from clean
    real.adversarial_pgd.alpha = 1.0;
    run_training(tiny);
    run_training(real);
    EXPECT_LT(largest_difference(clean, tiny), 1e-5);
    EXPECT_GT(largest_difference(clean, real), 1e-3);
}

TEST(AdversarialTraining, BadBudgetsNameTheirFlag) {
    TrainFixture f;
    auto c                = random_precision(f, "bad");
    c.adversarial         = Adversarial::kPgd;
    c.adversarial_pgd.eps = 0;
    try {
        validate(c);
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("--adversarial_eps 0 is out of range"), std::string::npos)
            << e.what();
    }
    c.adversarial_pgd.eps   = 0.1;
    c.adversarial_pgd.steps = 0;
    EXPECT_THROW(validate(c), InputError);
}

}  // namespace
}  // namespace bitswitch::train
