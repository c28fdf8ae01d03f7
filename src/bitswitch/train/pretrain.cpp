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
#include "bitswitch/data/squad.h"
#include "bitswitch/model/checkpoint.h"
#include "bitswitch/text/bpe_tokenizer.h"
#include "bitswitch/train/lr_schedule.h"
#include "bitswitch/train/step_loop.h"

namespace bitswitch::train {
namespace {

std::vector<std::string> documents_of(const std::string& path) {
    std::vector<std::string> docs;
    if (path.size() > 5 && path.substr(path.size() - 5) == ".json") {
        data::SquadLoadOptions o;
        o.check_answer_spans = false;
        for (const auto& c : data::load_squad(path, o).contexts) docs.push_back(c);
        return docs;
    }
    std::istringstream in(core::read_file(path));
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) docs.push_back(line);
    }
    return docs;
}

}  // namespace

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

    std::vector<int64_t> stream;
    for (const auto& file : c.corpus_files) {
        for (const auto& doc : documents_of(file)) {
            for (const int32_t id : tok.encode(doc)) stream.push_back(id);
            stream.push_back(tok.end_of_text_id());
        }
    }
    if (int64_t(stream.size()) < c.seq_length + 2)
        throw InputError("pretrain: the corpus is shorter than one window");
    // Restricted softmax: corpus ids -> dense class indices.
    std::vector<int64_t> class_of(size_t(cfg.vocab_size), -1), vocab;
    for (const int64_t id : stream) {
        if (class_of[size_t(id)] < 0) {
            class_of[size_t(id)] = int64_t(vocab.size());
            vocab.push_back(id);
        }
    }
    const auto vocab_ids = torch::tensor(vocab);
    const auto stream_t  = torch::tensor(stream);
    const auto classes_t = torch::tensor(class_of).index_select(0, stream_t);  // class of every stream token

    torch::manual_seed(uint64_t(c.seed));
    model::Gpt2ForQuestionAnswering m(cfg);
    model::Gpt2& gpt = m->transformer;
    std::vector<torch::Tensor> params;
    for (auto& p : gpt->parameters()) params.push_back(p);
    torch::optim::AdamW opt(
        params, torch::optim::AdamWOptions(c.learning_rate).weight_decay(c.weight_decay).betas({0.9, 0.95}));
    std::mt19937_64 rng(uint64_t(c.seed));
    std::uniform_int_distribution<int64_t> start_dist(0, int64_t(stream.size()) - c.seq_length - 2);
    std::fprintf(stderr, "pretrain: %zu corpus tokens, %zu distinct ids, %lld steps of %d x %lld tokens\n",
                 stream.size(), vocab.size(), (long long)c.max_steps, c.batch_size, (long long)c.seq_length);

    gpt->train();
    std::filesystem::create_directories(c.output_dir);
    std::ofstream log_file(std::filesystem::path(c.output_dir) / "pretrain_log.jsonl");
    StepLoopSettings settings;
    settings.total_steps   = c.max_steps;
    settings.lr            = {LrScheduleType::kCosine, c.learning_rate, c.warmup_steps, c.max_steps};
    settings.max_grad_norm = 1.0;
    settings.logging_steps = c.logging_steps;
    settings.label         = "pretrain";
    StepLoopHooks hooks;
    hooks.compute = [&](int64_t) {
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
        return StepLoss{loss.item<double>(), {}};
    };
    hooks.log = [&](const LogWindow& w) {
        log_file << nlohmann::json{{"step", w.step}, {"loss", w.loss}, {"elapsed", w.elapsed}}.dump() << "\n";
        log_file.flush();
    };
    hooks.nonfinite_advice = [] { return std::string("Lower --learning_rate."); };
    const auto loop        = run_step_loop(settings, opt, params, hooks);
    gpt->eval();
    model::save_pretrained(m, c.output_dir, c.save_dtype,
                           /*include_qa_head=*/false);  // a language model has no QA head
    return {loop.state.window_loss, loop.seconds, int64_t(stream.size()), int64_t(vocab.size())};
}

}  // namespace bitswitch::train
