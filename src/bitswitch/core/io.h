// File helpers shared by every component: whole-file reads with clear errors, and atomic writes so that
// nothing a user keeps (predictions, checkpoints, results) is ever left half-written.
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace bitswitch::core {

/// Reads a whole file as bytes. Throws InputError naming the path if it is missing or unreadable.
std::string read_file(const std::filesystem::path& path);

/// Writes `bytes` to `path` through `<path>.tmp.<pid>` + rename, so readers see the old file or the new
/// one, never a partial one. Creates missing parent folders. Throws Error on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

/// The same for content too large to hold in memory twice: `write` streams it into the temporary file.
void write_file_atomic_with(const std::filesystem::path& path,
                            const std::function<void(std::ostream&)>& write);

}  // namespace bitswitch::core
