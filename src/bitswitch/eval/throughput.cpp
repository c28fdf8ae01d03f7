// bitswitch bench: timing the QA forward per config and batch (throughput.h).
#include "bitswitch/eval/throughput.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/model/loaded_model.h"

namespace bitswitch::eval {
namespace {

/// The q-quantile (0..1) of sorted values, nearest rank.
double nearest_rank_quantile(const std::vector<double>& sorted, double q) {
    const auto rank = size_t(std::ceil(q * double(sorted.size())));
    return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

ThroughputRow measure(model::QuantModel& m, const quant::PrecisionConfig& config, const torch::Tensor& ids,
                      const ThroughputConfig& c) {
    torch::NoGradGuard no_grad;
    for (int i = 0; i < c.warmup; ++i) m.forward(ids, {}, &config);
    std::vector<double> seconds;
    for (int i = 0; i < c.repetitions; ++i) {
        const auto start = std::chrono::steady_clock::now();
        m.forward(ids, {}, &config);
        seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(seconds.begin(), seconds.end());
    ThroughputRow row;
    row.batch             = ids.size(0);
    row.tokens            = ids.size(1);
    row.tokens_per_second = double(ids.numel()) / nearest_rank_quantile(seconds, 0.5);
    row.latency_p50_ms    = 1e3 * nearest_rank_quantile(seconds, 0.5);
    row.latency_p99_ms    = 1e3 * nearest_rank_quantile(seconds, 0.99);
    return row;
}

}  // namespace

std::vector<ThroughputRow> run_throughput(const ThroughputConfig& c) {
    if (c.repetitions < 1) throw InputError(fmt::format("--repetitions {}: give at least 1", c.repetitions));
    if (c.batches.empty() || *std::min_element(c.batches.begin(), c.batches.end()) < 1)
        throw InputError("--batch: give batch sizes of at least 1");
    const auto loaded = model::LoadedModel::load(c.model_dir, c.quant_override);
    auto& m           = loaded.model();
    m.eval();
    m.set_engine(c.engine);
    const auto& shape = loaded.gpt2()->transformer->config;
    if (c.tokens < 1 || c.tokens > shape.n_positions)
        throw InputError(
            fmt::format("--tokens {}: give 1..{} (the model's n_positions)", c.tokens, shape.n_positions));
    torch::manual_seed(int64_t(c.seed));
    const auto configs = loaded.configs(c.precision, c.activate_lora_idx);
    if (c.packed_only) m.keep_only_packed(configs);
    std::vector<ThroughputRow> rows;
    for (const auto& config : configs) {
        const auto size = loaded.size_of(config);
        for (const int64_t batch : c.batches) {
            std::fprintf(stderr, "bench: %s, batch %lld x %lld tokens\n", config.source.c_str(),
                         static_cast<long long>(batch), static_cast<long long>(c.tokens));
            auto row           = measure(m, config, torch::randint(shape.vocab_size, {batch, c.tokens}), c);
            row.precision      = config.source;
            row.engine         = std::string(core::enum_name(quant::kEngineNames, m.engine()));
            row.weight_bytes   = size.bytes;
            row.peak_rss_bytes = core::peak_rss_bytes();
            row.resident_bytes = core::resident_bytes();
            rows.push_back(row);
        }
    }
    return rows;
}

std::string format_throughput(const std::vector<ThroughputRow>& rows, TableFormat format) {
    std::string out;
    if (format == TableFormat::kJson) {
        for (const auto& r : rows) {
            const nlohmann::ordered_json j{{"precision", r.precision},
                                           {"engine", r.engine},
                                           {"batch", r.batch},
                                           {"tokens", r.tokens},
                                           {"tokens_per_second", r.tokens_per_second},
                                           {"latency_p50_ms", r.latency_p50_ms},
                                           {"latency_p99_ms", r.latency_p99_ms},
                                           {"weight_bytes", r.weight_bytes},
                                           {"peak_rss_bytes", r.peak_rss_bytes},
                                           {"resident_bytes", r.resident_bytes}};
            out += j.dump() + "\n";
        }
        return out;
    }
    const bool md = format == TableFormat::kMarkdown;
    out +=
        md ? "| precision | engine | batch | tokens | tokens/s | p50 ms | p99 ms | weight MB | peak RSS MB | "
             "resident MB |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
           : "precision,engine,batch,tokens,tokens_per_second,latency_p50_ms,latency_p99_ms,weight_bytes,"
             "peak_rss_bytes,resident_bytes\n";
    constexpr double kMiB = 1 << 20;
    for (const auto& r : rows) {
        if (md) {
            out += fmt::format(
                "| {} | {} | {} | {} | {:.1f} | {:.2f} | {:.2f} | {:.1f} | {:.0f} | {:.0f} |\n", r.precision,
                r.engine, r.batch, r.tokens, r.tokens_per_second, r.latency_p50_ms, r.latency_p99_ms,
                r.weight_bytes / 1e6, double(r.peak_rss_bytes) / kMiB, double(r.resident_bytes) / kMiB);
        } else {
            // A precision written as a list holds commas: quote it.
            out += fmt::format("\"{}\",{},{},{},{:.3f},{:.4f},{:.4f},{:.0f},{},{}\n", r.precision, r.engine,
                               r.batch, r.tokens, r.tokens_per_second, r.latency_p50_ms, r.latency_p99_ms,
                               r.weight_bytes, r.peak_rss_bytes, r.resident_bytes);
        }
    }
    return out;
}

}  // namespace bitswitch::eval
