// `bitswitch sweep`: many precision configs of one loaded model in one process (the model loaded and the
// questions tokenized once). Per config: EM and F1 with bootstrap intervals over questions, the paired
// difference to a reference config with its interval, average weight bits, model bytes (with scales) and
// bit-operations per token. Configs come from texts, a file with one per line, every uniform level of a
// list, and every one-unit (or one-block) change of a base config. Output as a markdown table, CSV or
// JSON lines (llama-bench's -o md|csv|json convention).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/core/enum_names.h"
#include "bitswitch/eval/bootstrap.h"
#include "bitswitch/eval/qa_eval.h"
#include "bitswitch/eval/result_files.h"
#include "bitswitch/model/loaded_model.h"

namespace bitswitch::analysis {

/// What one "vary" change covers: one unit, or all the units of one group (GPT-2: a block).
enum class VaryGranularity { kUnit, kBlock };
inline constexpr core::EnumName<VaryGranularity> kVaryGranularityNames[] = {
    {VaryGranularity::kUnit, "unit"}, {VaryGranularity::kBlock, "block"}};

/// What one change covers: a unit, or a group of units (GPT-2: a block), and the label tables show.
struct VaryTarget {
    std::string label;               // "h.3.mlp.c_fc" or "h.3"
    std::vector<std::string> units;  // the unit names it sets
};

/// Every unit, or every group, of `units` in order.
std::vector<VaryTarget> vary_targets(const quant::UnitList& units, VaryGranularity granularity);

struct SweepConfig {
    eval::QaEvalConfig eval;   // model, data (SQuAD or a GLUE task), windows, batch size; eval.precision too
    std::string configs_file;  // one config per line; blank lines and # comments are skipped
    std::vector<std::string> uniform;      // each a config for every unit ("8", "w4a8", "fp")
    std::string vary_base;                 // with vary_levels: every one-unit change of this config ...
    std::vector<std::string> vary_levels;  // ... to each of these levels
    VaryGranularity vary_granularity = VaryGranularity::kUnit;
    std::string reference;  // the config differences are taken against (default: vary_base, else the first)
    eval::BootstrapOptions bootstrap;
    bool share_prefixes = true;  // configs share the blocks they agree on from the first (eval/logits.h)
    std::string output_dir;      // when given: sweep.md, sweep.csv and sweep.jsonl, each written atomically
};

struct SweepRow {
    std::string config;
    eval::Interval exact_match, f1;            // percent
    eval::Interval exact_match_diff, f1_diff;  // config minus reference, paired over the same questions
    double avg_weight_bits = 0, model_bytes = 0, bit_operations_per_token = 0;
    double seconds = 0;  // evaluation time
};

struct SweepResult {
    std::string reference;
    int64_t questions = 0;
    eval::BootstrapOptions bootstrap;
    std::vector<SweepRow> rows;
    bool primary = true;  // false on ranks other than 0 of a torchrun launch: they write and print nothing
};

/// The configs a sweep runs, in order: eval.precision, the file's lines, the uniform levels, the varied
/// configs, then the reference if it is none of these. InputError when there are none.
std::vector<quant::PrecisionConfig> sweep_configs(const SweepConfig& config,
                                                  const model::LoadedModel& loaded);

/// Which of `configs` (sweep_configs') differences are taken against: the reference (matched by its units),
/// else the first.
size_t reference_index(const SweepConfig& config, const model::LoadedModel& loaded,
                       const std::vector<quant::PrecisionConfig>& configs);

/// Loads, evaluates every config, computes the intervals, writes output_dir when given. SQuAD only: a GLUE
/// task's sweep is analysis/glue_sweep.h.
SweepResult run_sweep(const SweepConfig& config);

std::string format_sweep(const SweepResult& result, eval::OutputFormat format);

}  // namespace bitswitch::analysis
