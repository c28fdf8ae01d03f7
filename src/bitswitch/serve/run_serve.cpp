// bitswitch serve: load, bind, serve until a termination signal (run_serve.h).
#include "bitswitch/serve/run_serve.h"
#include "bitswitch/model/deployment_file.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <thread>

#include "bitswitch/core/error.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/text/bpe_tokenizer.h"

namespace bitswitch::serve {
namespace {

// The signal handler only writes the signal's number to a pipe (async-signal-safe); a thread reads it and
// stops the server. A handler, unlike blocking the signals, also works when library threads created before
// main (OpenBLAS's) would otherwise take the signal with its default action.
int signal_pipe[2] = {-1, -1};

extern "C" void on_termination_signal(int sig) {
    const int saved                  = errno;
    const auto number                = static_cast<unsigned char>(sig);
    [[maybe_unused]] const ssize_t n = write(signal_pipe[1], &number, 1);
    errno                            = saved;
}

void install_termination_handlers() {
    if (signal_pipe[0] < 0 && pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        throw Error("serve: cannot create the signal pipe");
    struct sigaction action {};
    action.sa_handler = on_termination_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
}

}  // namespace

void run_serve(const ServeConfig& c) {
    data::validate(c.features);
    auto loaded    = model::LoadedModel::load(c.model_dir, c.quant_override);
    auto tokenizer = model::load_tokenizer(c.tokenizer_dir, c.model_dir);
    QaService service(std::move(loaded), std::move(tokenizer), c.features, c.postprocess, c.engine, c.only);
    service.config("");  // resolve (and check) the default precision before accepting requests
    QaServer server(service, c.server);
    const int port = server.bind();
    install_termination_handlers();
    std::fprintf(stderr, "bitswitch serve: listening on http://%s:%d\n", c.server.host.c_str(), port);
    std::fflush(stderr);
    std::atomic<bool> done{false};
    std::thread waiter([&] {
        while (!done) {
            pollfd fd{signal_pipe[0], POLLIN, 0};
            if (poll(&fd, 1, 200) <= 0) continue;
            unsigned char sig = 0;
            if (read(signal_pipe[0], &sig, 1) != 1) continue;
            std::fprintf(stderr, "bitswitch serve: %s, finishing the requests in flight\n",
                         sig == SIGTERM ? "SIGTERM" : "SIGINT");
            server.stop();
            return;
        }
    });
    server.serve();
    done = true;
    waiter.join();
    std::fprintf(stderr, "bitswitch serve: stopped\n");
}

}  // namespace bitswitch::serve
