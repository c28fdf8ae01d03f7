// The classifier evaluation against the model run one example at a time and the metrics computed by hand
// from those predictions.
#include "bitswitch/eval/classification_eval.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/model/roberta.h"
#include "support/tiny_encoder.h"

namespace bitswitch::eval {
namespace {

model::RobertaForTask tiny_classifier(int64_t labels) {
    std::vector<std::string> names;
    for (int64_t i = 0; i < labels; ++i) names.push_back("L" + std::to_string(i));
    torch::manual_seed(11);
    model::RobertaForTask m(bitswitch::testing::tiny_encoder_config(names),
                            model::EncoderHead::kSequenceClassification);
    torch::NoGradGuard no_grad;
    for (auto& p : m->parameters()) p.normal_(0.0, 0.5);
    m->eval();
    return m;
}

// Ten RTE-like examples of different lengths (so batches pad), labels 0/1 alternating.
void make_task(data::GlueDataset& dataset, data::GlueFeatures& features) {
    dataset.task = data::GlueTask::kRte;
    dataset.path = "rte.jsonl";
    for (int i = 0; i < 10; ++i) {
        data::GlueExample e;
        e.label = i % 2;
        dataset.examples.push_back(e);
        std::vector<int32_t> ids = {0};
        for (int t = 0; t < 2 + (i * 3) % 7; ++t) ids.push_back(3 + (i * 7 + t * 5) % 40);
        ids.push_back(2);
        features.ids.push_back(ids);
        features.labels.push_back(e.label);
        features.scores.push_back(0.0f);
    }
}

TEST(ClassificationEval, PredictionsAreEachExamplesArgMaxAndScoresFollowFromThem) {
    auto m = tiny_classifier(2);
    data::GlueDataset dataset;
    data::GlueFeatures features;
    make_task(dataset, features);
    const auto fp = m->default_precision();
    const auto w4 = quant::parse_precision("4", m->units(), {});
    ClassificationEvalOptions options;
    options.batch_size    = 4;
    options.show_progress = false;
    const auto results    = evaluate_classifier(*m, dataset, features, {fp, w4}, options);
    ASSERT_EQ(results.size(), 2u);
    torch::NoGradGuard no_grad;
    for (size_t c = 0; c < 2; ++c) {
        const auto& config = c == 0 ? fp : w4;
        int correct        = 0;
        for (size_t i = 0; i < features.ids.size(); ++i) {
            std::vector<int64_t> ids(features.ids[i].begin(), features.ids[i].end());
            const auto x        = torch::tensor(ids).view({1, -1});
            const auto logits   = m->classify(m->encode(m->embed(x), {}, config), config);
            const int32_t alone = int32_t(logits.argmax(1).item<int64_t>());
            EXPECT_EQ(results[c].predictions.classes[i], alone) << "config " << c << " example " << i;
            correct += alone == features.labels[i];
        }
        EXPECT_DOUBLE_EQ(results[c].metrics["accuracy"].get<double>(), 100.0 * correct / 10.0);
        EXPECT_LE(results[c].metrics["accuracy_low"].get<double>(),
                  results[c].metrics["accuracy"].get<double>());
        EXPECT_GE(results[c].metrics["accuracy_high"].get<double>(),
                  results[c].metrics["accuracy"].get<double>());
    }
}

TEST(ClassificationEval, AHeadOfTheWrongSizeOrAnUnlabeledFileIsAnInputError) {
    data::GlueDataset dataset;
    data::GlueFeatures features;
    make_task(dataset, features);
    auto three    = tiny_classifier(3);
    const auto fp = three->default_precision();
    EXPECT_THROW(evaluate_classifier(*three, dataset, features, {fp}), InputError);  // RTE has 2 classes
    auto two        = tiny_classifier(2);
    dataset.labeled = false;
    EXPECT_THROW(evaluate_classifier(*two, dataset, features, {two->default_precision()}), InputError);
}

}  // namespace
}  // namespace bitswitch::eval
