// Precision levels and per-unit precision configs (DESIGN.md §4).
//
// A level is the bit-widths (w, a, kv) plus the hyper-parameters of its LoRA adapter. A config gives every
// unit a model declares (quant/units.h) a bit-width triple and the adapter to use: a linear or head unit
// takes w_bits for its weight and a_bits for its input, a kv unit kv_bits for its keys and values.
// Accepted forms of a config (`--precision`), shown with GPT-2's unit names:
//   "8", "fp"                 every unit at w8a8kv8 / full precision
//   "w4a8kv8", "w4a8", "w4"   bit-widths by letter; an omitted one means "the trained level's" when the model
//                             has levels (it must pick exactly one), full precision otherwise
//   "8,8,...,16"              one entry per unit group: GPT-2's blocks (each block's five units), then
//                             qa_outputs (seed 002's --activate_lora_idx, by bits instead of index)
//   a .json or .toml file     {"default" = 8, "h.0-3.attn.c_proj" = "w4a8", "h.*.mlp.*" = 8,
//                              "qa_outputs" = 16}
//                             Segments: literal, "*" (any one segment; as the last one, the rest), or a range
//                             "0-3" of numbers. A module name ("attention", "fc", "kv", "head";
//                             quant/units.h) matches that module's units. The most specific pattern wins
//                             (a literal segment counts 2, a range or a module 1, "*" 0); equally specific
//                             patterns that disagree are an error.
//   "attention=4,fc=8"        the same entries inline (PATTERN=LEVEL, comma-separated); what no entry names
//                             is full precision unless a "default=..." entry says otherwise
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bitswitch/quant/units.h"

namespace bitswitch::quant {

struct BitWidths {
    int w = 32, a = 32, kv = 32;
    /// "8" when all three agree, "fp" for all 32, else "w4a8kv8" (an unquantized part is written 32).
    std::string name() const;
    bool operator==(const BitWidths& o) const { return w == o.w && a == o.a && kv == o.kv; }
    bool operator!=(const BitWidths& o) const { return !(*this == o); }
};

/// LoRA hyper-parameters (arXiv:2106.09685): the one place their defaults are written. `train`'s --lora_r,
/// --lora_alpha and --lora_dropout, the levels' --ranks/--alphas/--dropouts and adapter files read without
/// these fields all fall back to them.
struct LoRAOptions {
    int64_t rank   = 8;
    double alpha   = 16.0;
    double dropout = 0.05;
};

/// InputError naming `where` unless rank > 0 and 0 <= dropout < 1: the one check of a LoRA setting.
void validate(const LoRAOptions& options, const std::string& where);

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
    bool operator==(const UnitPrecision& o) const { return bits == o.bits && adapter == o.adapter; }
};

/// One precision per unit, in the order of the unit list it was resolved against.
struct PrecisionConfig {
    std::string source;                                        // what the user wrote, for tables and errors
    std::vector<std::pair<std::string, UnitPrecision>> units;  // (unit name, precision), the model's order
    const UnitPrecision& at(const std::string& unit) const;    // by name; Error when absent
    const UnitPrecision& operator[](size_t i) const { return units[i].second; }
    size_t size() const { return units.size(); }
};

/// True when `config` was resolved against `units` (same names, same order).
bool fits(const PrecisionConfig& config, const UnitList& units);

/// Every unit at `bits` with `adapter` ("" = none), without resolution: for schedules that pick bits and
/// adapters themselves (cyclic training snapped to the nearest level).
PrecisionConfig uniform_config(const BitWidths& bits, const std::string& adapter, const UnitList& units,
                               const std::string& source);

/// The adapter `adapters` gives a unit at `level`: the shared one, none (a model without adapters), or the
/// level's own (InputError when `level` is not one of adapters.levels).
std::string adapter_for_level(const PrecisionLevel& level, const AdapterSet& adapters);

/// `config` with its head units at full precision (QuantSettings::fp_head), adapters unchanged.
PrecisionConfig with_full_precision_head(PrecisionConfig config, const UnitList& units);

/// Group g's units at per_group[g]'s bits with that level's adapter: a choice of levels made in code
/// (training schedules) as a config, without writing it as text and parsing it back. One level for every
/// group when per_group has a single entry.
PrecisionConfig config_for_levels(const std::vector<PrecisionLevel>& per_group, const UnitList& units,
                                  const AdapterSet& adapters, const std::string& source);

/// `base` with the units named in `selected` set to `level` (a level as written: "4", "w4a8"), resolved
/// against `adapters` like any config entry; `source` names the result. InputError naming an unknown unit.
PrecisionConfig with_units_at(const PrecisionConfig& base, const std::vector<std::string>& selected,
                              const std::string& level, const UnitList& units, const AdapterSet& adapters,
                              const std::string& source);

/// Resolves `text` (any form above) for a model with these units. InputError naming the offending entry,
/// pattern or unit.
PrecisionConfig parse_precision(const std::string& text, const UnitList& units, const AdapterSet& adapters);

/// The contents of a .json or .toml precision file (`name` ends in one of them and names it in errors),
/// resolved as parse_precision resolves the file itself.
PrecisionConfig parse_precision_file(std::string_view contents, const std::string& name,
                                     const UnitList& units, const AdapterSet& adapters);

/// The level at `index` of a model's trained `levels` (high to low precision: 0 = the highest), for the
/// flags that pick levels by index (seed 002's --activate_lora_idx, --attack_lora_idx, --eval_lora_idx).
/// InputError naming the flag, the index, `source` (the model) and the valid indices with their names, or
/// `fix` when the model has no trained levels.
const PrecisionLevel& level_at_index(const std::vector<PrecisionLevel>& levels, int index,
                                     const std::string& flag, const std::string& source,
                                     const std::string& fix);

/// Seed 002's --activate_lora_idx: one index into the levels (level_at_index) per unit group, for the model
/// at `source`.
PrecisionConfig precision_from_level_indices(const std::vector<int>& indices, const UnitList& units,
                                             const AdapterSet& adapters, const std::string& source);

}  // namespace bitswitch::quant
