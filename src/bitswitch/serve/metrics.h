// The server's counters in Prometheus's text format (GET /metrics): requests by precision and status code,
// batches and their sizes, and a latency histogram per precision (seconds from the request's arrival to its
// answer). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace bitswitch::serve {

class Metrics {
  public:
    /// One answered request (any status); `precision` "" when the request never resolved one.
    void record_request(const std::string& precision, int status, double seconds);
    void record_batch(const std::string& precision, size_t size);
    void set_queue_depth(size_t depth);
    std::string prometheus_text() const;

    /// Latency buckets' upper bounds, seconds.
    static const std::vector<double>& buckets();

  private:
    struct Histogram {
        std::vector<uint64_t> counts;  // per bucket (not cumulative), then +Inf
        double sum     = 0;
        uint64_t count = 0;
    };
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int>, uint64_t> requests_;
    std::map<std::string, Histogram> latency_;
    std::map<std::string, std::pair<uint64_t, uint64_t>> batches_;  // precision -> (batches, requests)
    size_t queue_depth_ = 0;
};

}  // namespace bitswitch::serve
