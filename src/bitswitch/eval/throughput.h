// `bitswitch bench`: what each precision config costs at inference, measured on the loaded model (the
// convention of llama.cpp's llama-bench: repeated runs, a row per config and batch, md/csv/json). For each
// config and batch size B, the QA forward (blocks, span head) over B windows of T random tokens:
//   prefill tokens/s   B·T / the median time of one forward
//   latency p50 / p99  over the repeated forwards (at B = 1: the time to answer one question's window)
//   weight bytes       the config's size (quant/model_size.h): what the packed engine holds for it
//   peak RSS           the process's peak so far (rows run in order; it only grows). With packed_only the
//                      float weights are freed first, so it reflects the packed levels (plus what loading
//                      the float model took at its peak, which RSS keeps: see resident_bytes)
//   resident bytes     the process's resident memory after the row (what it holds now)
// Warm-up forwards run first, so packing a level's weights (once per loaded model) is not timed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bitswitch/quant/quant_lora_linear.h"
#include "bitswitch/quant/quant_settings.h"

namespace bitswitch::eval {

enum class TableFormat : uint8_t { kMarkdown, kCsv, kJson };
inline constexpr core::EnumName<TableFormat> kTableFormatNames[] = {
    {TableFormat::kMarkdown, "md"}, {TableFormat::kCsv, "csv"}, {TableFormat::kJson, "json"}};

struct ThroughputConfig {
    std::string model_dir;
    std::optional<quant::QuantSettings> quant_override;
    quant::Engine engine = quant::Engine::kPacked;
    std::vector<std::string> precision;  // none = each trained level, or fp
    std::vector<int> activate_lora_idx;
    std::vector<int64_t> batches = {1, 8};
    int64_t tokens               = 384;  // per window; at most the model's n_positions
    int repetitions              = 10;   // timed forwards per row
    int warmup                   = 2;
    uint64_t seed                = 0;  // of the random tokens
    bool packed_only = false;          // keep only the configs' packed weights (QuantModel::keep_only_packed)
};

struct ThroughputRow {
    std::string precision, engine;
    int64_t batch = 0, tokens = 0;
    double tokens_per_second = 0, latency_p50_ms = 0, latency_p99_ms = 0;
    double weight_bytes    = 0;
    int64_t peak_rss_bytes = 0, resident_bytes = 0;
};

/// Loads the model and measures every (config, batch), printing progress to stderr.
std::vector<ThroughputRow> run_throughput(const ThroughputConfig& config);

/// The rows as a markdown table, CSV (with a header line) or JSON lines.
std::string format_throughput(const std::vector<ThroughputRow>& rows, TableFormat format);

}  // namespace bitswitch::eval
