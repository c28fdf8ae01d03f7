// A plain-loop RoBERTa forward in float64 used only as a test oracle: no libtorch, just the equations of
// Hugging Face's modeling_roberta, written independently of src/bitswitch/model. Slow; for tiny configs.
#pragma once

#include <cstdint>
#include <vector>

#include "bitswitch/model/encoder_config.h"
#include "support/gpt2_reference.h"  // Weights

namespace bitswitch::testing {

/// Final hidden states (T, C), row-major, of one sequence; mask[t] = 0 marks padding. Weights are keyed by
/// the task model's names ("roberta.encoder.layer.0.attention.self.query.weight", [out, in]).
std::vector<double> reference_encoder_hidden(const model::EncoderConfig& config, const Weights& w,
                                             const std::vector<int64_t>& ids, const std::vector<int>& mask);

/// RobertaClassificationHead's logits (L) from the hidden states of one sequence (its first token).
std::vector<double> reference_classifier_logits(const model::EncoderConfig& config, const Weights& w,
                                                const std::vector<double>& hidden);

}  // namespace bitswitch::testing
