// Dynamic batching for the server: requests that arrive together at the same precision run as one forward.
// A bounded queue (full: QueueFull, the server's 503) feeds worker threads; a worker takes the oldest
// request's precision and waits until `max_batch` requests of it are queued or the oldest has waited
// `max_wait`, then answers up to `max_batch` of them (oldest first) in one call. Requests at other precisions
// wait for the next batch. shutdown() lets the workers finish everything queued, then joins them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bitswitch/serve/qa_service.h"

namespace bitswitch::serve {

struct BatcherOptions {
    int max_batch = 8;
    std::chrono::microseconds max_wait{2000};
    size_t max_queue = 256;
    int workers      = 1;  // each forward already uses every core
};

/// The queue is full: the server answers 503.
class QueueFull : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class Batcher {
  public:
    /// `on_batch(precision, size)` is told of each batch run (metrics); may be empty.
    Batcher(QaService& service, BatcherOptions options,
            std::function<void(const std::string&, size_t)> on_batch = {});
    ~Batcher();
    Batcher(const Batcher&)            = delete;
    Batcher& operator=(const Batcher&) = delete;

    /// Queues `request` at `config` (its key: the precision as resolved); the future holds the answer or the
    /// error. Throws QueueFull, or std::logic_error after shutdown().
    std::future<eval::ExamplePrediction> submit(QaRequest request,
                                                std::shared_ptr<const quant::PrecisionConfig> config);
    /// From now on submit() refuses and the workers stop waiting for fuller batches: what is queued is
    /// answered at once. Does not wait; thread-safe.
    void stop_accepting();
    /// stop_accepting(), then waits until the workers answered everything queued and ended. Idempotent.
    void shutdown();
    size_t queued() const;

  private:
    struct Pending {
        QaRequest request;
        std::shared_ptr<const quant::PrecisionConfig> config;
        std::promise<eval::ExamplePrediction> promise;
        std::chrono::steady_clock::time_point arrived;
    };
    void work();
    /// Waits for and removes the next batch; empty when shut down with nothing queued.
    std::vector<Pending> next_batch();

    QaService& service_;
    BatcherOptions options_;
    std::function<void(const std::string&, size_t)> on_batch_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Pending> queue_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace bitswitch::serve
