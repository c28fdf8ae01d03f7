// Graceful stops for long runs. While a StopSignals object lives, SIGINT and SIGTERM do not kill the
// program: the first one is recorded (and announced on stderr) so that the run can stop at its next safe
// point and save what it needs to resume, as users of transformers' Trainer under a cluster scheduler
// expect; a second one restores the default action and re-raises itself, so that pressing Ctrl-C twice
// still ends the program at once.
#pragma once

#include <csignal>
#include <string>

#include "bitswitch/core/error.h"

namespace bitswitch::core {

class StopSignals {
  public:
    /// Installs the handlers, remembering the previous ones; `what` ends the announcement ("saving a
    /// checkpoint after this step") and must outlive the object.
    explicit StopSignals(const char* what);
    ~StopSignals();  // puts the previous handlers back
    StopSignals(const StopSignals&)            = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    /// The first stop signal received while installed (SIGINT or SIGTERM), or 0.
    static int received();

  private:
    struct sigaction previous_int_ {
    }, previous_term_{};
};

/// A run that stopped early at the user's request after saving what it needs to resume. The CLI prints the
/// message and exits 128 + signal, as a shell reports a program that a signal ended.
class Stopped : public Error {
  public:
    Stopped(const std::string& what, int signal) : Error(what), signal_(signal) {}
    int signal() const { return signal_; }

  private:
    int signal_;
};

/// "SIGINT", "SIGTERM", or "a stop signal" for any other number.
const char* stop_signal_name(int sig);

}  // namespace bitswitch::core
