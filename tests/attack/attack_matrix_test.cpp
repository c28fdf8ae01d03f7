// The crafted-at x evaluated-at matrix: clean scores equal the evaluator's, random precision with one level
// is the static model (crafting and evaluating), specs parse and refuse what they cannot be.
#include "bitswitch/attack/attack_matrix.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/attack/pgd.h"
#include "bitswitch/attack/text_attack_matrix.h"
#include "bitswitch/core/error.h"
#include "bitswitch/eval/evaluator.h"
#include "bitswitch/text/utf8.h"
#include "fixture.h"

namespace bitswitch::attack {
namespace {

struct MatrixFixture {
    model::LoadedModel loaded             = two_level_model(4);
    data::SquadDataset ds                 = two_questions();
    std::vector<data::QAFeature> features = data::build_features(ds, gpt2_tokenizer(), small_windows());
    MatrixOptions options;
    MatrixFixture() {
        options.batch_size          = 1;  // one draw per question under rpi
        options.show_progress       = false;
        options.bootstrap.resamples = 50;
    }
    MatrixResult run(const std::vector<std::string>& crafts, const std::vector<std::string>& evals,
                     const RandomDefence& defence) {
        const Crafter pgd = [&](const data::Batch& batch, const torch::Tensor& attackable,
                                const PrecisionSpec& craft, int64_t b) {
            PgdOptions o;
            o.steps = 3;
            return pgd_attack(
                loaded.model(), batch, attackable, o, 0.3, 0.1,
                [&](int r, int s) { return crafting_configs(craft, defence, loaded, b, r, s); }, uint64_t(b));
        };
        return run_attack_matrix(loaded, ds, features, parse_specs(crafts, loaded, true, "--craft_at"),
                                 parse_specs(evals, loaded, false, "--eval_at"), defence, options, pgd);
    }
};

void expect_same_scores(const AttackCell& a, const AttackCell& b) {
    ASSERT_EQ(a.questions.size(), b.questions.size());
    for (size_t q = 0; q < a.questions.size(); ++q) {
        EXPECT_EQ(a.questions[q].clean_f1, b.questions[q].clean_f1);
        EXPECT_EQ(a.questions[q].adversarial_f1, b.questions[q].adversarial_f1);
        EXPECT_EQ(a.questions[q].adversarial_answer, b.questions[q].adversarial_answer);
        EXPECT_EQ(a.questions[q].changed, b.questions[q].changed);
    }
}

TEST(AttackMatrix, CleanScoresAreTheEvaluatorsAndCellsComeCraftMajor) {
    MatrixFixture f;
    RandomDefence defence;
    const auto result = f.run({"8", "4"}, {"8", "4"}, defence);
    ASSERT_EQ(result.cells.size(), 4u);
    EXPECT_EQ(result.cells[1].crafted_at, "8");
    EXPECT_EQ(result.cells[1].evaluated_at, "4");
    EXPECT_EQ(result.cells[2].crafted_at, "4");
    eval::EvalOptions eo;
    eo.show_progress = false;
    for (const auto* level : {"8", "4"}) {
        const auto config    = f.loaded.config(level);
        const auto reference = eval::evaluate_qa(f.loaded.model(), f.ds, f.features, eo, &config);
        const auto& cell     = result.cells[std::string(level) == "8" ? 0 : 3];
        for (size_t q = 0; q < 2; ++q) {
            EXPECT_EQ(cell.questions[q].clean_f1, reference.question_f1[q]);
            EXPECT_EQ(cell.questions[q].clean_answer, reference.predictions[q].text);
        }
    }
    EXPECT_EQ(result.questions, 2);
    EXPECT_GT(result.attackable_share, 0.3);
    EXPECT_LT(result.attackable_share, 1.0);
}

TEST(AttackMatrix, RandomPrecisionWithOneLevelIsTheStaticModel) {
    MatrixFixture f;
    RandomDefence defence;
    defence.random = {{f.loaded.trained_levels()[1]}, {}, quant::RandomGranularity::kUnit};  // level 4 only
    defence.draws  = 3;
    defence.eot_samples = 2;
    const auto result   = f.run({"4", "rpi", "eot"}, {"4", "rpi"}, defence);
    ASSERT_EQ(result.cells.size(), 6u);
    EXPECT_EQ(result.cells[1].passes, 3);
    for (const auto& cell : result.cells) expect_same_scores(cell, result.cells[0]);
}

// A text attack's clean and adversarial questions meet the same random-precision draws, even when an edit
// makes a question's window the longest: each question's share of changed answers is what the draws of its
// own batch (batch size 1: batch q is question q) give it, clean and adversarial alike.
TEST(AttackMatrix, TextAttackCleanAndAdversarialMeetTheSameDraws) {
    MatrixFixture f;
    RandomDefence defence;
    defence.random                     = {f.loaded.trained_levels(), {}, quant::RandomGranularity::kLayer};
    defence.draws                      = 3;
    defence.seed                       = 5;
    const TextCrafter append_to_second = [&](size_t example, const PrecisionSpec&) {
        AdversarialQuestion q;
        q.example = example;
        if (example == 1) {  // the shorter window becomes the longer one
            const auto end = int64_t(text::utf8_length(f.ds.contexts[1]));
            q.edits = {{end, end, " It has been so since 1596, and nearly two million people live there."}};
        }
        return q;
    };
    const auto rpi = parse_specs({"rpi"}, f.loaded, false, "--eval_at");
    const eval::QaEvalSet clean{f.ds, data::build_features(f.ds, gpt2_tokenizer(), small_windows())};
    const auto result = run_text_attack_matrix(f.loaded, gpt2_tokenizer(), small_windows(), clean,
                                               parse_specs({"8"}, f.loaded, true, "--craft_at"), rpi, defence,
                                               f.options, append_to_second);
    ASSERT_EQ(result.matrix.cells.size(), 1u);
    const auto adversarial = adversarial_dataset(f.ds, result.crafted[0]);
    for (size_t q = 0; q < 2; ++q) {
        double changed = 0;
        for (int p = 0; p < defence.draws; ++p) {
            const auto config = evaluation_config(rpi[0], defence, f.loaded, int64_t(q), p);
            const auto answer = [&](const data::SquadDataset& ds) {
                return eval::answer_question(f.loaded.model(), gpt2_tokenizer(), ds.examples[q].question,
                                             ds.context_of(ds.examples[q]), small_windows(), {}, &config)
                    .text;
            };
            changed += answer(f.ds) != answer(adversarial) ? 1.0 / defence.draws : 0.0;
        }
        EXPECT_NEAR(result.matrix.cells[0].questions[q].changed, changed, 1e-12) << "question " << q;
    }
}

TEST(AttackMatrix, SpecsParseTheirFormsAndRefuseTheRest) {
    const auto loaded = two_level_model();
    const auto specs  = parse_specs({"8", "rpi", "eot"}, loaded, true, "--craft_at");
    ASSERT_EQ(specs.size(), 3u);
    EXPECT_EQ(specs[0].kind, SpecKind::kFixed);
    EXPECT_EQ(specs[1].kind, SpecKind::kRandom);
    EXPECT_EQ(specs[2].kind, SpecKind::kExpectation);
    EXPECT_THROW(parse_specs({"eot"}, loaded, false, "--eval_at"), InputError);
    EXPECT_THROW(parse_specs({"6"}, loaded, true, "--craft_at"), InputError);  // no such level
    EXPECT_THROW(parse_specs({}, loaded, true, "--craft_at"), InputError);
    EXPECT_EQ(rpi_levels({}, loaded).size(), 2u);
    EXPECT_EQ(rpi_levels({"4"}, loaded)[0].bits, (quant::BitWidths{4, 4, 4}));
    EXPECT_THROW(rpi_levels({"6"}, loaded), InputError);
}

// Seed 002's --attack_lora_idx / --eval_lora_idx: levels by index, highest precision first (8, then 4).
TEST(AttackMatrix, LevelIndicesNameTheTrainedLevelsHighFirst) {
    const auto loaded = two_level_model();
    EXPECT_EQ(trained_level_names({1, 0}, loaded, "--attack_lora_idx"), (std::vector<std::string>{"4", "8"}));
    EXPECT_EQ(parse_specs(trained_level_names({1}, loaded, "--eval_lora_idx"), loaded, false, "--eval_at")[0]
                  .fixed.at("h.0.attn.c_attn")
                  .bits.w,
              4);
    try {
        trained_level_names({2}, loaded, "--attack_lora_idx");
        FAIL() << "index 2 of two levels was accepted";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("--attack_lora_idx 2"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("indices 0..1"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace bitswitch::attack
