// Batched evaluation.
#include "bitswitch/eval/evaluator.h"

#include <algorithm>
#include <chrono>

#include <torch/torch.h>

#include "bitswitch/core/io.h"
#include "bitswitch/eval/squad_metric.h"

namespace bitswitch::eval {

EvalResult evaluate_qa(model::QuantModel& model, const data::SquadDataset& dataset,
                       const std::vector<data::QAFeature>& features, const EvalOptions& options,
                       const quant::PrecisionConfig* precision) {
    const auto t0     = std::chrono::steady_clock::now();
    auto [start, end] = predict_logits(model, features, options.batch_size, options.show_progress, precision);
    auto r            = score_logits(dataset, features, start, end, options.postprocess);
    r.seconds         = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

EvalResult score_answers(const data::SquadDataset& dataset, const Predictions& answers, bool v2,
                         const WarnFn& warn) {
    EvalResult r;
    if (v2) {
        auto v2r      = evaluate_v2(dataset, answers, warn);
        r.exact_match = v2r.exact;
        r.f1          = v2r.f1;
        r.metrics     = {{"exact", v2r.exact},
                         {"f1", v2r.f1},
                         {"total", v2r.total},
                         {"HasAns_exact", v2r.has_ans_exact},
                         {"HasAns_f1", v2r.has_ans_f1},
                         {"HasAns_total", v2r.has_ans_total},
                         {"NoAns_exact", v2r.no_ans_exact},
                         {"NoAns_f1", v2r.no_ans_f1},
                         {"NoAns_total", v2r.no_ans_total}};
        r.question_em = std::move(v2r.question_em);
        r.question_f1 = std::move(v2r.question_f1);
        return r;
    }
    auto v1       = evaluate_v1(dataset, answers, warn);
    r.exact_match = v1.exact_match;
    r.f1          = v1.f1;
    r.metrics     = {{"exact_match", v1.exact_match}, {"f1", v1.f1}};
    r.question_em = std::move(v1.question_em);
    r.question_f1 = std::move(v1.question_f1);
    return r;
}

EvalResult score_logits(const data::SquadDataset& dataset, const std::vector<data::QAFeature>& features,
                        const std::vector<float>& start, const std::vector<float>& end,
                        const PostprocessOptions& postprocess) {
    const auto t0    = std::chrono::steady_clock::now();
    auto predictions = postprocess_qa_predictions(dataset, features, start, end, postprocess);
    Predictions answers;
    for (const auto& p : predictions) answers[p.id] = p.text;
    EvalResult r  = score_answers(dataset, answers, postprocess.version_2_with_negative || dataset.is_v2());
    r.predictions = std::move(predictions);
    r.seconds     = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

void write_eval_outputs(const std::filesystem::path& dir, const EvalResult& r,
                        const nlohmann::ordered_json& extra) {
    core::write_file_atomic(dir / "predictions.json", predictions_json(r.predictions));
    core::write_file_atomic(dir / "nbest_predictions.json", nbest_json(r.predictions));
    auto results = r.metrics;
    for (const auto& [k, v] : extra.items()) results[k] = v;
    core::write_file_atomic(dir / "eval_results.json", results.dump(2) + "\n");
}

ExamplePrediction answer_question(model::QuantModel& model, const text::BpeTokenizer& tokenizer,
                                  const std::string& question, const std::string& context,
                                  const data::FeatureOptions& features, const PostprocessOptions& postprocess,
                                  const quant::PrecisionConfig* precision) {
    return answer_questions(model, tokenizer, {{question, context}}, features, postprocess, precision)
        .front();
}

std::vector<ExamplePrediction> answer_questions(model::QuantModel& model, const text::BpeTokenizer& tokenizer,
                                                const std::vector<QuestionContext>& questions,
                                                const data::FeatureOptions& features,
                                                const PostprocessOptions& postprocess,
                                                const quant::PrecisionConfig* precision) {
    data::SquadDataset ds;
    for (size_t i = 0; i < questions.size(); ++i) {
        ds.contexts.push_back(questions[i].context);
        data::QAExample e;
        e.id            = std::to_string(i);
        e.question      = questions[i].question;
        e.context_index = int32_t(i);
        ds.examples.push_back(e);
    }
    const auto f      = data::build_features(ds, tokenizer, features);
    const auto logits = predict_logits(model, f, int(std::max<size_t>(8, f.size())), false, precision);
    return postprocess_qa_predictions(ds, f, logits.first, logits.second, postprocess);
}

std::vector<EvalResult> evaluate_configs(
    model::QuantModel& model, const data::SquadDataset& dataset, const std::vector<data::QAFeature>& features,
    const std::vector<quant::PrecisionConfig>& configs, const EvalOptions& options,
    const std::function<void(const quant::PrecisionConfig&, const EvalResult&)>& on_result) {
    std::vector<EvalResult> results;
    results.reserve(configs.size());
    for_each_config_logits(model, features, options.batch_size, configs, options.share_prefixes,
                           options.show_progress, [&](size_t i, const FeatureLogits& logits, double seconds) {
                               auto r = score_logits(dataset, features, logits.first, logits.second,
                                                     options.postprocess);
                               r.seconds += seconds;
                               results.push_back(std::move(r));
                               if (on_result) on_result(configs[i], results.back());
                           });
    return results;
}

}  // namespace bitswitch::eval
