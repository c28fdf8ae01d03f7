// File helpers shared by every component: whole-file reads with clear errors, mapped reads of large files,
// and atomic writes so that nothing a user keeps (predictions, checkpoints, results) is ever left
// half-written.
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

/// A file mapped read-only (private) for the life of the object: large binary formats read their headers
/// and copy their tensors out without reading the whole file into memory first.
class MappedFile {
  public:
    /// InputError naming the path when it cannot be opened or mapped. An empty file maps to no bytes.
    explicit MappedFile(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(const MappedFile&)            = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }
    /// Copies `n` bytes at `offset` (inside the file: callers check) to `dst` in slices, handing each
    /// slice's pages back to the kernel once copied, so the file's pages never add up in resident memory.
    void copy_out(size_t offset, void* dst, size_t n) const;

  private:
    void* data_  = nullptr;
    size_t size_ = 0;
};

}  // namespace bitswitch::core
