// Error types of bitswitch. Library code throws; only src/cli/main.cpp turns exceptions into exit codes
// (InputError -> 2, anything else -> 1). Messages are one line that names the input and the fix.
#pragma once

#include <stdexcept>
#include <string>

namespace bitswitch {

/// Runtime failure (I/O, numerics, internal limits): the CLI prints `error: <what>` and exits 1.
class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Bad user input (a file, a field, a flag): the message names it, the bad value and the fix. Exit 2.
class InputError : public Error {
  public:
    using Error::Error;
};

}  // namespace bitswitch
