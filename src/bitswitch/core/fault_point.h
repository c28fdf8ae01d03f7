// Fault injection for crash-consistency tests, in the spirit of SQLite's test hooks: code that writes
// state a run depends on marks the points where dying would hurt most, and a test picks one through the
// environment:
//   BITSWITCH_FAULT=<point>@<n>          SIGKILL on the n-th arrival at <point> (1-based)
//   BITSWITCH_FAULT=<point>@<n>:stall    on the n-th arrival, say so on stderr and wait (up to 60 s) for a
//                                        stop signal (stop_signals.h), so that a test can send one there
//   BITSWITCH_FAULT=<point>@<n>:fsize=B  from the n-th arrival on, no file may grow beyond B bytes
//                                        (RLIMIT_FSIZE): every larger write fails as on a full disk
// Several faults are separated by commas: "step@2:stall,checkpoint.model@2:stall".
// Unset (normal use) a point costs one branch on a cached flag. The points are listed in
// docs/RELIABILITY.md.
#pragma once

namespace bitswitch::core {

/// Arrival at the fault point `name` (a string literal such as "checkpoint.rename").
void fault_point(const char* name);

}  // namespace bitswitch::core
