// Which tokens an attack may change (threat_model.h).
#include "bitswitch/attack/threat_model.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/text/utf8.h"

namespace bitswitch::attack {

std::vector<uint8_t> attackable_positions(const data::QAFeature& feature, const data::QAExample& example,
                                          const ThreatModel& threat) {
    std::vector<uint8_t> out(feature.input_ids.size(), 0);
    if (threat.perturb_question) {
        for (int32_t t = 0; t < feature.context_begin; ++t)
            out[size_t(t)] = feature.attention_mask[size_t(t)];
    }
    for (int32_t t = feature.context_begin; t < feature.context_end; ++t) {
        const auto& offset = feature.offsets[size_t(t)];
        bool in_answer     = false;
        for (const auto& answer : example.answers) {
            const int64_t begin = answer.start;
            const int64_t end   = answer.start + int64_t(text::utf8_length(answer.text));
            if (offset.start < end && begin < offset.end) in_answer = true;
        }
        out[size_t(t)] = in_answer ? 0 : 1;
    }
    return out;
}

torch::Tensor attackable_in_batch(const data::Batch& batch, const ThreatModel& threat) {
    TORCH_CHECK(batch.context_begin.defined(),
                "attackable_in_batch: a batch from data::make_batch is needed");
    const int64_t T      = batch.input_ids.size(1);
    const auto positions = torch::arange(T, torch::kLong).unsqueeze(0);  // (1, T)
    auto allowed         = batch.attention_mask.ne(0);
    if (!threat.perturb_question)
        allowed = allowed.logical_and(positions.ge(batch.context_begin.unsqueeze(1)));
    const auto start = batch.start_positions.unsqueeze(1), end = batch.end_positions.unsqueeze(1);
    const auto in_answer = positions.ge(start).logical_and(positions.le(end)).logical_and(start.gt(0));
    return allowed.logical_and(in_answer.logical_not()).to(torch::kFloat);
}

void check_attackable(const data::SquadDataset& dataset) {
    for (const auto& example : dataset.examples) {
        if (example.answers.empty()) {
            throw InputError(fmt::format(
                "{}: question {} has no answer in its context, so there is no gold span to attack (attacks "
                "need answerable questions: remove SQuAD 2.0's impossible ones from the file)",
                dataset.path, example.id));
        }
    }
}

}  // namespace bitswitch::attack
