// What quant/, train/ and eval/ (and next analysis/, attack/, serve/) need from a model, so that each of
// them works with GPT-2, an encoder or a toy model in a test alike:
//   - the quantizable units it declares (quant/units.h), which every precision config resolves against;
//   - its quantized linears, for adapters, trainable parameters, sizes and run folders;
//   - embed(ids) and a forward from embeddings with an attention mask (attacks perturb embeddings);
//   - its task heads (the QA span head; a sequence classifier).
// Precision is an argument of every forward, so two threads can run one loaded model at two precisions.
// A default precision (set_precision) serves single callers that do not pass one, such as the trainer's
// evaluations and the tests; concurrent callers must pass their own.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/types.h>

#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/quant_lora_linear.h"
#include "bitswitch/quant/quant_settings.h"
#include "bitswitch/quant/units.h"

namespace bitswitch::model {

/// Start and end logits of the QA span head, (B, T) each.
using SpanLogits = std::pair<torch::Tensor, torch::Tensor>;

class QuantModel : public torch::nn::Module {
  public:
    /// The quantizable units, in precision-config order; fixed once the model is built.
    const quant::UnitList& units() const { return units_; }
    /// Every quantized linear (the linear and head units) with its unit name, in unit order.
    virtual std::vector<std::pair<std::string, quant::QuantLoRALinear>> linear_layers() const = 0;
    /// The linear of unit `name`; Error when there is none.
    quant::QuantLoRALinear linear(const std::string& name) const;

    /// Token embeddings of input_ids (B, T) int64 -> (B, T, C): what input-space attacks perturb. Position
    /// embeddings, where the model has them, are added by encode().
    virtual torch::Tensor embed(const torch::Tensor& input_ids) = 0;
    /// The token embedding table (V, C) embed() looks up rows of: what soft-token attacks mix and what an
    /// embedding-space budget is measured against.
    virtual torch::Tensor token_embedding_table() const = 0;
    /// Final hidden states (B, T, C) from token embeddings. attention_mask (B, T): 1 for real tokens, 0 for
    /// padding, or undefined when all are real.
    virtual torch::Tensor encode(const torch::Tensor& embeddings, const torch::Tensor& attention_mask,
                                 const quant::PrecisionConfig& precision) = 0;
    /// Encoding stage by stage, so that configs which agree on the first stages' units can share their
    /// output (eval/multi_config.h). Stage g uses exactly the units of group g; the groups from stage_count()
    /// on (the heads) act after the last stage. With s = stage_begin(e, m), h_0 = s.hidden and
    /// h_{g+1} = stage(g, h_g, s.key_bias, p), stage_end(h_n) equals encode(e, m, p) bit for bit. A model
    /// that cannot be split reports 0 stages (the default) and is run whole.
    struct StageInput {
        torch::Tensor hidden;    // (B, T, C): the input of stage 0
        torch::Tensor key_bias;  // what the stages need of the attention mask (undefined: all real)
    };
    virtual int64_t stage_count() const { return 0; }
    virtual StageInput stage_begin(const torch::Tensor& embeddings, const torch::Tensor& attention_mask);
    virtual torch::Tensor stage(int64_t index, const torch::Tensor& hidden, const torch::Tensor& key_bias,
                                const quant::PrecisionConfig& precision);
    virtual torch::Tensor stage_end(const torch::Tensor& hidden);

    /// The QA span head on hidden states (B, T, C).
    virtual SpanLogits qa_head(const torch::Tensor& hidden, const quant::PrecisionConfig& precision) = 0;
    /// Class logits (B, L) of the sequence classification head on hidden states (B, T, C); InputError for
    /// a model without one (the default).
    virtual torch::Tensor classify(const torch::Tensor& hidden, const quant::PrecisionConfig& precision);
    /// The classes of that head in label order (empty: no classification head).
    virtual std::vector<std::string> class_labels() const { return {}; }
    /// Next-token logits (..., V) of the model's language-model head on hidden states (..., C): what an
    /// attack's fluency term scores text with. InputError for a model without one (the default).
    virtual torch::Tensor lm_logits(const torch::Tensor& hidden);
    /// Each layer's attention probabilities (B, H, T, T) (query rows, key columns) on the way through
    /// encode(embeddings, attention_mask, precision): what attention-ranking attacks read. InputError for a
    /// model that does not expose them (the default).
    virtual std::vector<torch::Tensor> attention_maps(const torch::Tensor& embeddings,
                                                      const torch::Tensor& attention_mask,
                                                      const quant::PrecisionConfig& precision);

    /// qa_head(encode(embed(ids), mask)) at `precision`, or at the default precision when null.
    SpanLogits forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask = {},
                       const quant::PrecisionConfig* precision = nullptr);
    /// The same from token embeddings (B, T, C).
    SpanLogits forward_embeddings(const torch::Tensor& embeddings, const torch::Tensor& attention_mask = {},
                                  const quant::PrecisionConfig* precision = nullptr);

    /// InputError naming what cannot run: a config resolved for another model, a unit's missing adapter,
    /// bits outside 2..16 and 32.
    void check_precision(const quant::PrecisionConfig& config) const;
    /// The precision of calls that pass none (initially full precision without adapters), after
    /// check_precision. Not for concurrent callers.
    void set_precision(const quant::PrecisionConfig& config);
    const quant::PrecisionConfig& default_precision() const { return default_precision_; }

    /// Quantizer settings of every unit (the bits stay per call). Not while other threads run the model.
    virtual void set_quant_settings(const quant::QuantSettings& settings) = 0;

    /// How every quantized linear computes at inference (quant::Engine; kAuto picks packed for a model that
    /// holds only packed levels, fake quantization otherwise). Not while other threads run the model.
    void set_engine(quant::Engine engine);
    /// The engine the linears run (never kAuto).
    quant::Engine engine() const;

    /// Deployment: every quantized linear keeps only the packed weights `configs` run it at and frees its
    /// float weight (QuantLoRALinear::keep_only_packed), and the engine becomes packed. Afterwards the model
    /// runs exactly these configs (and any other made of the same per-unit levels); memory holds their bits.
    void keep_only_packed(const std::vector<quant::PrecisionConfig>& configs);

    /// Parameters kept in full precision whatever the config (embeddings, LayerNorms): every parameter but
    /// the quantized linears' weights and biases and the adapters. For model sizes.
    int64_t full_precision_parameters() const;

  protected:
    /// Called once by a model's constructor, after its modules exist.
    void declare_units(quant::UnitList units);

  private:
    quant::UnitList units_;
    quant::PrecisionConfig default_precision_;
};

/// Puts a model in eval mode (no dropout) for a scope and back. Only a model in training mode is switched:
/// concurrent evaluations of one model in eval mode then write nothing shared.
class EvalModeGuard {
  public:
    explicit EvalModeGuard(QuantModel& model) : model_(model), was_training_(model.is_training()) {
        if (was_training_) model_.eval();
    }
    ~EvalModeGuard() {
        if (was_training_) model_.train();
    }
    EvalModeGuard(const EvalModeGuard&)            = delete;
    EvalModeGuard& operator=(const EvalModeGuard&) = delete;

  private:
    QuantModel& model_;
    bool was_training_;
};

}  // namespace bitswitch::model
