// Sweep and sensitivity on a GLUE classifier: a tiny random encoder whose full-precision predictions are the
// gold labels (so full precision scores 100 and every changed prediction is a drop). The rows are checked
// against the classifier evaluated on its own, the KL proxy against the class distributions computed here,
// and the Fisher proxy of the output layer against its closed form: the cross-entropy's gradient with
// respect to the logits is (softmax − one-hot) / batch, so Fisher = ½ Σ ((softmax(y) − onehot) / B ⊙
// (y_q − y))².
#include <algorithm>
#include <numeric>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/analysis/glue_sensitivity.h"
#include "bitswitch/analysis/glue_sweep.h"
#include "bitswitch/core/error.h"
#include "bitswitch/eval/classification_eval.h"
#include "bitswitch/eval/glue_metric.h"
#include "bitswitch/model/roberta.h"
#include "support/temp_dir.h"
#include "support/tiny_encoder.h"

namespace bitswitch::analysis {
namespace {

model::RobertaForTask tiny_classifier() {
    torch::manual_seed(5);
    model::RobertaForTask m(bitswitch::testing::tiny_encoder_config({"no", "yes"}),
                            model::EncoderHead::kSequenceClassification);
    torch::NoGradGuard no_grad;
    for (auto& p : m->parameters()) p.normal_(0.0, 0.5);
    m->eval();
    return m;
}

torch::Tensor logits_of(model::QuantModel& m, const data::GlueFeatures& f, const std::vector<size_t>& rows,
                        const quant::PrecisionConfig& config) {
    torch::NoGradGuard no_grad;
    const auto b = data::make_classification_batch(f, rows);
    return m.classify(m.encode(m.embed(b.input_ids), b.attention_mask, config), config);
}

// 40 RTE-shaped rows of different lengths, labelled with the full-precision classifier's own predictions.
eval::GlueEvalSet answered_by(model::QuantModel& m) {
    eval::GlueEvalSet set;
    set.dataset.task = data::GlueTask::kRte;
    set.dataset.path = "rte.jsonl";
    for (int i = 0; i < 40; ++i) {
        std::vector<int32_t> ids = {0};
        for (int t = 0; t < 2 + (i * 3) % 11; ++t) ids.push_back(3 + (i * 7 + t * 5) % 60);
        ids.push_back(2);
        set.features.ids.push_back(ids);
        set.features.scores.push_back(0.0f);
        set.features.labels.push_back(0);  // replaced below by the model's own answer
        set.dataset.examples.emplace_back();
    }
    // A random head puts every row in one class; its bias is moved by the median margin so that the rows
    // split between the two.
    std::vector<double> margins;
    for (size_t i = 0; i < 40; ++i) {
        const auto l = logits_of(m, set.features, {i}, m.default_precision());
        margins.push_back((l[0][1] - l[0][0]).item<double>());
    }
    std::nth_element(margins.begin(), margins.begin() + 20, margins.end());
    {
        torch::NoGradGuard no_grad;
        dynamic_cast<model::RobertaForTaskImpl&>(m).classifier->out_proj->bias[1] -= margins[20];
    }
    for (size_t i = 0; i < 40; ++i) {
        const auto label =
            int32_t(logits_of(m, set.features, {i}, m.default_precision()).argmax(1).item<int64_t>());
        set.features.labels[i]        = label;
        set.dataset.examples[i].label = label;
    }
    set.dataset.labeled  = true;
    const auto positives = std::count(set.features.labels.begin(), set.features.labels.end(), 1);
    EXPECT_GT(positives, 0);  // both classes, so that accuracy is not one class's share
    EXPECT_LT(positives, 40);
    return set;
}

TEST(GlueAnalysis, SweepRowsAreTheClassifiersOwnScoresWithPairedDifferences) {
    auto m            = tiny_classifier();
    const auto set    = answered_by(*m);
    const auto loaded = model::LoadedModel::wrap(m.ptr());
    SweepConfig c;
    c.uniform         = {"fp", "w4", "w2"};
    c.eval.batch_size = 8;
    c.bootstrap       = {200, 0.9, 3};
    const auto r      = glue_sweep_of(loaded, set, c);
    ASSERT_EQ(r.rows.size(), 3u);
    EXPECT_EQ(r.reference, "fp");
    EXPECT_EQ(r.examples, 40);
    eval::ClassificationEvalOptions options;
    options.show_progress = false;
    const auto alone =
        eval::evaluate_classifier(*m, set.dataset, set.features,
                                  {loaded.config("fp"), loaded.config("w4"), loaded.config("w2")}, options);
    EXPECT_DOUBLE_EQ(r.rows[0].scores.at("accuracy").estimate, 100.0);
    for (size_t i = 0; i < 3; ++i) {
        const double acc = r.rows[i].scores.at("accuracy").estimate;
        EXPECT_DOUBLE_EQ(acc, alone[i].scores.at("accuracy").estimate) << r.rows[i].config;
        EXPECT_DOUBLE_EQ(r.rows[i].diffs.at("accuracy").estimate, acc - 100.0) << r.rows[i].config;
        EXPECT_LE(r.rows[i].diffs.at("accuracy").low, r.rows[i].diffs.at("accuracy").estimate);
        EXPECT_GE(r.rows[i].diffs.at("accuracy").high, r.rows[i].diffs.at("accuracy").estimate);
    }
    EXPECT_EQ(r.rows[0].diffs.at("accuracy").low, 0.0);  // the reference against itself, on every resample
    EXPECT_EQ(r.rows[0].diffs.at("accuracy").high, 0.0);
    // 4-bit weights change some answers (2 bits here happen to give every row its full-precision class).
    EXPECT_LT(r.rows[1].scores.at("accuracy").estimate, 100.0)
        << format_glue_sweep(r, eval::OutputFormat::kMarkdown);
    EXPECT_LT(r.rows[2].avg_weight_bits, r.rows[1].avg_weight_bits);

    const auto md = format_glue_sweep(r, eval::OutputFormat::kMarkdown);
    EXPECT_NE(md.find("| config | accuracy [90% CI] | Δaccuracy vs fp [90% CI] |"), std::string::npos) << md;
    const auto csv = format_glue_sweep(r, eval::OutputFormat::kCsv);
    EXPECT_EQ(csv.find("config,task,accuracy,accuracy_low,accuracy_high,reference,accuracy_diff,"), 0u)
        << csv;
    EXPECT_NE(format_glue_sweep(r, eval::OutputFormat::kJsonl).find("\"accuracy_diff\""), std::string::npos);
}

TEST(GlueAnalysis, SensitivityDropsProxiesAndTheOutputLayersFisherByHand) {
    auto m            = tiny_classifier();
    const auto set    = answered_by(*m);
    const auto loaded = model::LoadedModel::wrap(m.ptr());
    SensitivityConfig c;
    c.base                = "fp";
    c.test_levels         = {"w3"};
    c.calibration_samples = 20;
    c.eval.batch_size     = 8;
    c.bootstrap           = {200, 0.95, 1};
    const auto r          = glue_sensitivity_of(loaded, set, c);
    EXPECT_EQ(r.metric, "accuracy");
    EXPECT_EQ(r.examples, 40);
    EXPECT_EQ(r.calibration_windows, 20);
    ASSERT_EQ(r.rows.size(), m->units().size());
    EXPECT_DOUBLE_EQ(r.base_score->estimate, 100.0);
    eval::ClassificationEvalOptions options;
    options.show_progress = false;
    const auto base       = loaded.config("fp");
    bool some_drop        = false;
    for (size_t u = 0; u < r.rows.size(); ++u) {
        const auto& row = r.rows[u];
        ASSERT_EQ(row.target, m->units()[u].name);
        const auto config = quant::with_units_at(base, {row.target}, "w3", m->units(), {}, "x");
        const auto alone  = eval::evaluate_classifier(*m, set.dataset, set.features, {config}, options)[0];
        EXPECT_DOUBLE_EQ(row.score->estimate, alone.scores.at("accuracy").estimate) << row.target;
        EXPECT_DOUBLE_EQ(row.drop->estimate, 100.0 - row.score->estimate) << row.target;
        some_drop = some_drop || row.drop->estimate > 0;
        // KL(base ‖ config) of the class distributions, averaged over the 20 calibration rows.
        std::vector<size_t> first(20);
        std::iota(first.begin(), first.end(), size_t(0));
        const auto p = torch::log_softmax(logits_of(*m, set.features, first, base).to(torch::kDouble), 1);
        const auto q = torch::log_softmax(logits_of(*m, set.features, first, config).to(torch::kDouble), 1);
        EXPECT_NEAR(row.kl, (p.exp() * (p - q)).sum(1).mean().item<double>(), 1e-6) << row.target;
        if (row.target != "classifier.out_proj") continue;
        // The closed form, batch by batch as the proxy runs them (rows 0-7, 8-15, 16-19).
        double fisher = 0;
        for (size_t begin = 0; begin < 20; begin += 8) {
            std::vector<size_t> rows(std::min<size_t>(20, begin + 8) - begin);
            std::iota(rows.begin(), rows.end(), begin);
            const auto y      = logits_of(*m, set.features, rows, base).to(torch::kDouble);
            const auto yq     = logits_of(*m, set.features, rows, config).to(torch::kDouble);
            const auto labels = data::make_classification_batch(set.features, rows).labels;
            const auto g =
                (torch::softmax(y, 1) - torch::one_hot(labels, 2).to(torch::kDouble)) / double(rows.size());
            fisher += 0.5 * (g * (yq - y)).pow(2).sum().item<double>();
        }
        ASSERT_TRUE(row.fisher.has_value());
        EXPECT_GT(fisher, 0.0);
        EXPECT_NEAR(*row.fisher, fisher, 1e-6 * fisher) << row.target;
    }
    EXPECT_TRUE(some_drop);  // 3-bit weights in some unit change some answer: the drops are not all zero

    const auto md = format_sensitivity(r, eval::OutputFormat::kMarkdown);
    EXPECT_NE(md.find("(accuracy 100.00 [100.00, 100.00]); 40 examples, proxies on 20 rows"),
              std::string::npos)
        << md;
    EXPECT_NE(md.find("| unit | level | accuracy drop [95% CI] |"), std::string::npos) << md;
}

TEST(GlueAnalysis, SensitivityFilesOfAGlueTaskReadBackWithTheirMetric) {
    auto m         = tiny_classifier();
    const auto set = answered_by(*m);
    SensitivityConfig c;
    c.base            = "fp";
    c.test_levels     = {"w3"};
    c.granularity     = VaryGranularity::kBlock;
    c.eval.batch_size = 16;
    const auto r      = glue_sensitivity_of(model::LoadedModel::wrap(m.ptr()), set, c);
    bitswitch::testing::TempDir dir;
    const auto path = dir.write("sensitivity.jsonl", format_sensitivity(r, eval::OutputFormat::kJsonl));
    const auto back = read_sensitivity(path.string());
    EXPECT_EQ(back.metric, "accuracy");
    ASSERT_EQ(back.rows.size(), r.rows.size());
    for (size_t i = 0; i < r.rows.size(); ++i) {
        EXPECT_EQ(back.rows[i].target, r.rows[i].target);
        EXPECT_DOUBLE_EQ(back.rows[i].drop->estimate, r.rows[i].drop->estimate);
        EXPECT_DOUBLE_EQ(back.rows[i].kl, r.rows[i].kl);
    }
}

}  // namespace
}  // namespace bitswitch::analysis
