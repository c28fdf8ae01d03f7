// The HTTP front of the QA service (cpp-httplib):
//   POST /v1/qa      one question or a batch (qa_request.h) -> answers; 400 malformed, unknown field or
//                    precision, or a request that could not be read (a client gone mid-body); 413 body
//                    over max_body_bytes and 411 chunked body, both from the headers before any of the
//                    body is read; 503 queue full (with Retry-After)
//   GET  /health     {"status": "ok"} while serving
//   GET  /v1/models  the model, its levels, the configs served so far and their sizes
//   GET  /metrics    Prometheus text (metrics.h)
//   GET  /           a page to ask a question about a pasted paragraph at a chosen precision
// Requests are answered by the batcher (batcher.h); a slow client is cut off by the read/write timeouts.
// Every error answer, httplib's own included, is JSON {"error": ...} and counted in /metrics.
// stop() stops accepting connections; serve() returns once the requests in flight have been answered.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "bitswitch/serve/batcher.h"
#include "bitswitch/serve/metrics.h"
#include "bitswitch/serve/qa_service.h"

namespace httplib {
class Server;
}

namespace bitswitch::serve {

struct ServerOptions {
    std::string host       = "127.0.0.1";
    int port               = 8080;  // 0: any free port (bind() says which)
    size_t max_body_bytes  = 1 << 20;
    size_t max_batch_items = 64;  // questions in one batch request
    int http_threads       = 64;  // connections served at once
    int timeout_seconds    = 30;  // reading a request, writing an answer
    BatcherOptions batcher;
};

class QaServer {
  public:
    QaServer(QaService& service, ServerOptions options);
    ~QaServer();
    QaServer(const QaServer&)            = delete;
    QaServer& operator=(const QaServer&) = delete;

    /// Binds the listening socket; returns the port. Error naming host:port when it cannot.
    int bind();
    /// Serves until stop(), then lets the batcher answer what is queued. Call bind() first.
    void serve();
    /// Thread-safe; also from another thread while serve() runs.
    void stop();
    const Metrics& metrics() const { return metrics_; }

  private:
    void add_routes();
    QaService& service_;
    ServerOptions options_;
    Metrics metrics_;
    Batcher batcher_;
    std::unique_ptr<httplib::Server> http_;
    int listen_socket_ = -1;
};

}  // namespace bitswitch::serve
