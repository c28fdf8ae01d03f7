// A fresh folder under the system temp dir, removed with everything in it when the object dies.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace bitswitch::testing {

class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&)            = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    /// Writes `content` to <dir>/<name> and returns its path.
    std::filesystem::path write(const std::string& name, std::string_view content) const;

  private:
    std::filesystem::path path_;
};

}  // namespace bitswitch::testing
