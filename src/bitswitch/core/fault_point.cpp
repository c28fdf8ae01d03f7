// Fault points: the environment is parsed once; a malformed BITSWITCH_FAULT is a test's mistake and stops
// the program with a message rather than being ignored (a test would then pass without its fault).
#include "bitswitch/core/fault_point.h"

#include <sys/resource.h>
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
    long hit        = 0;  // which arrival fires
    bool stall      = false;
    long file_limit = -1;  // fsize=B: the RLIMIT_FSIZE to set
    long seen       = 0;   // arrivals so far
};

[[noreturn]] void reject(const std::string& spec, const char* why) {
    std::fprintf(stderr, "error: BITSWITCH_FAULT: \"%s\": %s\n", spec.c_str(), why);
    std::exit(2);
}

Fault parse_fault(std::string s) {
    const std::string spec = s;
    Fault f;
    if (const auto colon = s.find(':'); colon != std::string::npos) {
        const std::string action = s.substr(colon + 1);
        char* end                = nullptr;
        if (action == "stall") {
            f.stall = true;
        } else if (action.rfind("fsize=", 0) == 0) {
            f.file_limit = std::strtol(action.c_str() + 6, &end, 10);
            if (f.file_limit < 0 || *end != '\0') reject(spec, "fsize= takes a number of bytes");
        } else {
            reject(spec, "the action after ':' must be \"stall\" or \"fsize=<bytes>\"");
        }
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
        if (f.file_limit >= 0) {
            std::fprintf(stderr, "fault point %s: files limited to %ld bytes\n", name, f.file_limit);
            const rlimit limit{rlim_t(f.file_limit), rlim_t(f.file_limit)};
            ::setrlimit(RLIMIT_FSIZE, &limit);
            return;
        }
        std::fprintf(stderr, "fault point %s: SIGKILL\n", name);
        std::fflush(stderr);
        std::raise(SIGKILL);
        return;
    }
}

}  // namespace bitswitch::core
