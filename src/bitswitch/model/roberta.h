// RoBERTa (Hugging Face RobertaModel) as libtorch modules whose parameter names are HF's, so a checkpoint's
// tensors map one to one: embeddings.{word,position,token_type}_embeddings, embeddings.LayerNorm,
// encoder.layer.{i}.attention.self.{query,key,value}, .attention.output.{dense,LayerNorm},
// .intermediate.dense, .output.{dense,LayerNorm}. Post-LN layers, bidirectional attention with a padding
// mask, exact (erf) GELU, positions counted from pad_token_id + 1 over the real tokens (HF's
// create_position_ids_from_input_ids, taken from the attention mask), token type 0, dropout in training.
// Heads (RobertaForTask, a QuantModel): RobertaForSequenceClassification's classifier (dense, tanh,
// out_proj on the first token) or a QA span head (qa_outputs), one of the two per model.
// Units, in config order: per layer i (group i) layer.{i}.attention.self.query, .key, .value,
// layer.{i}.attention.kv, layer.{i}.attention.output.dense, layer.{i}.intermediate.dense,
// layer.{i}.output.dense; then the head's linears (group num_hidden_layers): classifier.dense and
// classifier.out_proj, or qa_outputs.
// Not here: checkpoint files (encoder_checkpoint.h), losses and training.
//
// Shapes: B batch, T tokens, C hidden_size, H heads, D = C / H, F intermediate_size, L labels.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "bitswitch/model/encoder_config.h"
#include "bitswitch/model/quant_model.h"
#include "bitswitch/quant/kv_quant.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quant_lora_linear.h"

namespace bitswitch::model {

/// The precisions of one layer's units, taken from a config by the layer's first unit index.
struct EncoderLayerPrecision {
    const quant::UnitPrecision &query, &key, &value, &kv, &attention_output, &intermediate, &output;
};

class RobertaEmbeddingsImpl : public torch::nn::Module {
  public:
    explicit RobertaEmbeddingsImpl(const EncoderConfig& config);
    /// Token embeddings (B, T, C) plus positions and token type 0, normalized, dropout in training.
    /// attention_mask (B, T) gives the positions (undefined: all tokens real).
    torch::Tensor forward(const torch::Tensor& token_embeddings, const torch::Tensor& attention_mask);
    /// HF's position ids: pad_token_id + the running count of real tokens, pad_token_id at padding.
    torch::Tensor position_ids(const torch::Tensor& attention_mask, int64_t batch, int64_t tokens) const;

    torch::nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr},
        token_type_embeddings{nullptr};
    torch::nn::LayerNorm layer_norm{nullptr};  // registered as HF's "LayerNorm"

  private:
    int64_t pad_token_id_;
    double dropout_;
};
TORCH_MODULE(RobertaEmbeddings);

class RobertaSelfAttentionImpl : public torch::nn::Module {
  public:
    explicit RobertaSelfAttentionImpl(const EncoderConfig& config);
    /// x (B, T, C), key_bias (B, T) (0 real, -inf padding; undefined: all real) -> context (B, T, C).
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_bias,
                          const EncoderLayerPrecision& precision);

    quant::QuantLoRALinear query{nullptr}, key{nullptr}, value{nullptr};
    quant::KvQuantOptions kv_options;
    std::string name = "attention";  // "layer.3.attention", for messages

  private:
    int64_t heads_;
    double dropout_;
};
TORCH_MODULE(RobertaSelfAttention);

/// A dense projection, dropout, the residual and a LayerNorm: HF's RobertaSelfOutput and RobertaOutput.
class DenseResidualNormImpl : public torch::nn::Module {
  public:
    DenseResidualNormImpl(int64_t in, const EncoderConfig& config);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& residual,
                          const quant::UnitPrecision& precision);

    quant::QuantLoRALinear dense{nullptr};
    torch::nn::LayerNorm layer_norm{nullptr};  // "LayerNorm"

  private:
    double dropout_;
};
TORCH_MODULE(DenseResidualNorm);

class RobertaAttentionImpl : public torch::nn::Module {
  public:
    explicit RobertaAttentionImpl(const EncoderConfig& config);
    RobertaSelfAttention self{nullptr};
    DenseResidualNorm output{nullptr};
};
TORCH_MODULE(RobertaAttention);

class RobertaIntermediateImpl : public torch::nn::Module {
  public:
    explicit RobertaIntermediateImpl(const EncoderConfig& config);
    torch::Tensor forward(const torch::Tensor& x, const quant::UnitPrecision& precision);  // (B,T,C)->(B,T,F)
    quant::QuantLoRALinear dense{nullptr};

  private:
    bool tanh_gelu_;
};
TORCH_MODULE(RobertaIntermediate);

class RobertaLayerImpl : public torch::nn::Module {
  public:
    explicit RobertaLayerImpl(const EncoderConfig& config);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_bias,
                          const EncoderLayerPrecision& precision);

    RobertaAttention attention{nullptr};
    RobertaIntermediate intermediate{nullptr};
    DenseResidualNorm output{nullptr};
};
TORCH_MODULE(RobertaLayer);

class RobertaEncoderImpl : public torch::nn::Module {
  public:
    explicit RobertaEncoderImpl(const EncoderConfig& config);
    torch::nn::ModuleList layer{nullptr};
    std::vector<RobertaLayer> layers;  // the same modules, typed
};
TORCH_MODULE(RobertaEncoder);

class RobertaModelImpl : public torch::nn::Module {
  public:
    explicit RobertaModelImpl(const EncoderConfig& config);

    /// Padding as an additive bias per key (undefined without a mask).
    torch::Tensor padding_bias(const torch::Tensor& attention_mask, const torch::Tensor& hidden) const;
    torch::Tensor run_layer(int64_t index, const torch::Tensor& hidden, const torch::Tensor& key_bias,
                            const quant::PrecisionConfig& precision);
    /// Final hidden states (B, T, C) from token embeddings (B, T, C).
    torch::Tensor forward_embeddings(const torch::Tensor& token_embeddings,
                                     const torch::Tensor& attention_mask,
                                     const quant::PrecisionConfig& precision);

    /// The layers' units, seven per layer (see the top of this file).
    quant::UnitList units() const;
    std::vector<std::pair<std::string, quant::QuantLoRALinear>> linear_layers() const;
    void set_quant_settings(const quant::QuantSettings& settings);

    EncoderConfig config;
    RobertaEmbeddings embeddings{nullptr};
    RobertaEncoder encoder{nullptr};
};
TORCH_MODULE(RobertaModel);

/// RobertaForSequenceClassification's head: the first token's state, dropout, dense, tanh, dropout,
/// out_proj -> (B, L).
class RobertaClassificationHeadImpl : public torch::nn::Module {
  public:
    explicit RobertaClassificationHeadImpl(const EncoderConfig& config);
    torch::Tensor forward(const torch::Tensor& hidden, const quant::UnitPrecision& dense_precision,
                          const quant::UnitPrecision& out_precision);
    quant::QuantLoRALinear dense{nullptr}, out_proj{nullptr};

  private:
    double dropout_;
};
TORCH_MODULE(RobertaClassificationHead);

/// RobertaForMaskedLM's head, for pretraining: dense, GELU, LayerNorm, then the tied word embeddings plus
/// a bias: hidden (..., C) -> logits (..., K) over the K rows of `decoder` (the embedding table or a subset).
class RobertaLMHeadImpl : public torch::nn::Module {
  public:
    explicit RobertaLMHeadImpl(const EncoderConfig& config);
    torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& decoder,
                          const torch::Tensor& bias);
    torch::nn::Linear dense{nullptr};
    torch::nn::LayerNorm layer_norm{nullptr};
    torch::Tensor bias;  // (V)
};
TORCH_MODULE(RobertaLMHead);

enum class EncoderHead { kSequenceClassification, kQuestionAnswering };

/// The encoder with one task head: `roberta` plus `classifier` (config.labels.size() classes) or
/// `qa_outputs` (C -> 2).
class RobertaForTaskImpl : public QuantModel {
  public:
    RobertaForTaskImpl(const EncoderConfig& config, EncoderHead head);

    std::vector<std::pair<std::string, quant::QuantLoRALinear>> linear_layers() const override;
    torch::Tensor embed(const torch::Tensor& input_ids) override;
    torch::Tensor token_embedding_table() const override {
        return roberta->embeddings->word_embeddings->weight;
    }
    torch::Tensor encode(const torch::Tensor& embeddings, const torch::Tensor& attention_mask,
                         const quant::PrecisionConfig& precision) override;
    /// The span head; InputError on a classification model.
    SpanLogits qa_head(const torch::Tensor& hidden, const quant::PrecisionConfig& precision) override;
    /// Class logits (B, L) from hidden states (B, T, C); InputError on a QA model.
    torch::Tensor classify(const torch::Tensor& hidden, const quant::PrecisionConfig& precision) override;
    std::vector<std::string> class_labels() const override;
    /// One stage per layer; the embeddings (positions from the mask) come first, in stage_begin.
    int64_t stage_count() const override { return roberta->config.num_hidden_layers; }
    StageInput stage_begin(const torch::Tensor& embeddings, const torch::Tensor& attention_mask) override;
    torch::Tensor stage(int64_t index, const torch::Tensor& hidden, const torch::Tensor& key_bias,
                        const quant::PrecisionConfig& precision) override;
    torch::Tensor stage_end(const torch::Tensor& hidden) override { return hidden; }
    void set_quant_settings(const quant::QuantSettings& settings) override;

    EncoderHead head;
    RobertaModel roberta{nullptr};
    RobertaClassificationHead classifier{nullptr};  // kSequenceClassification
    quant::QuantLoRALinear qa_outputs{nullptr};     // kQuestionAnswering
};
TORCH_MODULE(RobertaForTask);

}  // namespace bitswitch::model
