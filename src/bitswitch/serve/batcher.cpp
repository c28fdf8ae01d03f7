// Dynamic batching per precision (batcher.h).
#include "bitswitch/serve/batcher.h"

#include <algorithm>

namespace bitswitch::serve {

Batcher::Batcher(QaService& service, BatcherOptions options,
                 std::function<void(const std::string&, size_t)> on_batch)
    : service_(service), options_(options), on_batch_(std::move(on_batch)) {
    options_.max_batch = std::max(1, options_.max_batch);
    for (int i = 0; i < std::max(1, options_.workers); ++i) workers_.emplace_back([this] { work(); });
}

Batcher::~Batcher() {
    shutdown();
}

std::future<eval::ExamplePrediction> Batcher::submit(QaRequest request,
                                                     std::shared_ptr<const quant::PrecisionConfig> config) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopping_) throw std::logic_error("the server is shutting down");
    if (queue_.size() >= options_.max_queue)
        throw QueueFull("the request queue is full (" + std::to_string(options_.max_queue) + " waiting)");
    queue_.push_back({std::move(request), std::move(config), {}, std::chrono::steady_clock::now()});
    auto future = queue_.back().promise.get_future();
    lock.unlock();
    changed_.notify_all();
    return future;
}

size_t Batcher::queued() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.size();
}

void Batcher::stop_accepting() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
}

void Batcher::shutdown() {
    stop_accepting();
    for (auto& w : workers_)
        if (w.joinable()) w.join();
    workers_.clear();
}

std::vector<Batcher::Pending> Batcher::next_batch() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return {};
    const auto same_precision = [&](const Pending& p) { return p.config == queue_.front().config; };
    // Wait for a full batch of the oldest request's precision, or until the oldest has waited max_wait
    // (a shutdown answers what is queued at once).
    const auto deadline = queue_.front().arrived + options_.max_wait;
    changed_.wait_until(lock, deadline, [&] {
        return stopping_ || std::count_if(queue_.begin(), queue_.end(), same_precision) >= options_.max_batch;
    });
    std::vector<Pending> batch;
    const auto config = queue_.front().config;
    for (auto it = queue_.begin(); it != queue_.end() && int(batch.size()) < options_.max_batch;) {
        if (it->config == config) {
            batch.push_back(std::move(*it));
            it = queue_.erase(it);
        } else {
            ++it;
        }
    }
    return batch;
}

void Batcher::work() {
    for (;;) {
        auto batch = next_batch();
        if (batch.empty()) return;
        std::vector<QaRequest> requests;
        for (const auto& p : batch) requests.push_back(p.request);
        try {
            auto answers = service_.answer(requests, *batch.front().config);
            for (size_t i = 0; i < batch.size(); ++i) batch[i].promise.set_value(std::move(answers[i]));
        } catch (...) {
            for (auto& p : batch) p.promise.set_exception(std::current_exception());
        }
        if (on_batch_) on_batch_(batch.front().config->source, batch.size());
    }
}

}  // namespace bitswitch::serve
