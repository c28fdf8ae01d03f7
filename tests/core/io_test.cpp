#include "bitswitch/core/io.h"

#include <gtest/gtest.h>

#include "bitswitch/core/error.h"
#include "support/temp_dir.h"

namespace bitswitch::core {
namespace {

using bitswitch::testing::TempDir;

TEST(Io, WriteAtomicReplacesContentAndLeavesNoTemporary) {
    TempDir dir;
    const auto path = dir.path() / "sub" / "out.json";
    write_file_atomic(path, "first");
    write_file_atomic(path, "second");
    EXPECT_EQ(read_file(path), "second");
    size_t files = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(path.parent_path())) ++files;
    EXPECT_EQ(files, 1u);
}

TEST(Io, WriteAtomicKeepsTheOldFileWhenTheTargetCannotBeReplaced) {
    TempDir dir;
    const auto target = dir.path() / "keep";
    std::filesystem::create_directories(target / "child");  // a non-empty folder cannot be renamed over
    EXPECT_THROW(write_file_atomic(target, "x"), Error);
    EXPECT_TRUE(std::filesystem::is_directory(target / "child"));
    size_t entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
    EXPECT_EQ(entries, 1u);  // no temporary left behind
}

TEST(Io, ReadMissingFileNamesIt) {
    try {
        read_file("/nonexistent/file.json");
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/file.json"), std::string::npos);
    }
}

}  // namespace
}  // namespace bitswitch::core
