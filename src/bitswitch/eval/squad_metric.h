// The official SQuAD metrics, equal to the official evaluation scripts (v1.1 and v2.0) on any input:
// answers are normalised (lower case, ASCII punctuation removed, articles a/an/the removed, whitespace
// collapsed) with Python's own str semantics, then compared exactly (EM) or as bags of tokens (F1), taking
// the best ground truth. Sums run in dataset order in double precision, as Python's floats do.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "bitswitch/data/squad.h"

namespace bitswitch::eval {

/// normalize_answer() of the official scripts.
std::string normalize_answer(const std::string& s);

/// v1.1 token F1 of one prediction against one ground truth (0 when they share no token).
double f1_score(const std::string& prediction, const std::string& ground_truth);
bool exact_match(const std::string& prediction, const std::string& ground_truth);

/// v2.0 variants: an empty normalised answer only matches an empty one (F1 1 or 0).
double f1_score_v2(const std::string& gold, const std::string& prediction);

struct SquadV1Result {
    double exact_match = 0.0;  // percent
    double f1          = 0.0;  // percent
    int64_t total      = 0;
    int64_t missing    = 0;  // questions without a prediction (scored 0)
    /// Each question's score in [0, 1], in the dataset's order: what bootstrap intervals resample.
    std::vector<double> question_em, question_f1;
};

struct SquadV2Result {
    double exact = 0.0, f1 = 0.0;
    int64_t total        = 0;
    double has_ans_exact = 0.0, has_ans_f1 = 0.0;
    int64_t has_ans_total = 0;
    double no_ans_exact = 0.0, no_ans_f1 = 0.0;
    int64_t no_ans_total = 0;
    int64_t missing      = 0;
    std::vector<double> question_em, question_f1;  // each question's score in [0, 1], dataset order
};

using Predictions = std::map<std::string, std::string>;  // question id -> answer text
using WarnFn      = std::function<void(const std::string&)>;

/// evaluate() of evaluate-v1.1.py. A question without a prediction scores 0; `warn` gets one line per id.
SquadV1Result evaluate_v1(const data::SquadDataset& dataset, const Predictions& predictions,
                          const WarnFn& warn = {});

/// evaluate-v2.0.py without a no-answer probability file (threshold 1.0). The official script fails with a
/// KeyError when any prediction is missing; here a missing prediction scores 0 on both metrics and counts
/// in the totals, as in v1.1 (`warn` gets one line per id).
SquadV2Result evaluate_v2(const data::SquadDataset& dataset, const Predictions& predictions,
                          const WarnFn& warn = {});

}  // namespace bitswitch::eval
