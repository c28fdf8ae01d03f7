// RoBERTa's equations in float64: embeddings with padding-offset positions, post-LN layers, erf GELU.
#include "support/encoder_reference.h"

#include <cmath>
#include <string>

namespace bitswitch::testing {
namespace {

using Matrix = std::vector<double>;  // row-major

const std::vector<float>& param(const Weights& w, const std::string& name) {
    return w.at(name);
}

// y = x W^T + b, x (T, in), W (out, in).
Matrix linear(const Matrix& x, int64_t T, const Weights& w, const std::string& name, int64_t in,
              int64_t out) {
    const auto& W = param(w, name + ".weight");
    const auto& b = param(w, name + ".bias");
    Matrix y(size_t(T * out));
    for (int64_t t = 0; t < T; ++t) {
        for (int64_t o = 0; o < out; ++o) {
            double s = b[size_t(o)];
            for (int64_t i = 0; i < in; ++i) s += x[size_t(t * in + i)] * double(W[size_t(o * in + i)]);
            y[size_t(t * out + o)] = s;
        }
    }
    return y;
}

Matrix layer_norm(const Matrix& x, int64_t T, int64_t C, const Weights& w, const std::string& name,
                  double eps) {
    const auto& g = param(w, name + ".weight");
    const auto& b = param(w, name + ".bias");
    Matrix y(x.size());
    for (int64_t t = 0; t < T; ++t) {
        double mean = 0, var = 0;
        for (int64_t c = 0; c < C; ++c) mean += x[size_t(t * C + c)];
        mean /= double(C);
        for (int64_t c = 0; c < C; ++c) var += std::pow(x[size_t(t * C + c)] - mean, 2);
        var /= double(C);
        for (int64_t c = 0; c < C; ++c)
            y[size_t(t * C + c)] =
                (x[size_t(t * C + c)] - mean) / std::sqrt(var + eps) * g[size_t(c)] + b[size_t(c)];
    }
    return y;
}

Matrix add(Matrix a, const Matrix& b) {
    for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
    return a;
}

}  // namespace

std::vector<double> reference_encoder_hidden(const model::EncoderConfig& cfg, const Weights& w,
                                             const std::vector<int64_t>& ids, const std::vector<int>& mask) {
    const int64_t T = int64_t(ids.size()), C = cfg.hidden_size, H = cfg.num_attention_heads, D = C / H;
    const int64_t F = cfg.intermediate_size;
    // A real token sits at pad_token_id + how many real tokens there are up to it; padding at pad_token_id.
    Matrix x(size_t(T * C));
    int64_t real_so_far = 0;
    for (int64_t t = 0; t < T; ++t) {
        real_so_far += mask[size_t(t)] != 0;
        const int64_t position = mask[size_t(t)] != 0 ? cfg.pad_token_id + real_so_far : cfg.pad_token_id;
        for (int64_t c = 0; c < C; ++c) {
            x[size_t(t * C + c)] =
                double(param(w, "roberta.embeddings.word_embeddings.weight")[size_t(ids[t] * C + c)]) +
                param(w, "roberta.embeddings.position_embeddings.weight")[size_t(position * C + c)] +
                param(w, "roberta.embeddings.token_type_embeddings.weight")[size_t(c)];
        }
    }
    x = layer_norm(x, T, C, w, "roberta.embeddings.LayerNorm", cfg.layer_norm_eps);
    for (int64_t l = 0; l < cfg.num_hidden_layers; ++l) {
        const std::string p = "roberta.encoder.layer." + std::to_string(l) + ".";
        const Matrix q      = linear(x, T, w, p + "attention.self.query", C, C);
        const Matrix k      = linear(x, T, w, p + "attention.self.key", C, C);
        const Matrix v      = linear(x, T, w, p + "attention.self.value", C, C);
        Matrix context(size_t(T * C), 0.0);
        for (int64_t h = 0; h < H; ++h) {
            for (int64_t t = 0; t < T; ++t) {
                std::vector<double> score(size_t(T), -INFINITY);
                double top = -INFINITY;
                for (int64_t s = 0; s < T; ++s) {
                    if (mask[size_t(s)] == 0) continue;  // padding keys get no weight
                    double dot = 0;
                    for (int64_t d = 0; d < D; ++d)
                        dot += q[size_t(t * C + h * D + d)] * k[size_t(s * C + h * D + d)];
                    score[size_t(s)] = dot / std::sqrt(double(D));
                    top              = std::max(top, score[size_t(s)]);
                }
                double total = 0;
                for (auto& s : score) total += (s = std::isinf(s) ? 0.0 : std::exp(s - top));
                for (int64_t s = 0; s < T; ++s) {
                    for (int64_t d = 0; d < D; ++d)
                        context[size_t(t * C + h * D + d)] +=
                            score[size_t(s)] / total * v[size_t(s * C + h * D + d)];
                }
            }
        }
        const Matrix attended = layer_norm(add(linear(context, T, w, p + "attention.output.dense", C, C), x),
                                           T, C, w, p + "attention.output.LayerNorm", cfg.layer_norm_eps);
        Matrix inner          = linear(attended, T, w, p + "intermediate.dense", C, F);
        for (double& u : inner) u = 0.5 * u * (1.0 + std::erf(u / std::sqrt(2.0)));
        x = layer_norm(add(linear(inner, T, w, p + "output.dense", F, C), attended), T, C, w,
                       p + "output.LayerNorm", cfg.layer_norm_eps);
    }
    return x;
}

std::vector<double> reference_classifier_logits(const model::EncoderConfig& cfg, const Weights& w,
                                                const std::vector<double>& hidden) {
    const int64_t C = cfg.hidden_size, L = int64_t(cfg.labels.size());
    Matrix first(hidden.begin(), hidden.begin() + C);
    Matrix dense = linear(first, 1, w, "classifier.dense", C, C);
    for (double& u : dense) u = std::tanh(u);
    return linear(dense, 1, w, "classifier.out_proj", C, L);
}

}  // namespace bitswitch::testing
