// Causal-LM pretraining loop.
#include "bitswitch/train/pretrain.h"

#include <cmath>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/progress.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/model/checkpoint.h"
#include "bitswitch/text/bpe_tokenizer.h"
#include "bitswitch/train/fused_adamw.h"
#include "bitswitch/train/lr_schedule.h"
#include "bitswitch/train/step_loop.h"
#include "bitswitch/train/token_corpus.h"

namespace bitswitch::train {
PretrainResult run_pretraining(const PretrainConfig& c) {
    if (c.corpus_files.empty()) throw InputError("pretrain: give at least one --corpus file");
    if (c.output_dir.empty()) throw InputError("pretrain: --output_dir is required");
    const auto tok        = text::BpeTokenizer::load(core::tokenizer_dir_for(c.tokenizer_dir));
    model::Gpt2Config cfg = c.model;
    cfg.vocab_size        = tok.vocab_size();
    model::validate(cfg, "pretrain");
    if (c.seq_length + 1 > cfg.n_positions) {
        throw InputError(fmt::format("--seq_length {} needs n_positions > {}", c.seq_length, c.seq_length));
    }

    const auto corpus = load_token_corpus(c.corpus_files, tok, tok.end_of_text_id());
    if (corpus.size() < c.seq_length + 2) throw InputError("pretrain: the corpus is shorter than one window");
    const auto& stream_t  = corpus.stream;
    const auto& vocab_ids = corpus.vocab_ids;
    const auto classes_t  = corpus.class_of.index_select(0, stream_t);  // class of every stream token

    torch::manual_seed(uint64_t(c.seed));
    model::Gpt2ForQuestionAnswering m(cfg);
    model::Gpt2& gpt = m->transformer;
    std::vector<torch::Tensor> params;
    for (auto& p : gpt->parameters()) params.push_back(p);
    FusedAdamW opt(
        params, torch::optim::AdamWOptions(c.learning_rate).weight_decay(c.weight_decay).betas({0.9, 0.95}));
    std::mt19937_64 rng(uint64_t(c.seed));
    std::uniform_int_distribution<int64_t> start_dist(0, corpus.size() - c.seq_length - 2);
    std::fprintf(stderr, "pretrain: %lld corpus tokens, %lld distinct ids, %lld steps of %d x %lld tokens\n",
                 (long long)corpus.size(), (long long)corpus.classes(), (long long)c.max_steps, c.batch_size,
                 (long long)c.seq_length);

    gpt->train();
    const auto compute = [&](int64_t) {
        std::vector<int64_t> starts(size_t(c.batch_size));
        for (auto& s : starts) s = start_dist(rng);
        const auto offsets =
            torch::tensor(starts).view({-1, 1}) + torch::arange(c.seq_length + 1).view({1, -1});
        const auto ids     = stream_t.index({offsets});               // (B, T+1)
        const auto targets = classes_t.index({offsets}).slice(1, 1);  // (B, T) classes of the next tokens
        const auto hidden =
            gpt->forward(ids.slice(1, 0, c.seq_length), {}, m->default_precision());  // (B, T, C)
        const auto weight = gpt->wte->weight.index_select(0, vocab_ids);  // (K, C): tied head, corpus rows
        const auto logits = torch::matmul(hidden, weight.t());            // (B, T, K)
        const auto loss =
            torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(2)}), targets.reshape({-1}));
        loss.backward();
        return loss.item<double>();
    };
    auto result = run_pretraining_steps(c, opt, params, compute);
    gpt->eval();
    model::save_pretrained(m, c.output_dir, c.save_dtype,
                           /*include_qa_head=*/false);  // a language model has no QA head
    result.corpus_tokens = corpus.size();
    result.corpus_vocab  = corpus.classes();
    return result;
}

PretrainResult run_pretraining_steps(const PretrainSettings& c, torch::optim::Optimizer& optimizer,
                                     const std::vector<torch::Tensor>& params,
                                     const std::function<double(int64_t step)>& compute) {
    std::filesystem::create_directories(c.output_dir);
    std::ofstream log_file(std::filesystem::path(c.output_dir) / "pretrain_log.jsonl");
    StepLoopSettings settings;
    settings.total_steps   = c.max_steps;
    settings.lr            = {LrScheduleType::kCosine, c.learning_rate, c.warmup_steps, c.max_steps};
    settings.max_grad_norm = 1.0;
    settings.logging_steps = c.logging_steps;
    settings.label         = "pretrain";
    StepLoopHooks hooks;
    hooks.compute = [&](int64_t step) { return StepLoss{compute(step), {}}; };
    hooks.log     = [&](const LogWindow& w) {
        log_file << nlohmann::json{{"step", w.step}, {"loss", w.loss}, {"elapsed", w.elapsed}}.dump() << "\n";
        log_file.flush();
    };
    hooks.nonfinite_advice = [] { return std::string("Lower --learning_rate."); };
    const auto loop        = run_step_loop(settings, optimizer, params, hooks);
    return {loop.state.window_loss, loop.seconds, 0, 0};
}

}  // namespace bitswitch::train
