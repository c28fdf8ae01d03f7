// bitswitch serve: flags -> serve::ServeConfig -> serve::run_serve.
#include <memory>

#include <CLI/CLI.hpp>

#include "bitswitch/serve/run_serve.h"
#include "cli/commands.h"
#include "cli/flags.h"

namespace bitswitch::cli {

void add_serve_command(CLI::App& app) {
    auto c        = std::make_shared<serve::ServeConfig>();
    auto quant    = std::make_shared<QuantFlags>();
    auto compute  = std::make_shared<ComputeFlags>();
    auto wait_us  = std::make_shared<int64_t>(c->server.batcher.max_wait.count());
    CLI::App* cmd = app.add_subcommand("serve",
                                       "HTTP server: POST /v1/qa at any precision per request, batched; "
                                       "/health, /v1/models, /metrics, a page at /");
    cmd->add_option("--model,--model_name_or_path", c->model_dir,
                    "Model folder (HF), training run folder or deployment file (export --format bitswitch)")
        ->required();
    cmd->add_option("--tokenizer", c->tokenizer_dir,
                    "Tokenizer folder (default: the model's, else the shipped GPT-2)");
    cmd->add_option("--host", c->server.host, "Address to listen on")->capture_default_str();
    cmd->add_option("--port", c->server.port, "Port (0 = any free port, printed on stderr)")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    cmd->add_option("--max_batch", c->server.batcher.max_batch, "Questions per forward (same precision)")
        ->check(at_least(1))
        ->capture_default_str();
    cmd->add_option("--max_wait_us", *wait_us, "Longest a request waits for others to join its batch")
        ->check(at_least(0))
        ->capture_default_str();
    cmd->add_option("--max_queue", c->server.batcher.max_queue, "Waiting questions before 503")
        ->check(at_least(1))
        ->capture_default_str();
    cmd->add_option("--max_body_bytes", c->server.max_body_bytes, "Larger bodies get 413")
        ->check(at_least(1))
        ->capture_default_str();
    cmd->add_option("--max_batch_items", c->server.max_batch_items, "Questions in one batch request")
        ->check(at_least(1))
        ->capture_default_str();
    cmd->add_option("--http_threads", c->server.http_threads, "Connections served at once")
        ->check(at_least(1))
        ->capture_default_str();
    cmd->add_option("--timeout", c->server.timeout_seconds, "Seconds to read a request or write an answer")
        ->check(at_least(1))
        ->capture_default_str();
    cmd->add_option(
           "--only", c->only,
           "Serve just these precision configs: their packed weights are made at start and the float "
           "weights freed, so memory holds these levels' bits (the first is the default)")
        ->group("Precision");
    add_feature_flags(cmd, c->features);
    add_postprocess_flags(cmd, c->postprocess);
    add_quant_flags(cmd, *quant);
    add_engine_flag(cmd, c->engine);
    add_compute_flags(cmd, *compute);
    cmd->callback([c, quant, compute, wait_us] {
        c->quant_override          = quant->override_settings();
        c->server.batcher.max_wait = std::chrono::microseconds(*wait_us);
        prepare_compute(*compute);
        serve::run_serve(*c);
    });
}

}  // namespace bitswitch::cli
