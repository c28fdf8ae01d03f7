// Whole-file reads and atomic writes.
#include "bitswitch/core/io.h"

#include <unistd.h>

#include <cerrno>
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

}  // namespace bitswitch::core
