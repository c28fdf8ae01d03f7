// Next-token log-likelihood of a text under the model's tied LM head (`bitswitch score`).
// The first token has no context and is not scored. A text longer than n_positions is scored in windows
// of n_positions tokens that start `stride` tokens apart (default n_positions / 2): each window scores
// only the tokens no earlier window scored, so every token after the first is scored exactly once, with
// at least n_positions - stride tokens of context (all preceding tokens within the first window).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bitswitch/model/gpt2.h"
#include "bitswitch/quant/quant_settings.h"

namespace bitswitch::eval {

struct LmScore {
    int64_t tokens = 0;                  // scored tokens (the text's tokens minus the first)
    double nll     = 0.0;                // total negative log-likelihood, nats
    double ppl     = 0.0;                // exp(nll / tokens)
    std::vector<double> token_logprobs;  // log p(token t | ...) for t = 1..N-1
};

/// One window of a text as score_tokens reads it: tokens [begin, end) in, tokens [first_scored, end) scored.
struct LmWindow {
    int64_t begin = 0, end = 0, first_scored = 1;
};

/// The windows of a text of `tokens` tokens for a model of n_positions `width` (stride 0: width / 2).
/// InputError when the stride exceeds the width.
std::vector<LmWindow> lm_windows(int64_t tokens, int64_t width, int64_t stride);

/// Scores `ids` at `precision` (the model's default when null).
LmScore score_tokens(model::Gpt2ForQuestionAnswering& model, const std::vector<int32_t>& ids,
                     int64_t stride = 0, const quant::PrecisionConfig* precision = nullptr);

/// Everything `bitswitch score` can be told.
struct ScoreConfig {
    std::string model_dir, file, tokenizer_dir;
    int64_t stride = 0;  // 0 = n_positions / 2
    std::optional<quant::QuantSettings> quant_override;
    quant::Engine engine = quant::Engine::kAuto;  // --engine
    std::vector<std::string> precision;           // at most one config; none = the model's first
    std::vector<int> activate_lora_idx;
};

struct ScoreReport {
    LmScore score;
    std::vector<int32_t> ids;  // the text's tokens
    std::string precision;     // the config it ran at, as written
};

/// Loads the model and the text, scores it.
ScoreReport run_score(const ScoreConfig& config);

}  // namespace bitswitch::eval
