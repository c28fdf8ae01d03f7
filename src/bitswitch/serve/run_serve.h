// `bitswitch serve` as a library call: load the model once, serve HTTP until SIGTERM or SIGINT, then finish
// the requests in flight and return.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bitswitch/data/qa_features.h"
#include "bitswitch/eval/postprocess.h"
#include "bitswitch/quant/quant_lora_linear.h"
#include "bitswitch/quant/quant_settings.h"
#include "bitswitch/serve/qa_server.h"

namespace bitswitch::serve {

struct ServeConfig {
    std::string model_dir, tokenizer_dir;
    data::FeatureOptions features;
    eval::PostprocessOptions postprocess;
    std::optional<quant::QuantSettings> quant_override;
    quant::Engine engine = quant::Engine::kPacked;
    std::vector<std::string> only;  // serve just these configs, their packed weights alone in memory
    ServerOptions server;
};

/// Serves until SIGTERM/SIGINT. Prints "bitswitch serve: listening on http://HOST:PORT" to stderr once the
/// socket is bound (with the port chosen when options.port is 0), and a line when it stops.
void run_serve(const ServeConfig& config);

}  // namespace bitswitch::serve
