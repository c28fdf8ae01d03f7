// Plain-loop GPT-2 equations (pre-LN blocks, causal masked attention, tanh GELU), double accumulation.
#include "support/gpt2_reference.h"

#include <cmath>

namespace bitswitch::testing {
namespace {

const std::vector<float>& at(const Weights& w, const std::string& name) {
    return w.at(name);
}

std::vector<float> layer_norm(const std::vector<float>& x, int64_t T, int64_t C, const std::vector<float>& g,
                              const std::vector<float>& b, double eps) {
    std::vector<float> out(x.size());
    for (int64_t t = 0; t < T; ++t) {
        double mean = 0, var = 0;
        for (int64_t c = 0; c < C; ++c) mean += x[t * C + c];
        mean /= double(C);
        for (int64_t c = 0; c < C; ++c) var += (x[t * C + c] - mean) * (x[t * C + c] - mean);
        var /= double(C);  // biased, as nn.LayerNorm
        const double inv = 1.0 / std::sqrt(var + eps);
        for (int64_t c = 0; c < C; ++c) out[t * C + c] = float((x[t * C + c] - mean) * inv * g[c] + b[c]);
    }
    return out;
}

double gelu_tanh(double x) {
    return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}

}  // namespace

std::vector<float> reference_linear(const std::vector<float>& x, int64_t T, const std::vector<float>& W,
                                    const std::vector<float>& b, int64_t in, int64_t out) {
    std::vector<float> y(size_t(T * out));
    for (int64_t t = 0; t < T; ++t) {
        for (int64_t o = 0; o < out; ++o) {
            double s = b.empty() ? 0.0 : b[o];
            for (int64_t i = 0; i < in; ++i) s += double(x[t * in + i]) * W[o * in + i];
            y[t * out + o] = float(s);
        }
    }
    return y;
}

std::vector<float> reference_hidden(const model::Gpt2Config& cfg, const Weights& w,
                                    const std::vector<int64_t>& ids, const std::vector<int>& mask) {
    const int64_t T = int64_t(ids.size()), C = cfg.n_embd, H = cfg.n_head, D = C / H, F = cfg.inner_dim();
    std::vector<float> x(size_t(T * C));
    for (int64_t t = 0; t < T; ++t) {
        for (int64_t c = 0; c < C; ++c)
            x[t * C + c] =
                at(w, "transformer.wte.weight")[ids[t] * C + c] + at(w, "transformer.wpe.weight")[t * C + c];
    }
    for (int64_t l = 0; l < cfg.n_layer; ++l) {
        const std::string p = "transformer.h." + std::to_string(l) + ".";
        const auto h1 =
            layer_norm(x, T, C, at(w, p + "ln_1.weight"), at(w, p + "ln_1.bias"), cfg.layer_norm_epsilon);
        const auto qkv =
            reference_linear(h1, T, at(w, p + "attn.c_attn.weight"), at(w, p + "attn.c_attn.bias"), C, 3 * C);
        std::vector<float> y(size_t(T * C), 0.0f);
        for (int64_t hd = 0; hd < H; ++hd) {
            for (int64_t t = 0; t < T; ++t) {
                std::vector<double> score(size_t(t + 1));
                double max_score = -1e300;
                for (int64_t s = 0; s <= t; ++s) {
                    if (!mask[s]) continue;
                    double dot = 0;
                    for (int64_t d = 0; d < D; ++d)
                        dot += double(qkv[t * 3 * C + hd * D + d]) * qkv[s * 3 * C + C + hd * D + d];
                    score[s]  = dot / std::sqrt(double(D));
                    max_score = std::max(max_score, score[s]);
                }
                double total = 0;
                for (int64_t s = 0; s <= t; ++s) total += mask[s] ? std::exp(score[s] - max_score) : 0.0;
                for (int64_t d = 0; d < D; ++d) {
                    double acc = 0;
                    for (int64_t s = 0; s <= t; ++s) {
                        if (mask[s])
                            acc +=
                                std::exp(score[s] - max_score) / total * qkv[s * 3 * C + 2 * C + hd * D + d];
                    }
                    y[t * C + hd * D + d] = float(acc);
                }
            }
        }
        const auto proj =
            reference_linear(y, T, at(w, p + "attn.c_proj.weight"), at(w, p + "attn.c_proj.bias"), C, C);
        for (size_t i = 0; i < x.size(); ++i) x[i] += proj[i];
        const auto h2 =
            layer_norm(x, T, C, at(w, p + "ln_2.weight"), at(w, p + "ln_2.bias"), cfg.layer_norm_epsilon);
        auto fc = reference_linear(h2, T, at(w, p + "mlp.c_fc.weight"), at(w, p + "mlp.c_fc.bias"), C, F);
        for (auto& v : fc) v = float(gelu_tanh(v));
        const auto out =
            reference_linear(fc, T, at(w, p + "mlp.c_proj.weight"), at(w, p + "mlp.c_proj.bias"), F, C);
        for (size_t i = 0; i < x.size(); ++i) x[i] += out[i];
    }
    return layer_norm(x, T, C, at(w, "transformer.ln_f.weight"), at(w, "transformer.ln_f.bias"),
                      cfg.layer_norm_epsilon);
}

}  // namespace bitswitch::testing
