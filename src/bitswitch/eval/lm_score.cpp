#include "bitswitch/eval/lm_score.h"

#include <cmath>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/model/deployment_file.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/text/bpe_tokenizer.h"

namespace bitswitch::eval {

std::vector<LmWindow> lm_windows(int64_t tokens, int64_t width, int64_t stride) {
    if (stride <= 0) stride = std::max<int64_t>(1, width / 2);
    if (stride > width) throw InputError(fmt::format("--stride {} exceeds n_positions {}", stride, width));
    std::vector<LmWindow> out;
    int64_t scored_until = 1;  // tokens [1, scored_until) are done
    for (int64_t begin = 0; scored_until < tokens; begin += stride) {
        const int64_t end = std::min(tokens, begin + width);
        out.push_back({begin, end, scored_until});
        scored_until = end;
    }
    return out;
}

LmScore score_tokens(model::Gpt2ForQuestionAnswering& model, const std::vector<int32_t>& ids, int64_t stride,
                     const quant::PrecisionConfig* precision) {
    const quant::PrecisionConfig& p = precision ? *precision : model->default_precision();
    const auto windows      = lm_windows(int64_t(ids.size()), model->transformer->config.n_positions, stride);
    const bool was_training = model->is_training();
    if (was_training) model->eval();
    torch::NoGradGuard no_grad;
    LmScore r;
    for (const auto& [begin, end, first_scored] : windows) {
        const auto input = torch::tensor(std::vector<int64_t>(ids.begin() + begin, ids.begin() + end))
                               .view({1, end - begin});
        const auto logp = torch::log_softmax(
            model->transformer->lm_logits(model->transformer->forward(input, {}, p)), -1)[0];  // (T, V)
        for (int64_t t = first_scored; t < end; ++t) {  // token t is predicted at position t - 1
            const double lp = logp[t - 1 - begin][ids[size_t(t)]].item<double>();
            r.token_logprobs.push_back(lp);
            r.nll -= lp;
        }
    }
    if (was_training) model->train();
    r.tokens = int64_t(r.token_logprobs.size());
    r.ppl    = r.tokens > 0 ? std::exp(r.nll / double(r.tokens)) : 1.0;
    return r;
}

ScoreReport run_score(const ScoreConfig& c) {
    if (c.precision.size() > 1) throw InputError("score: give one --precision");
    const auto tok    = model::load_tokenizer(c.tokenizer_dir, c.model_dir);
    const auto ids    = tok.encode(core::read_file(c.file));
    const auto loaded = model::LoadedModel::load(c.model_dir, c.quant_override);
    loaded.model().set_engine(c.engine);
    const auto config = loaded.configs(c.precision, c.activate_lora_idx).front();
    auto gpt2         = loaded.gpt2();
    // Embeddings, LayerNorms and the tied LM head stay in full precision; blocks follow the config.
    return {score_tokens(gpt2, ids, c.stride, &config), ids, config.source};
}

}  // namespace bitswitch::eval
