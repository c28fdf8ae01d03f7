// The quantizable units of a model, as the model declares them (model/quant_model.h). Every precision config
// is resolved against such a list: quant/ itself knows no model's layer names, so GPT-2, an encoder or a toy
// model in a test all reuse the same configs, parsers and size accounting.
//   linear  a quantized linear layer: w_bits for its weight, a_bits for its input, one adapter per level
//   kv      the keys and values of one attention layer: kv_bits
//   head    a task head's linear (qa_outputs): like linear, but its adapters are optional
// A unit's group is its entry in a list-form config ("8,8,6": one entry per block, the heads after them).
// Its module is the kind of computation it belongs to, the same names for every model, so that one config
// quantizes "the attention" or "the feed-forward" of GPT-2 and RoBERTa alike (seed 004's module groups):
//   attention  the attention's projections (GPT-2: c_attn, attn.c_proj; RoBERTa: query, key, value,
//              attention.output.dense)
//   fc         the feed-forward's two linears      kv   keys and values      head   the task head's linears
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bitswitch/core/enum_names.h"

namespace bitswitch::quant {

enum class UnitKind { kLinear, kKv, kHead };
inline constexpr core::EnumName<UnitKind> kUnitKindNames[] = {
    {UnitKind::kLinear, "linear"}, {UnitKind::kKv, "kv"}, {UnitKind::kHead, "head"}};

struct QuantUnit {
    std::string name;  // "h.3.mlp.c_fc": what configs, tables and errors call it
    UnitKind kind       = UnitKind::kLinear;
    int64_t group       = 0;                    // entry in a list-form config
    int64_t in_features = 0, out_features = 0;  // linear and head units: the weight is (out, in)
    bool bias = false;
    std::string module;  // "attention", "fc", "kv" or "head" (see above)
    bool has_weight() const { return kind != UnitKind::kKv; }
};

using UnitList = std::vector<QuantUnit>;

/// Entries of a list-form config: the highest group + 1.
int64_t group_count(const UnitList& units);

/// A readable name for group g: the longest dotted prefix its units share ("h.3"), or the unit's own name
/// when it is alone ("qa_outputs").
std::string group_label(const UnitList& units, int64_t group);

/// The module names units carry, each once, in order of first appearance.
std::vector<std::string> module_names(const UnitList& units);

/// "h.0.attn.c_attn, h.0.attn.c_proj, ... qa_outputs": the units of the first group and of the last, for
/// messages that must say what a model has without printing hundreds of names.
std::string describe_units(const UnitList& units);

}  // namespace bitswitch::quant
