// HTTP routes, status codes and metrics of the QA server (qa_server.h).
#include "bitswitch/serve/qa_server.h"

#include <chrono>

#include <fmt/format.h>
#include <httplib.h>

#include "bitswitch/core/error.h"
#include "bitswitch/serve/page.h"
#include "bitswitch/serve/qa_json.h"

namespace bitswitch::serve {
namespace {

using Clock = std::chrono::steady_clock;

void send_error(httplib::Response& res, int status, const std::string& message) {
    res.status = status;
    res.set_content(nlohmann::ordered_json{{"error", message}}.dump(), "application/json");
}

// The message of an error httplib answers by itself, before any route runs.
std::string protocol_error_message(int status, size_t max_body_bytes) {
    switch (status) {
        case 413:
            return fmt::format("body: larger than {} bytes (--max_body_bytes)", max_body_bytes);
        case 411:
            return "a body needs a Content-Length (chunked request bodies are not accepted)";
        case 404:
            return "no such route (POST /v1/qa, GET /health, /v1/models, /metrics, /)";
        case 405:
            return "method not allowed on this route";
        default:
            return "the request could not be read (malformed, incomplete or timed out)";
    }
}

double milliseconds_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

QaServer::QaServer(QaService& service, ServerOptions options)
    : service_(service),
      options_(std::move(options)),
      batcher_(service, options_.batcher,
               [this](const std::string& precision, size_t size) { metrics_.record_batch(precision, size); }),
      http_(std::make_unique<httplib::Server>()) {
    const int threads     = options_.http_threads;
    http_->new_task_queue = [threads] { return new httplib::ThreadPool(size_t(threads)); };
    http_->set_payload_max_length(options_.max_body_bytes);
    http_->set_read_timeout(options_.timeout_seconds, 0);
    http_->set_write_timeout(options_.timeout_seconds, 0);
    // Answers are small writes: without TCP_NODELAY, Nagle's algorithm holds them for the client's delayed
    // ACK (measured 92 ms per request one at a time on loopback where the forward takes a few).
    http_->set_tcp_nodelay(true);
    // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second server bind the same
    // port silently instead of failing. The descriptor is kept to widen the listen backlog after bind().
    http_->set_socket_options([this](socket_t sock) {
        const int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
        listen_socket_ = sock;
    });
    add_routes();
}

QaServer::~QaServer() {
    stop();
    batcher_.shutdown();
}

void QaServer::add_routes() {
    http_->Post("/v1/qa", [this](const httplib::Request& req, httplib::Response& res) {
        const auto start = Clock::now();
        std::string precision;  // for the metrics: the first request's, once resolved
        const auto fail = [&](int status, const std::string& message) {
            send_error(res, status, message);
            metrics_.record_request(precision, status, milliseconds_since(start) / 1e3);
        };
        QaBody body;
        std::vector<std::shared_ptr<const quant::PrecisionConfig>> configs;
        try {
            body = parse_qa_body(req.body, service_.max_n_best(), options_.max_batch_items);
            for (const auto& r : body.requests) configs.push_back(service_.config(r.precision));
        } catch (const BadRequest& e) {
            return fail(400, e.what());
        } catch (const InputError& e) {
            return fail(400, fmt::format("precision: {}", e.what()));
        }
        precision = configs.front()->source;
        std::vector<std::future<eval::ExamplePrediction>> futures;
        try {
            for (size_t i = 0; i < body.requests.size(); ++i)
                futures.push_back(batcher_.submit(body.requests[i], configs[i]));
        } catch (const QueueFull& e) {
            res.set_header("Retry-After", "1");
            return fail(503, e.what());
        } catch (const std::logic_error& e) {
            return fail(503, e.what());
        }
        auto answers = nlohmann::ordered_json::array();
        try {
            for (size_t i = 0; i < futures.size(); ++i) {
                const auto a = futures[i].get();
                answers.push_back(
                    reply_json(a, configs[i]->source, milliseconds_since(start), body.requests[i].n_best));
            }
        } catch (const InputError& e) {
            return fail(400, e.what());
        } catch (const std::exception& e) {
            return fail(500, e.what());
        }
        const auto out = body.batch ? nlohmann::ordered_json{{"answers", answers}} : answers[0];
        res.set_content(out.dump(), "application/json");
        metrics_.record_request(precision, 200, milliseconds_since(start) / 1e3);
        metrics_.set_queue_depth(batcher_.queued());
    });
    // Errors httplib answers by itself (413 body too large, 400 a request it cannot read, for instance a
    // client gone mid-body, 404, 405) get the routes' JSON shape and are counted; a route's own errors
    // already have their body and their count.
    const httplib::Server::HandlerWithResponse on_error = [this](const httplib::Request&,
                                                                 httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        metrics_.record_request("", res.status, 0);
        send_error(res, res.status, protocol_error_message(res.status, options_.max_body_bytes));
        return httplib::Server::HandlerResponse::Handled;
    };
    http_->set_error_handler(on_error);
    // Decided from the headers, before httplib reads a body: a declared body over the limit would otherwise
    // be read and discarded (a client declaring a gigabyte holds a connection thread until it sends it or
    // times out), and a chunked one only refused once its chunks passed the limit.
    const httplib::Server::HandlerWithResponse check_body_size = [this](const httplib::Request& req,
                                                                        httplib::Response& res) {
        int status = 0;
        if (req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos) {
            status = 411;
        } else if (req.has_header("Content-Length")) {
            const std::string declared = req.get_header_value("Content-Length");
            const bool too_large =
                declared.size() > 18 || std::stoull("0" + declared) > options_.max_body_bytes;
            if (too_large) status = 413;
        }
        if (status == 0) return httplib::Server::HandlerResponse::Unhandled;
        metrics_.record_request("", status, 0);
        send_error(res, status, protocol_error_message(status, options_.max_body_bytes));
        res.set_header("Connection", "close");  // the body was never read: the connection cannot be reused
        return httplib::Server::HandlerResponse::Handled;
    };
    http_->set_pre_routing_handler(check_body_size);
    http_->Get("/health", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"({"status":"ok"})", "application/json");
    });
    http_->Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(service_.describe().dump(), "application/json");
    });
    http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
        metrics_.set_queue_depth(batcher_.queued());
        res.set_content(metrics_.prometheus_text(), "text/plain; version=0.0.4");
    });
    http_->Get("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(qa_page_html(), "text/html; charset=utf-8");
    });
}

int QaServer::bind() {
    const int port = options_.port == 0
                         ? http_->bind_to_any_port(options_.host)
                         : (http_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
    if (port < 0)
        throw Error(fmt::format("serve: cannot listen on {}:{} (in use, or not an address of this machine)",
                                options_.host, options_.port));
    // httplib listens with a backlog of 5 (compiled into Debian's library): a burst of clients would see
    // connections dropped. Listening again on the bound socket raises it (Linux caps it at somaxconn).
    if (listen_socket_ >= 0) ::listen(listen_socket_, SOMAXCONN);
    return port;
}

void QaServer::serve() {
    http_->listen_after_bind();  // returns after stop(), once the connection threads finished
    batcher_.shutdown();
}

void QaServer::stop() {
    batcher_.stop_accepting();  // queued requests run now instead of waiting for fuller batches
    http_->stop();
}

}  // namespace bitswitch::serve
