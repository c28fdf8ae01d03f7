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
#include <memory>
#include <streambuf>

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

namespace {

// An output buffer over a file descriptor that never shows its stream a failed write: it records the first
// error and discards what follows, and the caller reports the error once the writer is done. libtorch's
// archive writer cannot survive a failing stream (it throws from its destructor, which ends the program:
// found by the full-disk test in tests/cli/kill_resume_test.cpp), and the recorded errno names the cause.
class FileSink : public std::streambuf {
  public:
    explicit FileSink(int fd) : fd_(fd) { setp(buffer_, buffer_ + sizeof(buffer_)); }
    /// Writes what is buffered; the first write(2) error, or 0.
    int finish() {
        drain();
        return error_;
    }

  protected:
    int_type overflow(int_type ch) override {
        drain();
        if (!traits_type::eq_int_type(ch, traits_type::eof())) {
            *pptr() = traits_type::to_char_type(ch);
            pbump(1);
        }
        return traits_type::not_eof(ch);
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        if (n < epptr() - pptr()) {
            std::memcpy(pptr(), s, size_t(n));
            pbump(int(n));
        } else {  // large blocks (tensors) go straight to the file
            drain();
            write_all(s, size_t(n));
        }
        return n;
    }
    int sync() override {
        drain();
        return 0;
    }

  private:
    void write_all(const char* p, size_t n) {
        while (n > 0 && error_ == 0) {
            const ssize_t w = ::write(fd_, p, n);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) error_ = errno;
            if (w <= 0) break;
            p += w;
            n -= size_t(w);
        }
    }
    void drain() {
        write_all(pbase(), size_t(pptr() - pbase()));
        setp(buffer_, buffer_ + sizeof(buffer_));
    }
    char buffer_[1 << 16];
    int fd_;
    int error_ = 0;
};

}  // namespace

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
    const int fd                    = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(fmt::format("{}: cannot create ({})", tmp.string(), std::strerror(errno)));
    int failure = 0;
    try {
        auto sink = std::make_unique<FileSink>(fd);  // 64 KiB: not on the stack
        std::ostream out(sink.get());
        write(out);
        failure = sink->finish();
        // On disk before the rename, so that even a power cut leaves the old file or the whole new one.
        if (failure == 0 && ::fsync(fd) != 0) failure = errno;
    } catch (...) {
        ::close(fd);
        std::filesystem::remove(tmp);
        throw;
    }
    if (::close(fd) != 0 && failure == 0) failure = errno;
    if (failure != 0) {
        std::filesystem::remove(tmp);
        throw Error(fmt::format("{}: write failed ({}); nothing was replaced", path.string(),
                                std::strerror(failure)));
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
