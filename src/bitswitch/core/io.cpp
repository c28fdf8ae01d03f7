// Whole-file reads, mapped files and atomic writes.
#include "bitswitch/core/io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "bitswitch/core/error.h"

namespace bitswitch::core {

std::string read_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw InputError(fmt::format("{}: is a folder, expected a file", path.string()));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw InputError(
            fmt::format("{}: cannot open ({}); check the path", path.string(), std::strerror(errno)));
    }
    std::string bytes;
    in.seekg(0, std::ios::end);
    const auto size = in.tellg();
    if (size > 0) {
        bytes.resize(static_cast<size_t>(size));
        in.seekg(0, std::ios::beg);
        in.read(bytes.data(), size);
    }
    if (!in && !in.eof()) throw InputError(fmt::format("{}: read failed", path.string()));
    return bytes;
}

void write_file_atomic(const std::filesystem::path& path, std::string_view bytes) {
    write_file_atomic_with(
        path, [&](std::ostream& out) { out.write(bytes.data(), std::streamsize(bytes.size())); });
}

void write_file_atomic_with(const std::filesystem::path& path,
                            const std::function<void(std::ostream&)>& write) {
    if (path.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(path.parent_path(), ec);
        if (ec)
            throw Error(
                fmt::format("{}: cannot create folder ({})", path.parent_path().string(), ec.message()));
    }
    // The pid keeps two processes writing the same file from sharing a temporary.
    const std::filesystem::path tmp = path.string() + fmt::format(".tmp.{}", ::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw Error(fmt::format("{}: cannot create ({})", tmp.string(), std::strerror(errno)));
        write(out);
        out.flush();
        if (!out) {
            std::filesystem::remove(tmp);
            throw Error(fmt::format("{}: write failed (disk full or no permission?)", tmp.string()));
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);  // atomic within one filesystem
    if (ec) {
        std::filesystem::remove(tmp);
        throw Error(fmt::format("{}: cannot replace ({})", path.string(), ec.message()));
    }
}

MappedFile::MappedFile(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw InputError(fmt::format("{}: cannot open ({})", path.string(), std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_size == 0) {
        ::close(fd);
        throw InputError(fmt::format("{}: empty, or its size cannot be read", path.string()));
    }
    size_ = size_t(st.st_size);
    data_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (data_ == MAP_FAILED)
        throw InputError(fmt::format("{}: cannot map ({})", path.string(), std::strerror(errno)));
}

MappedFile::~MappedFile() {
    ::munmap(data_, size_);
}

void MappedFile::copy_out(size_t offset, void* dst, size_t n) const {
    static const size_t page = size_t(::sysconf(_SC_PAGESIZE));
    constexpr size_t kSlice  = size_t(16) << 20;
    const auto* src          = static_cast<const uint8_t*>(data_) + offset;
    for (size_t done = 0; done < n; done += kSlice) {
        const size_t len = std::min(kSlice, n - done);
        std::memcpy(static_cast<uint8_t*>(dst) + done, src + done, len);
        // Whole pages of the slice only: a page shared with the next tensor may still be read.
        const auto begin = (reinterpret_cast<uintptr_t>(src + done) + page - 1) / page * page;
        const auto end   = reinterpret_cast<uintptr_t>(src + done + len) / page * page;
        if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
    }
}

}  // namespace bitswitch::core
