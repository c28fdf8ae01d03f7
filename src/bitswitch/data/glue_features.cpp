// Tokenizing, framing and batching GLUE examples.
#include "bitswitch/data/glue_features.h"

#include <algorithm>

#include <torch/torch.h>

#include "bitswitch/core/runtime.h"

namespace bitswitch::data {

GlueFeatures build_glue_features(const GlueDataset& dataset, const text::BpeTokenizer& tokenizer,
                                 const text::SequenceFormat& format, int64_t max_seq_length) {
    GlueFeatures f;
    f.pad_id = format.tokens.pad;
    for (const auto& e : dataset.examples) {
        const auto a = tokenizer.encode(e.text_a);
        std::vector<int32_t> b;
        if (!e.text_b.empty()) b = tokenizer.encode(e.text_b);
        auto framed = text::frame_sequence(format, a, e.text_b.empty() ? nullptr : &b, max_seq_length);
        f.truncated += framed.kept_a < int64_t(a.size()) || framed.kept_b < int64_t(b.size());
        f.ids.push_back(std::move(framed.ids));
        f.labels.push_back(e.label);
        f.scores.push_back(e.score);
    }
    return f;
}

EncoderFraming::EncoderFraming(const std::string& tokenizer_dir, const std::filesystem::path& model_dir,
                               int64_t max_seq_length, int64_t encoder_max_tokens)
    : EncoderFraming(core::tokenizer_dir_for(tokenizer_dir, model_dir, "roberta-tokenizer"),
                     std::min(max_seq_length, encoder_max_tokens)) {}

EncoderFraming::EncoderFraming(const std::filesystem::path& resolved_dir, int64_t max_length)
    : tokenizer_(text::BpeTokenizer::load(resolved_dir)),
      format_(text::SequenceFormat::roberta(tokenizer_, resolved_dir.string())),
      max_length_(max_length) {}

GlueFeatures EncoderFraming::features(const GlueDataset& dataset) const {
    return build_glue_features(dataset, tokenizer_, format_, max_length_);
}

Batch make_classification_batch(const GlueFeatures& f, const std::vector<size_t>& indices) {
    const int64_t B = int64_t(indices.size());
    int64_t T       = 1;
    for (const size_t i : indices) T = std::max(T, int64_t(f.ids[i].size()));
    Batch batch;
    batch.input_ids      = torch::full({B, T}, int64_t(f.pad_id), torch::kLong);
    batch.attention_mask = torch::zeros({B, T}, torch::kLong);
    batch.labels         = torch::empty({B}, torch::kLong);
    batch.scores         = torch::empty({B}, torch::kFloat);
    auto ids             = batch.input_ids.accessor<int64_t, 2>();
    auto mask            = batch.attention_mask.accessor<int64_t, 2>();
    for (int64_t r = 0; r < B; ++r) {
        const size_t i = indices[size_t(r)];
        for (size_t t = 0; t < f.ids[i].size(); ++t) {
            ids[r][int64_t(t)]  = f.ids[i][t];
            mask[r][int64_t(t)] = 1;
        }
        batch.labels[r] = int64_t(f.labels[i]);
        batch.scores[r] = f.scores[i];
    }
    return batch;
}

}  // namespace bitswitch::data
