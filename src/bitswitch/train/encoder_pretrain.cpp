// Masked-LM pretraining loop of the encoder.
#include "bitswitch/train/encoder_pretrain.h"

#include <algorithm>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/model/encoder_checkpoint.h"
#include "bitswitch/text/bpe_tokenizer.h"
#include "bitswitch/text/sequence_format.h"
#include "bitswitch/train/fused_adamw.h"
#include "bitswitch/train/token_corpus.h"

namespace bitswitch::train {
namespace {

constexpr int64_t kIgnore = -100;  // cross_entropy's ignore_index: tokens that are not predicted

}  // namespace

MaskedTokens mask_for_mlm(const torch::Tensor& ids, const torch::Tensor& maskable, double probability,
                          int64_t mask_id, const std::vector<int64_t>& pool, std::mt19937_64& rng) {
    MaskedTokens out{ids.clone(), torch::full_like(ids, kIgnore)};
    auto input   = out.input_ids.accessor<int64_t, 2>();
    auto targets = out.targets.accessor<int64_t, 2>();
    auto can     = maskable.accessor<bool, 2>();
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
    bool chosen = false;
    for (int64_t b = 0; b < ids.size(0); ++b) {
        for (int64_t t = 0; t < ids.size(1); ++t) {
            if (!can[b][t] || uniform(rng) >= probability) continue;
            targets[b][t]  = input[b][t];
            const double u = uniform(rng);
            if (u < 0.8) {
                input[b][t] = mask_id;
            } else if (u < 0.9) {
                input[b][t] = pool[pick(rng)];
            }
            chosen = true;
        }
    }
    // A batch with nothing chosen would have no loss: then its first maskable token is masked.
    for (int64_t i = 0; !chosen && i < ids.numel(); ++i) {
        const int64_t b = i / ids.size(1), t = i % ids.size(1);
        if (!can[b][t]) continue;
        targets[b][t] = input[b][t];
        input[b][t]   = mask_id;
        chosen        = true;
    }
    return out;
}

PretrainResult run_encoder_pretraining(const EncoderPretrainConfig& c) {
    if (c.corpus_files.empty()) throw InputError("pretrain: give at least one --corpus file");
    if (c.output_dir.empty()) throw InputError("pretrain: --output_dir is required");
    if (!(c.mask_probability > 0.0 && c.mask_probability < 1.0))
        throw InputError(fmt::format("--mask_probability {} must be between 0 and 1", c.mask_probability));
    const auto tokenizer_dir = core::tokenizer_dir_for(c.tokenizer_dir, {}, "roberta-tokenizer").string();
    const auto tok           = text::BpeTokenizer::load(tokenizer_dir);
    const auto format        = text::SequenceFormat::roberta(tok, tokenizer_dir);
    model::EncoderConfig cfg = c.model;
    cfg.vocab_size           = tok.vocab_size();
    cfg.pad_token_id         = format.tokens.pad;
    cfg.labels.clear();
    model::validate(cfg, "pretrain");
    if (c.seq_length < 3 || c.seq_length > cfg.max_tokens()) {
        throw InputError(
            fmt::format("--seq_length {} must be 3..{} (max_position_embeddings {} less the padding "
                        "offset {})",
                        c.seq_length, cfg.max_tokens(), cfg.max_position_embeddings, cfg.pad_token_id + 1));
    }

    const auto corpus    = load_token_corpus(c.corpus_files, tok, format.tokens.sep);
    const int64_t window = c.seq_length - 2;
    if (corpus.size() < window + 1) throw InputError("pretrain: the corpus is shorter than one window");
    const std::vector<int64_t> pool(corpus.vocab_ids.data_ptr<int64_t>(),
                                    corpus.vocab_ids.data_ptr<int64_t>() + corpus.classes());

    torch::manual_seed(uint64_t(c.seed));
    model::RobertaForTask m(cfg, model::EncoderHead::kQuestionAnswering);  // the head is not trained or saved
    model::RobertaLMHead lm_head(cfg);
    std::vector<torch::Tensor> params;
    for (auto& p : m->roberta->parameters()) params.push_back(p);
    for (auto& p : lm_head->parameters()) params.push_back(p);
    FusedAdamW opt(
        params, torch::optim::AdamWOptions(c.learning_rate).weight_decay(c.weight_decay).betas({0.9, 0.98}));
    std::mt19937_64 rng(uint64_t(c.seed));
    std::uniform_int_distribution<int64_t> start_dist(0, corpus.size() - window);
    std::fprintf(stderr, "pretrain: %lld corpus tokens, %lld distinct ids, %lld steps of %d x %lld tokens\n",
                 (long long)corpus.size(), (long long)corpus.classes(), (long long)c.max_steps, c.batch_size,
                 (long long)c.seq_length);

    m->train();
    lm_head->train();
    const auto B       = int64_t(c.batch_size);
    const auto compute = [&](int64_t) {
        std::vector<int64_t> starts(static_cast<size_t>(B));
        for (auto& s : starts) s = start_dist(rng);
        const auto offsets = torch::tensor(starts).view({-1, 1}) + torch::arange(window).view({1, -1});
        const auto ids     = torch::cat(
                {torch::full({B, 1}, int64_t(format.tokens.cls), torch::kLong), corpus.stream.index({offsets}),
                 torch::full({B, 1}, int64_t(format.tokens.sep), torch::kLong)},
                1);  // (B, T)
        const auto maskable = torch::ones({B, c.seq_length}, torch::kBool);
        maskable.select(1, 0).fill_(false);
        maskable.select(1, c.seq_length - 1).fill_(false);
        const auto masked = mask_for_mlm(ids, maskable, c.mask_probability, format.tokens.mask, pool, rng);
        const auto chosen = masked.targets.ne(kIgnore);
        const auto hidden = m->encode(m->embed(masked.input_ids), {}, m->default_precision());  // (B, T, C)
        const auto at     = hidden.index({chosen});                                             // (N, C)
        const auto decoder =
            m->roberta->embeddings->word_embeddings->weight.index_select(0, corpus.vocab_ids);
        const auto bias    = lm_head->bias.index_select(0, corpus.vocab_ids);
        const auto classes = corpus.class_of.index_select(0, masked.targets.index({chosen}));
        // The (N, K) logits in slices of rows, each under glibc's largest mmap threshold (32 MB): one
        // (N, K) buffer and its gradient would be fresh mmaps every step, whose page faults cost more than
        // the product itself (measured: 0.9 against 3.0 steps/s at --mask_probability 0.4).
        const int64_t rows_per_slice = std::max<int64_t>(1, (16 << 20) / (4 * decoder.size(0)));
        torch::Tensor loss           = torch::zeros({}, at.options());
        for (int64_t r = 0; r < at.size(0); r += rows_per_slice) {
            const auto rows   = torch::indexing::Slice(r, std::min(r + rows_per_slice, at.size(0)));
            const auto logits = lm_head->forward(at.index({rows}), decoder, bias);  // (slice, K)
            loss              = loss + torch::nn::functional::cross_entropy(
                                           logits, classes.index({rows}),
                                           torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
        }
        loss = loss / double(at.size(0));
        loss.backward();
        return loss.item<double>();
    };
    auto result = run_pretraining_steps(c, opt, params, compute);
    m->eval();
    model::save_encoder_pretrained(m, c.output_dir, c.save_dtype, /*include_head=*/false);
    result.corpus_tokens = corpus.size();
    result.corpus_vocab  = corpus.classes();
    return result;
}

}  // namespace bitswitch::train
