// What the GPT-2-shape benchmarks share: the clock (bench_clock.h), the trainer's LoRA set-up, a random
// QA batch.
#pragma once

#include <vector>

#include <torch/torch.h>

#include "bench_clock.h"
#include "bitswitch/data/batch.h"
#include "bitswitch/model/gpt2.h"
#include "bitswitch/train/trainer.h"

namespace bitswitch::bench {

/// Marks the adapters and the QA head trainable, everything else frozen, as `train --finetune lora` does.
inline std::vector<torch::Tensor> lora_trainable(model::QuantModel& model) {
    std::vector<torch::Tensor> params;
    for (auto& [name, p] : train::mark_trainable(model, train::Finetune::kLora)) params.push_back(p);
    return params;
}

/// Random token ids, a full attention mask and random answer positions for `batch` windows of `tokens`.
struct QaBatch {
    torch::Tensor ids, mask, start, end;
    /// The same as the trainer's batch type.
    data::Batch as_batch() const {
        data::Batch b;
        b.input_ids       = ids;
        b.attention_mask  = mask;
        b.start_positions = start;
        b.end_positions   = end;
        return b;
    }
    QaBatch(int64_t vocab, int64_t batch, int64_t tokens)
        : ids(torch::randint(0, vocab, {batch, tokens})),
          mask(torch::ones({batch, tokens}, torch::kLong)),
          start(torch::randint(0, tokens, {batch})),
          end(torch::randint(0, tokens, {batch})) {}
};

}  // namespace bitswitch::bench
