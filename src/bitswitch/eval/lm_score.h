// Next-token log-likelihood of a text under the model's tied LM head (`bitswitch score`).
// The first token has no context and is not scored. A text longer than n_positions is scored in windows
// of n_positions tokens that start `stride` tokens apart (default n_positions / 2): each window scores
// only the tokens no earlier window scored, so every token after the first is scored exactly once, with
// at least n_positions - stride tokens of context (all preceding tokens within the first window).
#pragma once

#include <cstdint>
#include <vector>

#include "bitswitch/model/gpt2.h"

namespace bitswitch::eval {

struct LmScore {
    int64_t tokens = 0;                  // scored tokens (the text's tokens minus the first)
    double nll     = 0.0;                // total negative log-likelihood, nats
    double ppl     = 0.0;                // exp(nll / tokens)
    std::vector<double> token_logprobs;  // log p(token t | ...) for t = 1..N-1
};

LmScore score_tokens(model::Gpt2ForQuestionAnswering& model, const std::vector<int32_t>& ids,
                     int64_t stride = 0);

}  // namespace bitswitch::eval
