// Start and end logits of QA features: at one precision config, or at many in one pass over the batches
// where configs that agree on a model's first stages (GPT-2: blocks) share those stages' output. A
// one-block-at-a-time sensitivity sweep then runs, per batch, each block once for the base and each changed
// block onward once per config, instead of every block for every config.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "bitswitch/data/qa_features.h"
#include "bitswitch/model/quant_model.h"
#include "bitswitch/quant/precision.h"

namespace bitswitch::eval {

/// (start, end), features x max_seq_length each, row-major; positions past a feature's real length hold the
/// lowest float.
using FeatureLogits = std::pair<std::vector<float>, std::vector<float>>;

/// The logits of every feature at `precision` (the model's default when null). Features run longest first,
/// so batches pad little; the model must be in eval mode or is put there and back.
FeatureLogits predict_logits(model::QuantModel& model, const std::vector<data::QAFeature>& features,
                             int batch_size, bool show_progress,
                             const quant::PrecisionConfig* precision = nullptr);

/// The logits at each of `configs` (each checked first), equal bit for bit to predict_logits at each. With
/// share_prefixes (and a model run in stages), per batch the configs run in lexicographic order of their
/// stages' precisions and each resumes from its predecessor's output at the first stage they disagree on.
std::vector<FeatureLogits> predict_logits_for_configs(model::QuantModel& model,
                                                      const std::vector<data::QAFeature>& features,
                                                      int batch_size,
                                                      const std::vector<quant::PrecisionConfig>& configs,
                                                      bool share_prefixes, bool show_progress = false);

/// predict_logits_for_configs over consecutive chunks of configs whose logits fit in about 1 GiB, handing
/// each config's logits to use(index, logits, forward_seconds) in config order; forward_seconds is the
/// chunk's forward time divided among its configs.
void for_each_config_logits(model::QuantModel& model, const std::vector<data::QAFeature>& features,
                            int batch_size, const std::vector<quant::PrecisionConfig>& configs,
                            bool share_prefixes, bool show_progress,
                            const std::function<void(size_t, const FeatureLogits&, double)>& use);

}  // namespace bitswitch::eval
