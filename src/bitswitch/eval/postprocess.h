// Start/end logits of every feature -> one answer per example, as Hugging Face's utils_qa.py
// (postprocess_qa_predictions) does: the n_best_size best start and end positions of each window, spans
// inside the context with end >= start and at most max_answer_length tokens, the best score
// (start_logit + end_logit) over all windows of the example, the text cut from the original context by
// the tokens' character offsets. For SQuAD 2.0 the best null score (position 0, minimum over windows)
// competes: "" is predicted when null_score - best_span_score > null_score_diff_threshold.
// Ties between equal logits are broken towards the lower position (numpy's argsort leaves them unordered).
#pragma once

#include <string>
#include <vector>

#include "bitswitch/data/qa_features.h"
#include "bitswitch/data/squad.h"

namespace bitswitch::eval {

struct PostprocessOptions {
    int n_best_size                  = 20;
    int max_answer_length            = 30;
    bool version_2_with_negative     = false;
    double null_score_diff_threshold = 0.0;
};

struct Candidate {
    std::string text;
    float start_logit  = 0.0f;
    float end_logit    = 0.0f;
    float score        = 0.0f;  // start_logit + end_logit, in float32 like numpy
    double probability = 0.0;   // softmax of the scores over this example's n-best list
    int64_t char_start = 0;     // code points into the context ([0, 0) for the null answer)
    int64_t char_end   = 0;
};

struct ExamplePrediction {
    std::string id;
    std::string text;              // the answer ("" = no answer, SQuAD 2.0 only)
    std::vector<Candidate> nbest;  // best first
    double null_score_diff = 0.0;  // SQuAD 2.0: null score minus the best span's score
};

/// Indices of the k largest of values[0, n), largest first, equal values in ascending index order: the
/// start (end) positions of one window that postprocess_qa_predictions considers. No other logit of the
/// window matters but position 0's (the null answer's).
std::vector<int> best_positions(const float* values, int n, int k);

/// `start_logits` and `end_logits` hold features.size() rows of max_seq_length floats each.
/// Returns one prediction per example of `dataset`, in example order.
std::vector<ExamplePrediction> postprocess_qa_predictions(const data::SquadDataset& dataset,
                                                          const std::vector<data::QAFeature>& features,
                                                          const std::vector<float>& start_logits,
                                                          const std::vector<float>& end_logits,
                                                          const PostprocessOptions& options);

/// predictions.json in the official format: {"question id": "answer", ...} (example order).
std::string predictions_json(const std::vector<ExamplePrediction>& predictions);
/// nbest_predictions.json: {"question id": [{"text", "probability", "start_logit", "end_logit"}, ...]}.
std::string nbest_json(const std::vector<ExamplePrediction>& predictions);

}  // namespace bitswitch::eval
