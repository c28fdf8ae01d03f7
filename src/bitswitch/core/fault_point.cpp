// Fault points: the environment is parsed once; a malformed BITSWITCH_FAULT is a test's mistake and stops
// the program with a message rather than being ignored (a test would then pass without its fault).
#include "bitswitch/core/fault_point.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "bitswitch/core/stop_signals.h"

namespace bitswitch::core {
namespace {

struct Fault {
    std::string point;
    long hit   = 0;  // which arrival fires
    bool stall = false;
    long seen  = 0;  // arrivals so far
};

[[noreturn]] void reject(const std::string& spec, const char* why) {
    std::fprintf(stderr, "error: BITSWITCH_FAULT: \"%s\": %s\n", spec.c_str(), why);
    std::exit(2);
}

Fault parse_fault(std::string s) {
    const std::string spec = s;
    Fault f;
    if (const auto colon = s.find(':'); colon != std::string::npos) {
        if (s.substr(colon + 1) != "stall") reject(spec, "the action after ':' must be \"stall\"");
        f.stall = true;
        s.resize(colon);
    }
    const auto at = s.find('@');
    char* end     = nullptr;
    f.hit         = at == std::string::npos ? 0 : std::strtol(s.c_str() + at + 1, &end, 10);
    if (at == 0 || f.hit < 1 || end == nullptr || *end != '\0') reject(spec, "expected <point>@<n>, n >= 1");
    f.point = s.substr(0, at);
    return f;
}

std::vector<Fault> parse_faults(const char* env) {
    std::vector<Fault> faults;
    const std::string all = env == nullptr ? "" : env;
    for (size_t begin = 0; begin < all.size();) {
        const size_t comma = std::min(all.find(',', begin), all.size());
        faults.push_back(parse_fault(all.substr(begin, comma - begin)));
        begin = comma + 1;
    }
    return faults;
}

void stall_until_signalled(const char* name) {
    std::fprintf(stderr, "fault point %s: stalling\n", name);
    std::fflush(stderr);
    const int before = StopSignals::received();
    for (int i = 0; i < 600 && StopSignals::received() == before; ++i) ::usleep(100 * 1000);
}

}  // namespace

void fault_point(const char* name) {
    static std::vector<Fault> faults = parse_faults(std::getenv("BITSWITCH_FAULT"));
    if (faults.empty()) return;
    static std::mutex mutex;  // points may be reached from several threads
    std::unique_lock<std::mutex> lock(mutex);
    for (auto& f : faults) {
        if (f.point != name || ++f.seen != f.hit) continue;
        lock.unlock();
        if (f.stall) return stall_until_signalled(name);
        std::fprintf(stderr, "fault point %s: SIGKILL\n", name);
        std::fflush(stderr);
        std::raise(SIGKILL);
        return;
    }
}

}  // namespace bitswitch::core
