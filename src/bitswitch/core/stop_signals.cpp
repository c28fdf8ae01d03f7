// Stop signals: the handler only touches a sig_atomic_t and calls write(2), signal(2) and raise(3), which
// are async-signal-safe.
#include "bitswitch/core/stop_signals.h"

#include <unistd.h>

#include <cstring>

namespace bitswitch::core {
namespace {

volatile std::sig_atomic_t first_signal = 0;
const char* announced_action            = "";

void write_stderr(const char* text) {
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, text, std::strlen(text));
}

extern "C" void on_stop_signal(int sig) {
    if (first_signal != 0) {  // the second one: die of it now, as if no handler were installed
        std::signal(sig, SIG_DFL);
        std::raise(sig);
        return;
    }
    first_signal = sig;
    write_stderr("\n");
    write_stderr(stop_signal_name(sig));
    write_stderr(" received: ");
    write_stderr(announced_action);
    write_stderr(" (send it again to stop at once)\n");
}

}  // namespace

StopSignals::StopSignals(const char* what) {
    announced_action = what;
    first_signal     = 0;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_int_);
    sigaction(SIGTERM, &action, &previous_term_);
}

StopSignals::~StopSignals() {
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
}

int StopSignals::received() {
    return first_signal;
}

const char* stop_signal_name(int sig) {
    switch (sig) {
        case SIGINT:
            return "SIGINT";
        case SIGTERM:
            return "SIGTERM";
        default:
            return "a stop signal";
    }
}

}  // namespace bitswitch::core
