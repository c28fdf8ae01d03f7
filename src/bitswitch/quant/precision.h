// Precision levels and per-layer precision configs (DESIGN.md §4).
//
// A level is the bit-widths (w, a, kv) plus the hyper-parameters of its LoRA adapter. A config gives every
// quantizable unit of a GPT-2 a bit-width triple and the adapter to use:
//   linear units  h.{i}.attn.c_attn, h.{i}.attn.c_proj, h.{i}.mlp.c_fc, h.{i}.mlp.c_proj, qa_outputs
//                 (w_bits for the weight, a_bits for its input)
//   KV units      h.{i}.attn.kv (kv_bits for the block's keys and values)
// Accepted forms of a config (`--precision`):
//   "8", "fp"                 every unit at w8a8kv8 / full precision
//   "w4a8kv8", "w4a8", "w4"   bit-widths by letter; an omitted one means "the trained level's" when the model
//                             has levels (it must pick exactly one), full precision otherwise
//   "8,8,...,16"              n_layer + 1 entries: block i's five units, then qa_outputs (seed 002's
//                             --activate_lora_idx, by bits instead of index)
//   a .json or .toml file     {"default" = 8, "h.0-3.attn.c_proj" = "w4a8", "h.*.mlp.*" = 8, "qa_outputs" = 16}
//                             Segments: literal, "*" (any one segment; as the last one, the rest), or a range
//                             "0-3" of block indices. The most specific pattern wins (a literal segment counts
//                             2, a range 1, "*" 0); equally specific patterns that disagree are an error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bitswitch::quant {

struct BitWidths {
    int w = 32, a = 32, kv = 32;
    /// "8" when all three agree, "fp" for all 32, else "w4a8kv8" (an unquantized part is written 32).
    std::string name() const;
    bool operator==(const BitWidths& o) const { return w == o.w && a == o.a && kv == o.kv; }
    bool operator!=(const BitWidths& o) const { return !(*this == o); }
};

struct LoRAOptions {
    int64_t rank   = 8;
    double alpha   = 16.0;
    double dropout = 0.0;
};

struct PrecisionLevel {
    BitWidths bits;
    LoRAOptions lora;
    std::string name() const { return bits.name(); }
};

/// The seeds' level flags: lists of equal length, or of length 1 (applies to every level).
struct LevelLists {
    std::vector<int> w_bits, a_bits, kv_bits;
    std::vector<int64_t> ranks;
    std::vector<double> alphas, dropouts;
};

/// Levels from the lists, sorted from high to low precision (by w, then a, then kv bits), whatever the
/// given order. InputError on unequal lengths, bad bits, duplicate levels, non-positive ranks.
std::vector<PrecisionLevel> make_levels(const LevelLists& lists);

/// A bit-width triple as written in a config ("8", "fp", "w4a8kv8", "w4a8"); omitted parts are nullopt.
struct PartialBits {
    std::optional<int> w, a, kv;
};
PartialBits parse_bits(const std::string& text, const std::string& where);

/// Units of a model, in order: for each block its four linears and its KV, then qa_outputs.
std::vector<std::string> precision_units(int64_t n_layer);
/// True for the KV units (h.{i}.attn.kv).
bool is_kv_unit(const std::string& unit);

/// What the model offers to a config: its levels, each with the adapter named after it (empty for a bare
/// model), or one adapter that serves every bit-width (single-LoRA CPT; also runs saved before levels).
struct AdapterSet {
    std::vector<PrecisionLevel> levels;
    std::string shared_adapter;  // non-empty: this adapter for every unit, any bits
    static constexpr const char* kSharedName = "shared";
};

struct UnitPrecision {
    BitWidths bits;
    std::string adapter;  // "" = no adapter
};

struct PrecisionConfig {
    std::string source;                                        // what the user wrote, for tables and errors
    std::vector<std::pair<std::string, UnitPrecision>> units;  // precision_units() order
    const UnitPrecision& at(const std::string& unit) const;
};

/// Every unit at `bits` with `adapter` ("" = none), without resolution: for schedules that pick bits and
/// adapters themselves (cyclic training snapped to the nearest level).
PrecisionConfig uniform_config(const BitWidths& bits, const std::string& adapter, int64_t n_layer,
                               const std::string& source);

/// Resolves `text` (any form above) for a model with n_layer blocks. InputError naming the offending
/// entry, pattern or unit.
PrecisionConfig parse_precision(const std::string& text, int64_t n_layer, const AdapterSet& adapters);

/// Seed 002's --activate_lora_idx: n_layer + 1 indices into the levels (high to low precision order).
PrecisionConfig precision_from_level_indices(const std::vector<int>& indices, int64_t n_layer,
                                             const AdapterSet& adapters);

}  // namespace bitswitch::quant
