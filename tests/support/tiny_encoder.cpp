#include "support/tiny_encoder.h"

#include <torch/torch.h>

#include "bitswitch/model/encoder_checkpoint.h"

namespace bitswitch::testing {

model::EncoderConfig tiny_encoder_config(std::vector<std::string> labels) {
    model::EncoderConfig c;
    c.vocab_size              = 64;
    c.hidden_size             = 16;
    c.num_hidden_layers       = 2;
    c.num_attention_heads     = 2;
    c.intermediate_size       = 40;
    c.max_position_embeddings = 20;
    c.labels                  = std::move(labels);
    return c;
}

void save_real_vocab_encoder(const std::filesystem::path& dir, uint64_t seed, int64_t max_positions) {
    model::EncoderConfig c;
    c.vocab_size                   = 50265;
    c.hidden_size                  = 32;
    c.num_hidden_layers            = 1;
    c.num_attention_heads          = 2;
    c.intermediate_size            = 64;
    c.max_position_embeddings      = max_positions;
    c.hidden_dropout_prob          = 0.0;
    c.attention_probs_dropout_prob = 0.0;
    torch::manual_seed(seed);
    const model::RobertaForTask encoder(c, model::EncoderHead::kQuestionAnswering);
    model::save_encoder_pretrained(encoder, dir, torch::kFloat32, /*include_head=*/false);
}

}  // namespace bitswitch::testing
