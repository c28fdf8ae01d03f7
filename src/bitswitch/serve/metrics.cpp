// Prometheus text exposition of the server's counters (metrics.h).
#include "bitswitch/serve/metrics.h"

#include <fmt/format.h>

namespace bitswitch::serve {
namespace {

// Label values escape backslash, double quote and newline (Prometheus's text format).
std::string label(const std::string& value) {
    std::string out;
    for (const char c : value) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

}  // namespace

const std::vector<double>& Metrics::buckets() {
    static const std::vector<double> b = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    return b;
}

void Metrics::record_request(const std::string& precision, int status, double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++requests_[{precision, status}];
    if (status != 200) return;
    auto& h = latency_[precision];
    if (h.counts.empty()) h.counts.assign(buckets().size() + 1, 0);
    size_t i = 0;
    while (i < buckets().size() && seconds > buckets()[i]) ++i;
    ++h.counts[i];
    h.sum += seconds;
    ++h.count;
}

void Metrics::record_batch(const std::string& precision, size_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& b = batches_[precision];
    ++b.first;
    b.second += size;
}

void Metrics::set_queue_depth(size_t depth) {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_depth_ = depth;
}

std::string Metrics::prometheus_text() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    out +=
        "# HELP bitswitch_requests_total QA requests answered, by precision and HTTP status (precision "
        "\"\": refused before one was resolved, including errors of the HTTP layer: 413, 404, unreadable).\n"
        "# TYPE bitswitch_requests_total counter\n";
    for (const auto& [key, n] : requests_)
        out += fmt::format("bitswitch_requests_total{{precision=\"{}\",status=\"{}\"}} {}\n",
                           label(key.first), key.second, n);
    out +=
        "# HELP bitswitch_request_seconds Time from a request's arrival to its answer (status 200).\n"
        "# TYPE bitswitch_request_seconds histogram\n";
    for (const auto& [precision, h] : latency_) {
        uint64_t cumulative = 0;
        for (size_t i = 0; i < h.counts.size(); ++i) {
            cumulative += h.counts[i];
            const std::string le = i < buckets().size() ? fmt::format("{}", buckets()[i]) : "+Inf";
            out += fmt::format("bitswitch_request_seconds_bucket{{precision=\"{}\",le=\"{}\"}} {}\n",
                               label(precision), le, cumulative);
        }
        out += fmt::format("bitswitch_request_seconds_sum{{precision=\"{}\"}} {}\n", label(precision), h.sum);
        out += fmt::format("bitswitch_request_seconds_count{{precision=\"{}\"}} {}\n", label(precision),
                           h.count);
    }
    out +=
        "# HELP bitswitch_batches_total Forward passes run by the batcher.\n"
        "# TYPE bitswitch_batches_total counter\n";
    for (const auto& [precision, b] : batches_)
        out += fmt::format("bitswitch_batches_total{{precision=\"{}\"}} {}\n", label(precision), b.first);
    out +=
        "# HELP bitswitch_batched_requests_total Requests answered in those passes.\n"
        "# TYPE bitswitch_batched_requests_total counter\n";
    for (const auto& [precision, b] : batches_)
        out += fmt::format("bitswitch_batched_requests_total{{precision=\"{}\"}} {}\n", label(precision),
                           b.second);
    out += fmt::format(
        "# HELP bitswitch_queue_depth Requests waiting for a batch.\n# TYPE bitswitch_queue_depth gauge\n"
        "bitswitch_queue_depth {}\n",
        queue_depth_);
    return out;
}

}  // namespace bitswitch::serve
