// StopSignals: the first SIGINT/SIGTERM is recorded instead of ending the program, a second one ends it,
// and the previous handlers come back when the object goes. Signals are raised in forked children, so a
// broken handler kills a child, not the test program.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "bitswitch/core/stop_signals.h"

namespace bitswitch::core {
namespace {

// Runs `body` in a child process: its exit code, or -signal when a signal ended it.
template <typename Body>
int in_child(Body body) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(body());
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

TEST(StopSignals, TheFirstSignalIsRecordedAndTheProgramGoesOn) {
    EXPECT_EQ(in_child([] {
                  const StopSignals signals("testing");
                  if (StopSignals::received() != 0) return 1;
                  std::raise(SIGTERM);
                  return StopSignals::received() == SIGTERM ? 7 : 2;
              }),
              7);
    EXPECT_EQ(in_child([] {
                  const StopSignals signals("testing");
                  std::raise(SIGINT);
                  return StopSignals::received() == SIGINT ? 7 : 2;
              }),
              7);
}

TEST(StopSignals, ASecondSignalEndsTheProgramByThatSignal) {
    EXPECT_EQ(in_child([] {
                  const StopSignals signals("testing");
                  std::raise(SIGINT);
                  std::raise(SIGTERM);
                  return 0;
              }),
              -SIGTERM);
}

TEST(StopSignals, ThePreviousHandlerComesBackWithTheObject) {
    EXPECT_EQ(in_child([] {
                  { const StopSignals signals("testing"); }
                  std::raise(SIGTERM);  // the default action again
                  return 0;
              }),
              -SIGTERM);
    EXPECT_STREQ(stop_signal_name(SIGINT), "SIGINT");
    EXPECT_STREQ(stop_signal_name(SIGTERM), "SIGTERM");
}

}  // namespace
}  // namespace bitswitch::core
