// GBDA for extractive QA (gbda.h).
#include "bitswitch/attack/gbda.h"

#include <cmath>
#include <limits>
#include <set>

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/attack/frozen_parameters.h"
#include "bitswitch/core/error.h"
#include "bitswitch/text/utf8.h"

namespace bitswitch::attack {
namespace {

constexpr float kNegativeInfinity = -std::numeric_limits<float>::infinity();
constexpr int kMaxAnswerTokens    = 30;  // postprocess's max_answer_length default

void check_range(double value, double low, double high, const std::string& flag) {
    if (!(value >= low && value <= high))
        throw InputError(fmt::format("{} {} is out of range: give {} to {}", flag, value, low, high));
}

torch::Tensor gumbel_noise(at::IntArrayRef shape, at::Generator& generator) {
    const auto u = torch::rand(shape, generator, torch::kFloat).clamp(1e-10, 1.0 - 1e-7);
    return -torch::log(-torch::log(u));
}

// The best span (start, end) of each row's logits (S, T): start <= end < start + kMaxAnswerTokens, both in
// the context [begin, length), by the largest start + end logit (postprocess's rule within one window).
std::vector<std::pair<int64_t, int64_t>> best_spans(const torch::Tensor& start, const torch::Tensor& end,
                                                    int64_t begin, int64_t length) {
    const auto s       = start.narrow(1, begin, length - begin).contiguous();
    const auto e       = end.narrow(1, begin, length - begin).contiguous();
    const int64_t L    = length - begin;
    auto scores        = s.unsqueeze(2) + e.unsqueeze(1);  // (S, L, L): [start, end]
    const auto allowed = torch::ones({L, L}, torch::kBool)
                             .triu()
                             .logical_and(torch::ones({L, L}, torch::kBool).tril(kMaxAnswerTokens - 1));
    scores.masked_fill_(allowed.logical_not(), kNegativeInfinity);
    const auto best = scores.view({scores.size(0), -1}).argmax(1);
    std::vector<std::pair<int64_t, int64_t>> out;
    for (int64_t r = 0; r < best.size(0); ++r) {
        const int64_t flat = best[r].item<int64_t>();
        out.emplace_back(begin + flat / L, begin + flat % L);
    }
    return out;
}

// exp(mean negative log-likelihood) of tokens [from, length) of each row of ids (S, T) under the LM head.
torch::Tensor perplexity(model::QuantModel& model, const torch::Tensor& ids, int64_t from,
                         const quant::PrecisionConfig& base) {
    const int64_t T   = ids.size(1);
    from              = std::max<int64_t>(from, 1);
    const auto hidden = model.encode(model.embed(ids), {}, base);
    const auto logp   = torch::log_softmax(model.lm_logits(hidden.narrow(1, from - 1, T - from)), -1);
    const auto nll    = -logp.gather(2, ids.narrow(1, from, T - from).unsqueeze(2)).squeeze(2);
    return nll.mean(1).exp();
}

}  // namespace

void validate(const GbdaOptions& o, const std::string& p) {
    check_range(o.iterations, 1, 100000, p + "iterations");
    check_range(o.lr, 1e-6, 100, p + "lr");
    check_range(o.samples, 1, 1000, p + "samples");
    check_range(o.hard_samples, 1, 100000, p + "hard_samples");
    check_range(o.kappa, 0, 1000, p + "kappa");
    check_range(o.fluency, 0, 1000, p + "fluency");
    check_range(o.similarity, 0, 1000, p + "similarity");
    check_range(o.initial_coeff, 0, 1000, p + "initial_coeff");
}

torch::Tensor token_idf(const data::SquadDataset& dataset, const text::BpeTokenizer& tokenizer,
                        int64_t vocab) {
    std::vector<float> df(size_t(vocab), 0.0f);
    std::set<std::string> seen;
    for (const auto& context : dataset.contexts) {
        if (!seen.insert(context).second) continue;
        const auto ids = tokenizer.encode(context);
        for (const int32_t id : std::set<int32_t>(ids.begin(), ids.end())) {
            if (id < vocab) df[size_t(id)] += 1;
        }
    }
    const auto n = float(seen.size());
    auto idf     = torch::tensor(df);
    return torch::log((n + 1) / (idf + 1));
}

torch::Tensor placeable_tokens(const text::BpeTokenizer& tokenizer, int64_t vocab) {
    auto out        = torch::zeros({vocab}, torch::kBool);
    auto* flags     = out.data_ptr<bool>();
    const int64_t n = std::min<int64_t>(vocab, tokenizer.vocab_size());
    for (int32_t id = 0; id < n; ++id) {
        if (id == tokenizer.end_of_text_id()) continue;
        const auto bytes = tokenizer.decode_bytes({id});
        flags[id]        = !bytes.empty() && text::utf8_is_valid(bytes);
    }
    return out;
}

torch::Tensor soft_embeddings(const torch::Tensor& clean, const torch::Tensor& coefficients,
                              const torch::Tensor& table, const torch::Tensor& positions) {
    const int64_t S = coefficients.size(0);
    const auto soft = torch::matmul(coefficients, table);  // (S, m, C)
    return clean.expand({S, clean.size(1), clean.size(2)}).index_copy(1, positions, soft);
}

torch::Tensor span_margin(const torch::Tensor& start, const torch::Tensor& end, int64_t gold_start,
                          int64_t gold_end, int64_t length, double kappa) {
    const auto margin = [&](const torch::Tensor& logits, int64_t gold) {
        const auto real   = logits.narrow(1, 0, length);
        const auto others = real.index_fill(1, torch::tensor({gold}), kNegativeInfinity).amax(1);
        return (real.select(1, gold) - others + kappa).clamp_min(0);
    };
    return margin(start, gold_start) + margin(end, gold_end);
}

AdversarialQuestion gbda_attack(const GbdaContext& ctx, size_t example, const TextWindow& window,
                                const GbdaOptions& options, const StepConfigs& configs, uint64_t seed) {
    auto& model = *ctx.model;
    model::EvalModeGuard eval_mode(model);
    FrozenParameters frozen(model);
    AdversarialQuestion out;
    out.example     = example;
    const auto& f   = *window.feature;
    const int64_t T = window.length, m = int64_t(window.attackable.size());
    const int64_t begin = f.context_begin;
    out.record          = {{"attackable_tokens", m}};
    if (m == 0) return out;

    const auto ids =
        torch::from_blob(const_cast<int32_t*>(f.input_ids.data()), {1, T}, torch::kInt32).to(torch::kLong);
    const auto positions = torch::tensor(window.attackable, torch::kLong);
    const auto table     = model.token_embedding_table().detach();
    const int64_t V      = table.size(0);
    const auto blocked   = torch::zeros({V}).masked_fill(ctx.placeable.logical_not(), kNegativeInfinity);
    torch::Tensor clean, clean_hidden, weights;
    {
        torch::NoGradGuard no_grad;
        clean        = model.embed(ids);
        const auto h = model.encode(clean, {}, ctx.base).narrow(1, begin, T - begin);
        clean_hidden =
            torch::nn::functional::normalize(h, torch::nn::functional::NormalizeFuncOptions().dim(-1));
        weights            = ctx.idf.index_select(0, ids[0].narrow(0, begin, T - begin));
        const double total = weights.sum().item<double>();
        weights            = total > 0 ? weights / total : torch::full_like(weights, 1.0 / double(T - begin));
    }
    const auto clean_at = ids[0].index_select(0, positions);  // (m)
    auto theta          = torch::zeros({m, V});
    theta.index_put_({torch::arange(m), clean_at}, options.initial_coeff);
    theta.requires_grad_(true);
    torch::optim::Adam adam({theta}, torch::optim::AdamOptions(options.lr));
    auto generator            = at::detail::createCPUGenerator(seed);
    const int64_t fluent_from = std::max<int64_t>(window.attackable.front(), 1);
    const auto fixed_targets  = ids.narrow(1, fluent_from, T - fluent_from);  // (1, L)
    const auto rows_in_fluent = positions - fluent_from;                      // (m); < 0 only for position 0

    // The samples of an iteration run one at a time, each backward adding its share of the mean's gradient:
    // the vocabulary-sized tensors of one sample (m x V) are a tenth of a batch's, which bounds memory on
    // GPT-2-sized windows and keeps them below the size glibc maps and unmaps on every allocation.
    for (int it = 0; it < options.iterations; ++it) {
        const auto step = configs(0, it);
        adam.zero_grad();
        for (int sample = 0; sample < options.samples; ++sample) {
            const auto coefficients =
                torch::softmax(theta + blocked + gumbel_noise({1, m, V}, generator), -1);
            const auto embeddings = soft_embeddings(clean, coefficients, table, positions);
            auto loss             = torch::zeros({});
            for (const auto& config : step) {
                const auto [start, end] = model.forward_embeddings(embeddings, {}, &config);
                loss =
                    loss + span_margin(start, end, f.start_position, f.end_position, T, options.kappa).sum() /
                               double(step.size());
            }
            if (options.fluency > 0 || options.similarity > 0) {
                const auto hidden = model.encode(embeddings, {}, ctx.base);
                if (options.fluency > 0) {
                    // Cross-entropy of each token from fluent_from on under the LM: the soft distribution
                    // where the attack changes tokens, the clean token elsewhere.
                    const auto logp = torch::log_softmax(
                        model.lm_logits(hidden.narrow(1, fluent_from - 1, T - fluent_from)),
                        -1);                                                                    // (1, L, V)
                    auto token_ce    = -logp.gather(2, fixed_targets.unsqueeze(2)).squeeze(2);  // (1, L)
                    const auto valid = rows_in_fluent.ge(0);
                    const auto rows  = rows_in_fluent.masked_select(valid);
                    const auto soft_ce =
                        -(coefficients.index({torch::indexing::Slice(), valid}) * logp.index_select(1, rows))
                             .sum(-1);
                    token_ce = token_ce.index_copy(1, rows, soft_ce);
                    loss     = loss + options.fluency * token_ce.mean();
                }
                if (options.similarity > 0) {
                    const auto h = torch::nn::functional::normalize(
                        hidden.narrow(1, begin, T - begin),
                        torch::nn::functional::NormalizeFuncOptions().dim(-1));
                    const auto recall = torch::matmul(clean_hidden, h.transpose(1, 2)).amax(2);  // (1, L)
                    loss              = loss - options.similarity * (recall * weights).sum();
                }
            }
            (loss / double(options.samples)).backward();
        }
        adam.step();
    }

    // Hard samples until one flips the predicted span at the crafting precision.
    torch::NoGradGuard no_grad;
    const auto final_configs = configs(0, options.iterations);
    std::vector<std::pair<int64_t, int64_t>> clean_spans;
    for (const auto& config : final_configs) {
        const auto [s, e] = model.forward(ids, {}, &config);
        clean_spans.push_back(best_spans(s, e, begin, T)[0]);
    }
    torch::Tensor chosen;
    double chosen_margin = std::numeric_limits<double>::infinity();
    bool flipped         = false;
    int tried            = 0;
    const auto logits    = (theta.detach() + blocked).unsqueeze(0);
    while (tried < options.hard_samples && !flipped) {
        const int k                 = std::min(options.samples, options.hard_samples - tried);
        const auto picked           = (logits + gumbel_noise({k, m, V}, generator)).argmax(-1);  // (k, m)
        const auto batch            = ids.expand({k, T}).index_copy(1, positions, picked);
        const auto token_changed    = batch.ne(ids).contiguous();  // (k, T)
        const auto token_changed_at = token_changed.accessor<bool, 2>();
        auto margin                 = torch::zeros({k}, torch::kDouble);
        std::vector<bool> changed(size_t(k), true);
        for (size_t c = 0; c < final_configs.size(); ++c) {
            const auto [s, e] = model.forward(batch, {}, &final_configs[c]);
            margin += span_margin(s, e, f.start_position, f.end_position, T, 0.0).to(torch::kDouble);
            const auto spans = best_spans(s, e, begin, T);
            for (int r = 0; r < k; ++r) {
                // The answer changes when the span moves or when a token inside the same span is replaced.
                bool moved = spans[size_t(r)] != clean_spans[c];
                for (int64_t p = spans[size_t(r)].first; p <= spans[size_t(r)].second && !moved; ++p)
                    moved = token_changed_at[r][p];
                changed[size_t(r)] = changed[size_t(r)] && moved;
            }
        }
        const auto margin_at = margin.accessor<double, 1>();
        for (int r = 0; r < k && !flipped; ++r) {
            ++tried;
            if (changed[size_t(r)] || margin_at[r] < chosen_margin) {
                chosen        = picked[r];
                chosen_margin = margin_at[r];
                flipped       = changed[size_t(r)];
            }
        }
    }

    int64_t changed_tokens = 0;
    auto adversarial_ids   = ids.clone();
    const auto clean_id    = ids.accessor<int64_t, 2>();
    const auto chosen_id   = chosen.contiguous();
    const auto chosen_at   = chosen_id.accessor<int64_t, 1>();
    for (int64_t i = 0; i < m; ++i) {
        const int64_t id = chosen_at[i];
        const int64_t p  = window.attackable[size_t(i)];
        if (id == clean_id[0][p]) continue;
        ++changed_tokens;
        adversarial_ids[0][p] = id;
        const auto& span      = window.spans[size_t(p)];
        out.edits.push_back({span.start, span.end, ctx.tokenizer->decode_bytes({int32_t(id)})});
    }
    const auto both = torch::cat({ids, adversarial_ids});
    const auto ppl  = perplexity(model, both, begin, ctx.base);
    out.record      = {{"tokens_changed", changed_tokens},
                       {"attackable_tokens", m},
                       {"changed_share", double(changed_tokens) / double(m)},
                       {"perplexity_clean", ppl[0].item<double>()},
                       {"perplexity_adversarial", ppl[1].item<double>()},
                       {"flipped_at_crafting", flipped},
                       {"hard_samples_tried", tried},
                       {"iterations", options.iterations}};
    return out;
}

}  // namespace bitswitch::attack
